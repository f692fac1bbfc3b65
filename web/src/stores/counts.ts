import { defineStore } from 'pinia'
import { ref } from 'vue'

import { api } from '../api/client'

/** Work-list counts for the menu badges, refreshed on live events. */
export const useCounts = defineStore('counts', () => {
  const counts = ref<Record<string, number>>({})
  let pending: Promise<void> | null = null

  async function refresh(): Promise<void> {
    if (pending) return pending
    pending = api
      .get<Record<string, number>>('/tickets/counts')
      .then((c) => {
        counts.value = c
      })
      .catch(() => undefined)
      .finally(() => {
        pending = null
      })
    return pending
  }

  return { counts, refresh }
})
