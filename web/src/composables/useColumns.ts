import { computed, ref, watch } from 'vue'

import { arrange, storageKey } from '../lib/columns'
import { useSession } from '../stores/session'

export interface ColumnDef {
  key: string
  /** i18n key of the header. */
  label: string
  /** Offered in the settings, shown only when the user asks for it. */
  hidden?: boolean
}

/** A work list's columns as this user arranged them, kept in localStorage under `list`. */
export function useColumns(list: string, defs: ColumnDef[]) {
  const session = useSession()
  const keys = defs.map((d) => d.key)
  const hidden = defs.filter((d) => d.hidden).map((d) => d.key)
  const where = storageKey(session.me?.user.id ?? 'anonymous', list)

  let saved: unknown = null
  try {
    saved = JSON.parse(localStorage.getItem(where) ?? 'null')
  } catch {
    // A damaged entry: start from the defaults.
  }
  const state = ref(arrange(keys, hidden, saved))
  watch(state, (s) => localStorage.setItem(where, JSON.stringify(s)))

  const visible = computed(() => state.value.filter((c) => c.visible).map((c) => c.key))
  const reset = () => (state.value = arrange(keys, hidden, null))

  return { defs, state, visible, reset }
}
