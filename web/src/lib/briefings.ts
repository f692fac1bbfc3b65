// The leaders' daily briefing (要情摘报) as the API gives it, the editor's working copy of a
// draft (what PUT sends back), and leaders' instructions (批示) as the console tells of them.

import type { LiveEvent } from './live'

export { isoDay } from './format'

export type BriefingState = 'draft' | 'published'
export const BRIEFING_STATES: BriefingState[] = ['draft', 'published']

export interface BriefingSummary {
  id: string
  title: string
  /** `YYYY-MM-DD`. */
  day: string
  state: BriefingState
  item_count: number
  instruction_count: number
  created_by_name: string | null
  created_at: string
  published_at: string | null
  published_by_name: string | null
}

/** A leader's instruction on a briefing's item, oldest first. */
export interface Instruction {
  at: string
  author_name: string | null
  content: string
}

export interface BriefingItem {
  id: string
  position: number
  ticket_id: string
  /** Null only if the ticket can no longer be read. */
  ticket_number: string | null
  ticket_title: string | null
  ticket_state: string | null
  headline: string
  body: string
  instructions: Instruction[]
}

export interface Briefing extends BriefingSummary {
  foreword: string
  version: number
  items: BriefingItem[]
}

/** A ticket an agent excerpted (拟摘), offered to the editor (`GET /briefings/excerpts`). */
export interface Excerpt {
  ticket_id: string
  number: string
  title: string
  excerpt: string
  state: string
  category_path: string | null
  created_at: string
  /** A briefing already carrying it. */
  briefing_id: string | null
}

/** Limits the API holds the document to (`PUT /briefings/{id}`). */
export const LIMITS = { title: 200, foreword: 4000, headline: 200, body: 4000, instruction: 2000 } as const

/** The tag colour of a state. */
export function briefingType(state: BriefingState): 'info' | 'success' {
  return state === 'published' ? 'success' : 'info'
}


/** `day` moved by `days` calendar days (negative: earlier). */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number)
  // Noon UTC: no daylight-saving edge can move the date.
  const t = new Date(Date.UTC(y, m - 1, d, 12) + days * 86_400_000)
  return `${t.getUTCFullYear()}-${String(t.getUTCMonth() + 1).padStart(2, '0')}-${String(t.getUTCDate()).padStart(2, '0')}`
}

/** The excerpts an editor is shown first: the week ending on the briefing's day. */
export function defaultRange(day: string): [string, string] {
  return [addDays(day, -6), day]
}

/** One item of the draft being edited. `key` tells items apart while they move. */
export interface DraftItem {
  key: string
  ticket_id: string
  ticket_number: string | null
  ticket_title: string | null
  ticket_state: string | null
  headline: string
  body: string
}

export interface Draft {
  title: string
  foreword: string
  version: number
  items: DraftItem[]
}

/** The editor's working copy of a briefing. */
export function toDraft(b: Briefing): Draft {
  return {
    title: b.title,
    foreword: b.foreword,
    version: b.version,
    items: [...b.items]
      .sort((a, z) => a.position - z.position)
      .map((i) => ({
        key: i.ticket_id,
        ticket_id: i.ticket_id,
        ticket_number: i.ticket_number,
        ticket_title: i.ticket_title,
        ticket_state: i.ticket_state,
        headline: i.headline,
        body: i.body,
      })),
  }
}

/** An excerpt as a new item at the end: headed by the ticket's title, the excerpt as its body.
 * A ticket already in the briefing is not added twice. */
export function addExcerpt(items: DraftItem[], e: Excerpt): DraftItem[] {
  if (items.some((i) => i.ticket_id === e.ticket_id)) return items
  return [
    ...items,
    { key: e.ticket_id, ticket_id: e.ticket_id, ticket_number: e.number, ticket_title: e.title, ticket_state: e.state, headline: e.title, body: e.excerpt },
  ]
}

/** The item at `index` moved by `delta` places; out of range leaves the order as it is. */
export function moveItem<T>(items: T[], index: number, delta: number): T[] {
  const to = index + delta
  if (index < 0 || index >= items.length || to < 0 || to >= items.length) return items
  const out = [...items]
  const [moved] = out.splice(index, 1)
  out.splice(to, 0, moved)
  return out
}

export function removeItem<T>(items: T[], index: number): T[] {
  return items.filter((_, i) => i !== index)
}

export interface BriefingPut {
  title: string
  foreword: string
  version: number
  items: { ticket_id: string; headline: string; body: string }[]
}

/** The body of `PUT /briefings/{id}`: the whole document, items in their order. */
export function putBody(d: Draft): BriefingPut {
  return {
    title: d.title.trim(),
    foreword: d.foreword.trim(),
    version: d.version,
    items: d.items.map((i) => ({ ticket_id: i.ticket_id, headline: i.headline.trim(), body: i.body.trim() })),
  }
}

/** What the document says, for telling unsaved changes (the version is not content). */
export function contentOf(d: Draft): string {
  const { version: _, ...content } = putBody(d)
  return JSON.stringify(content)
}

/** The API's field names for an item's fields: `items[2].headline`. */
export function itemField(index: number, field: 'headline' | 'body' | 'ticket_id'): string {
  return `items[${index}].${field}`
}

/** Mistakes found before sending, keyed as the API keys its field errors. */
export function validateDraft(d: Draft, required: string, tooLong: (limit: number) => string): Record<string, string> {
  const errors: Record<string, string> = {}
  const body = putBody(d)
  // Characters as the server counts them (code points, not UTF-16 units).
  const chars = (s: string) => [...s].length
  if (chars(body.title) > LIMITS.title) errors.title = tooLong(LIMITS.title)
  if (chars(body.foreword) > LIMITS.foreword) errors.foreword = tooLong(LIMITS.foreword)
  body.items.forEach((i, n) => {
    if (!i.headline) errors[itemField(n, 'headline')] = required
    else if (chars(i.headline) > LIMITS.headline) errors[itemField(n, 'headline')] = tooLong(LIMITS.headline)
    if (!i.body) errors[itemField(n, 'body')] = required
    else if (chars(i.body) > LIMITS.body) errors[itemField(n, 'body')] = tooLong(LIMITS.body)
  })
  return errors
}

/** How the editor marks an excerpt: in this briefing (not offered again), in another one
 * (offered, with a tag), or free. `briefing_id` is as last saved: an item added or removed
 * here since counts as the editor has it. */
export function excerptMark(e: Excerpt, briefingId: string, items: DraftItem[]): 'here' | 'other' | null {
  if (items.some((i) => i.ticket_id === e.ticket_id)) return 'here'
  if (e.briefing_id && e.briefing_id !== briefingId) return 'other'
  return null
}

const DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九']

/** An item's number as a document numbers it: 一、二、… 十一、… in Chinese, `1.` otherwise. */
export function ordinal(n: number, locale: string): string {
  if (!locale.startsWith('zh') || n < 1 || n > 99) return `${n}.`
  const tens = Math.floor(n / 10)
  const ones = n % 10
  const text = (tens === 0 ? '' : tens === 1 ? '十' : `${DIGITS[tens]}十`) + (ones === 0 ? '' : DIGITS[ones])
  return `${text}、`
}

/** Whether a live event should pop up a leader's instruction, and worded for whom: units hold
 * the ticket; center staff hear of it too. Leaders are the ones instructing: not them. */
export function instructionNotice(event: LiveEvent, who: { isUnit: boolean; instructs: boolean }): 'held' | 'center' | null {
  if (event.kind !== 'instruction' || !event.ticket_id || who.instructs) return null
  return who.isUnit ? 'held' : 'center'
}

/** Whether a leader may still instruct on a ticket in this state (the API's rule: not on a
 * draft, a merged or an archived one). */
export function instructable(state: string | null): boolean {
  return !!state && !['draft', 'merged', 'archived'].includes(state)
}
