import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import { api } from '../api/client'
import type { Me, Permission } from '../api/types'
import { buildMenu } from '../lib/menu'

export const useSession = defineStore('session', () => {
  const me = ref<Me | null>(null)
  const loaded = ref(false)

  const has = (p: Permission) => me.value?.permissions.some((g) => g.permission === p) ?? false
  const reachesCity = (p: Permission) => me.value?.permissions.some((g) => g.permission === p && g.reach === 'city') ?? false
  const isUnit = computed(() => has('ticket_handle') && !reachesCity('ticket_read'))
  const menu = computed(() => (me.value && !me.value.restriction ? buildMenu(has, isUnit.value) : []))

  /** Who is signed in, or null; never throws for a missing session. */
  async function load(): Promise<Me | null> {
    try {
      me.value = (await api.get<{ me: Me | null }>('/auth/session', { quiet401: true })).me
    } catch {
      me.value = null
    }
    loaded.value = true
    return me.value
  }

  async function login(username: string, password: string, totp?: string): Promise<Me> {
    me.value = await api.post<Me>('/auth/login', { username, password, totp: totp || undefined }, { quiet401: true })
    loaded.value = true
    return me.value
  }

  async function logout(): Promise<void> {
    try {
      await api.post('/auth/logout')
    } finally {
      me.value = null
    }
  }

  function forget(): void {
    me.value = null
  }

  return { me, loaded, has, reachesCity, isUnit, menu, load, login, logout, forget }
})
