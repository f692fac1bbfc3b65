// The header's one search box: a ticket number, a caller's phone number or words, told apart
// by their shape: a number or a phone filters the all-tickets list, words go to full-text search.

/** `YYYYMMDD` + a sequence of at least five digits, as the server numbers tickets
 * (`hotline_domain::ticket::ticket_number`). */
const TICKET_NUMBER = /^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{5,}$/
/** What a phone number may be written with (`hotline_domain::phone::PhoneNumber::parse`). */
const PHONE_CHARS = /^\+?[\d\s\-().]+$/

export type SearchKind = 'number' | 'phone' | 'text'

export interface SearchTarget {
  kind: SearchKind
  value: string
}

/** What the typed text is. Without `phoneAllowed` (units see numbers masked and the server
 * refuses them a phone filter) digits are never taken for a phone number. */
export function classify(raw: string, phoneAllowed: boolean): SearchTarget | null {
  const text = raw.trim()
  if (!text) return null
  const compact = text.replace(/[\s-]/g, '')
  if (TICKET_NUMBER.test(compact)) return { kind: 'number', value: compact }
  // Seven digits and more: a local landline at least; shorter runs are more likely title words.
  if (phoneAllowed && PHONE_CHARS.test(text) && text.replace(/\D/g, '').length >= 7) return { kind: 'phone', value: text }
  return { kind: 'text', value: text }
}

/** Where the target is looked up: words in full-text search (number, title, content, address,
 * replies), a number or a phone in the all-tickets list's own filter. */
export function searchLocation(target: SearchTarget): { path: string; query: Record<string, string> } {
  switch (target.kind) {
    case 'text':
      return { path: '/search', query: { q: target.value } }
    case 'number':
      return { path: '/tickets/all', query: { number: target.value } }
    case 'phone':
      return { path: '/tickets/all', query: { caller_phone: target.value } }
  }
}
