// Unit figures as the API gives them, and how the console shows them.

export interface Indicators {
  response_rate: number | null
  timely_accept_rate: number | null
  on_time_rate: number | null
  finish_rate: number | null
  resolution_rate: number | null
  satisfaction_rate: number | null
  callback_rate: number | null
  reopen_rate: number | null
  return_rate: number | null
  return_overruled_rate: number | null
  extension_rate: number | null
  urge_rate: number | null
  supervision_rate: number | null
  first_time_rate: number | null
  average_finish_days: number | null
  direct_answer_rate: number | null
}

export interface UnitFigures {
  org_id: string
  code: string
  name: string
  kind: string
  parent_id: string | null
  dispatched: number
  finished: number
  response_rate: number | null
  resolution_rate: number | null
  satisfaction_rate: number | null
  on_time_rate: number | null
  score: number | null
  rank: number | null
  indicators: Indicators
  counts: Record<string, number>
}

export interface UnitsReport {
  from: string
  to: string
  subunits: boolean
  items: UnitFigures[]
}

/** The groups units are ranked within, in the report's order. */
export const GROUPS = ['district', 'bureau', 'street', 'community'] as const

/** A fraction as a percentage with one decimal; nothing due shows a dash. */
export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return '—'
  return `${(Math.round(rate * 1000) / 10).toFixed(1)}%`
}

/** The month `back` months before `today`'s: its first day to its last (or to today, this month). */
export function monthRange(today: Date, back: number): [Date, Date] {
  const first = new Date(today.getFullYear(), today.getMonth() - back, 1)
  const last = back === 0 ? new Date(today.getFullYear(), today.getMonth(), today.getDate()) : new Date(first.getFullYear(), first.getMonth() + 1, 0)
  return [first, last]
}

export interface ListedUnit {
  kind: string
  org_id: string
  name: string
  score: number | null
  rank: number | null
}

/** A published month, as it was published. */
export interface Bulletin {
  month: string
  published_at: string
  published_by: string | null
  report: UnitsReport
  red: ListedUnit[]
  black: ListedUnit[]
}

/** The month before `today`'s, `YYYY-MM`: the one a bulletin is usually published for. */
export function lastMonth(today: Date): string {
  const d = new Date(today.getFullYear(), today.getMonth() - 1, 1)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`
}
