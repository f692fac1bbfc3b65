import { createI18n } from 'vue-i18n'
import zh from './zh-CN'
import en from './en'

export type Locale = 'zh-CN' | 'en'

const saved = typeof localStorage !== 'undefined' ? localStorage.getItem('hotline.locale') : null

export const i18n = createI18n({
  legacy: false,
  locale: saved === 'en' ? 'en' : 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zh, en },
})

/** Whether this browser has a language of its own (chosen here: at sign-in, in the header). */
export function hasSavedLocale(): boolean {
  return localStorage.getItem('hotline.locale') !== null
}

/** The language the API should answer in. */
export function currentLocale(): Locale {
  return i18n.global.locale.value === 'en' ? 'en' : 'zh-CN'
}

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  localStorage.setItem('hotline.locale', locale)
  document.documentElement.lang = locale
}
