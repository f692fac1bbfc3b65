import { defineStore } from 'pinia'
import { ref } from 'vue'

import { api, ApiError } from '../api/client'
import { currentLocale, hasSavedLocale, setLocale, type Locale } from '../i18n'

export interface Preferences {
  language: Locale
  notify_new_work: boolean
  notify_sound: boolean
}

/** The signed-in user's preferences, kept by the server (`/me/preferences`) so they follow the
 * person from desk to desk. A language chosen in this browser wins over the stored one (the
 * server cannot tell a choice from its default); a choice made here is stored for the next desk.
 * A server without that API (404) leaves the language to this browser and notifications off. */
export const usePreferences = defineStore('preferences', () => {
  const prefs = ref<Preferences>({ language: currentLocale(), notify_new_work: false, notify_sound: false })
  /** null until asked; false when the server does not keep preferences. */
  const available = ref<boolean | null>(null)

  function take(p: Preferences) {
    prefs.value = p
    if (!hasSavedLocale() && p.language !== currentLocale()) setLocale(p.language)
  }

  /** Asks the server; a 404 means it keeps no preferences. */
  async function exchange(call: Promise<Preferences>): Promise<void> {
    try {
      take(await call)
      available.value = true
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e
      available.value = false
    }
  }

  const load = () => exchange(api.get<Preferences>('/me/preferences'))

  async function save(change: Partial<Preferences>): Promise<void> {
    if (change.language) setLocale(change.language)
    prefs.value = { ...prefs.value, ...change }
    if (available.value !== false) await exchange(api.put<Preferences>('/me/preferences', prefs.value))
  }

  /** The header's language switch: kept with the user's preferences where the server can. */
  async function setLanguage(language: Locale): Promise<void> {
    if (available.value) await save({ language })
    else setLocale(language)
  }

  return { prefs, available, load, save, setLanguage }
})
