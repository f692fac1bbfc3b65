import { defineStore } from 'pinia'
import { ref, watch } from 'vue'

import * as tabs from '../lib/tabs'
import type { Tab } from '../lib/tabs'

const KEY = 'hotline.tabs'

/** The opened pages of this sign-in, and the titles pages publish for their tab (a ticket's
 * number). Kept in this browser tab's sessionStorage with their owner, so a reload keeps them
 * and the next person to sign in here starts afresh. */
export const useTabs = defineStore('tabs', () => {
  const list = ref<Tab[]>([])
  let owner = ''
  watch(list, (open) => sessionStorage.setItem(KEY, JSON.stringify({ owner, tabs: open })))

  /** Takes up the tabs `user` had open in this browser tab, if any. */
  function restore(user: string) {
    if (owner === user) return
    owner = user
    try {
      const saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null')
      list.value = saved?.owner === user && Array.isArray(saved.tabs) ? saved.tabs : []
    } catch {
      list.value = []
    }
  }
  const visit = (tab: Tab) => (list.value = tabs.visit(list.value, tab))
  const name = (path: string, text: string) => (list.value = tabs.name(list.value, path, text))
  /** Closes a tab; answers where to go if it was the active one. */
  function close(path: string, active: string): string | null {
    const { tabs: rest, next } = tabs.close(list.value, path, active)
    list.value = rest
    return next
  }
  const closeOthers = (path: string) => (list.value = tabs.closeOthers(list.value, path))
  const closeAll = () => (list.value = tabs.closeAll(list.value))

  return { list, restore, visit, name, close, closeOthers, closeAll }
})
