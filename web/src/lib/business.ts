// 业务分析: what the city is talking about over a period — the words of appeals' titles (高频词),
// the categories rising against the period before, repeat callers, the channels and the hours
// of the day. The API's shapes, and the pure parts of how the page reads them.

import type { TicketSummary } from '../api/types'
import { isoDay } from './format'
import type { ReportRow } from './reports'

/** The periods offered above the page, as the report builder names them (`custom`: picked). */
export const PERIODS = ['this_month', 'last_month', 'last_7_days', 'last_30_days', 'custom'] as const
export type Period = (typeof PERIODS)[number]

/** `GET /stats/words`. */
export interface WordCount {
  word: string
  appeals: number
  previous: number
  /** Relative (0.25 = +25%); null when the word was not used in the period before. */
  change: number | null
}

export interface FrequentWords {
  from: string
  to: string
  previous_from: string
  previous_to: string
  items: WordCount[]
}

/** `GET /stats/callers`: a caller by masked number (`***` when confidential). */
export interface RepeatCaller {
  caller: string
  appeals: number
  open: number
  first_at: string
  last_at: string
  /** The newest, up to ten. */
  tickets: TicketSummary[]
}

export interface RepeatCallers {
  from: string
  to: string
  min: number
  callers: { items: RepeatCaller[]; total: number; page: number; per_page: number }
}

/** The thresholds of 重复来电 offered: at least this many appeals in the period. */
export const CALLER_MINIMUMS = [2, 3, 5] as const

/** Words the chart draws; the table lists all the API gave. */
export const CHART_WORDS = 20

/**
 * The days of a period, `YYYY-MM-DD`, as the server counts its own ranges: this month to today,
 * last month whole, the last 7 or 30 days up to today. `custom` has no days of its own (null).
 */
export function periodDays(period: Period, today: Date): [string, string] | null {
  const y = today.getFullYear()
  const m = today.getMonth()
  const d = today.getDate()
  switch (period) {
    case 'this_month':
      return [isoDay(new Date(y, m, 1)), isoDay(new Date(y, m, d))]
    case 'last_month':
      return [isoDay(new Date(y, m - 1, 1)), isoDay(new Date(y, m, 0))]
    case 'last_7_days':
      return [isoDay(new Date(y, m, d - 6)), isoDay(new Date(y, m, d))]
    case 'last_30_days':
      return [isoDay(new Date(y, m, d - 29)), isoDay(new Date(y, m, d))]
    default:
      return null
  }
}

/** The named period two dates are, else `custom` (a picked range that happens to be one). */
export function periodOf(days: [string, string], today: Date): Period {
  const named = PERIODS.find((p) => {
    const own = periodDays(p, today)
    return own !== null && own[0] === days[0] && own[1] === days[1]
  })
  return named ?? 'custom'
}

/**
 * The rows of a report sorted by change that did rise: more than before, or something where
 * there was nothing (change null, now above zero). Falling and unchanged rows fill a short
 * list's tail; a card of risers leaves them out.
 */
export function risingRows(rows: ReportRow[], at = 0): ReportRow[] {
  return rows.filter((r) => {
    const change = r.change?.[at]
    if (change === null || change === undefined) return (r.values[at] ?? 0) > 0 && (r.previous?.[at] ?? 0) === 0
    return change > 0
  })
}

/** A row's share of a total, in percent with one decimal; nothing counted shows a dash. */
export function share(value: number | null | undefined, total: number | null | undefined): string {
  if (!total || value === null || value === undefined) return '—'
  return `${(Math.round((value / total) * 1000) / 10).toFixed(1)}%`
}

/** Whether a word (or category) is new in the period: counted now, not at all before. */
export const isNew = (now: number | null | undefined, change: number | null | undefined): boolean =>
  (change === null || change === undefined) && (now ?? 0) > 0

/** How many days a period has, both ends counted (`YYYY-MM-DD` each). */
export function spanDays(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1
}

/** The longest period the statistics answer for. */
export const MAX_DAYS = 366
