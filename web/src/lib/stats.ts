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
  /** The center's bonuses and deductions in the period. */
  adjustment: number
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

/** What staff took in at one place of the on-duty report (a person, an hour, a shift). */
export interface DutyCounts {
  contacts: number
  registered: number
  answered: number
  dispatched: number
  reopened: number
  returned: number
  answered_rate: number | null
  reopen_rate: number | null
  return_rate: number | null
}

export interface DutyReport {
  from: string
  to: string
  shift: string | null
  total: DutyCounts
  items: (DutyCounts & { agent_id: string; name: string | null; active_hours: number })[]
  hours: (DutyCounts & { hour: number })[]
  shifts: (DutyCounts & { name: string; from: number; to: number; agents: number })[]
}

/** An hour of the day as a clock reads it: 8 → 08:00, 24 → 24:00. */
export function hourLabel(hour: number): string {
  return `${String(hour).padStart(2, '0')}:00`
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

/** The leaders' dashboard (`GET /stats/overview`), all from the rollups. */
export interface Overview {
  total: number
  open: number
  overdue: number
  by_state: Record<string, number>
  overdue_by_unit: { org: { id: string; code: string; name: string }; count: number }[]
  satisfaction: Record<string, number>
  from: string
  to: string
  trend: { day: string; intake: number; answered_directly: number }[]
  categories: { id: string | null; name: string | null; count: number }[]
  regions: {
    org: { id: string; code: string; name: string }
    dispatched: number
    open: number
    overdue: number
    satisfaction_rate: number | null
    on_time_rate: number | null
  }[]
  ranking: UnitFigures[]
  open_alerts: number
}

/** Share of ratings that were 满意 or 基本满意, as the overview's card shows it. */
export function satisfiedShare(s: Record<string, number>): number | null {
  const total = Object.values(s).reduce((a, b) => a + b, 0)
  return total ? ((s.satisfied ?? 0) + (s.basically_satisfied ?? 0)) / total : null
}

/** The best `n` of a group by rank, best first (units with nothing due left out). */
export function topOfGroup(items: UnitFigures[], kind: string, n: number): UnitFigures[] {
  return items
    .filter((u) => u.kind === kind && u.rank !== null)
    .sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0))
    .slice(0, n)
}

/** Calls `run` at most once every `ms`, the last call of a burst included (a live wall). */
export function throttle(run: () => void, ms: number): () => void {
  let last = 0
  let timer: ReturnType<typeof setTimeout> | null = null
  return () => {
    const wait = last + ms - Date.now()
    if (wait <= 0) {
      last = Date.now()
      run()
    } else if (!timer) {
      timer = setTimeout(() => {
        timer = null
        last = Date.now()
        run()
      }, wait)
    }
  }
}
