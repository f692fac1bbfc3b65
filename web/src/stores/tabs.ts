import { defineStore } from 'pinia'
import { ref } from 'vue'

import * as tabs from '../lib/tabs'
import type { Tab } from '../lib/tabs'

/** The opened pages of this sign-in, and the titles pages publish for their tab (a ticket's
 * number). */
export const useTabs = defineStore('tabs', () => {
  const list = ref<Tab[]>([])

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
  const clear = () => (list.value = [])

  return { list, visit, name, close, closeOthers, closeAll, clear }
})
