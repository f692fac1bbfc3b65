import { defineStore } from 'pinia'
import { ref } from 'vue'

import { api } from '../api/client'
import type { Phrase } from '../api/types'

/** The signed-in person's common phrases (常用语), own first, then shared. */
export const usePhrases = defineStore('phrases', () => {
  const list = ref<Phrase[]>([])
  let loaded: Promise<void> | null = null

  /** Reads the list once; `force` after a change. */
  function load(force = false): Promise<void> {
    if (!loaded || force) {
      loaded = api
        .get<Phrase[]>('/phrases')
        .then((p) => {
          list.value = p
        })
        .catch(() => {
          loaded = null
        })
    }
    return loaded
  }

  return { list, load }
})
