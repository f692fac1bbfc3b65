import { defineStore } from 'pinia'
import { ref } from 'vue'

import { api } from '../api/client'
import { currentLocale, hasSavedLocale, setLocale, type Locale } from '../i18n'

export interface Preferences {
  language: Locale
  notify_new_work: boolean
  notify_sound: boolean
}

/** The signed-in user's preferences, kept by the server (`/me/preferences`) so they follow the
 * person from desk to desk. A language chosen in this browser wins over the stored one (the
 * server cannot tell a choice from its default); a choice made here is stored for the next desk. */
export const usePreferences = defineStore('preferences', () => {
  const prefs = ref<Preferences>({ language: currentLocale(), notify_new_work: false, notify_sound: false })
  /** The stored preferences have been read. */
  const loaded = ref(false)

  function take(p: Preferences) {
    prefs.value = p
    loaded.value = true
    if (!hasSavedLocale() && p.language !== currentLocale()) setLocale(p.language)
  }

  const load = async () => take(await api.get<Preferences>('/me/preferences'))

  async function save(change: Partial<Preferences>): Promise<void> {
    if (change.language) setLocale(change.language)
    prefs.value = { ...prefs.value, ...change }
    take(await api.put<Preferences>('/me/preferences', prefs.value))
  }

  /** The header's language switch: kept with the user's preferences once they are read. */
  async function setLanguage(language: Locale): Promise<void> {
    if (loaded.value) await save({ language })
    else setLocale(language)
  }

  return { prefs, loaded, load, save, setLanguage }
})
