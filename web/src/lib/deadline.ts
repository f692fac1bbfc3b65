// Deadline badges: green with time left, yellow when little is left (the server colours by the
// warning share), red with how late — counted as the running clock's limit counts: working time
// for limits in working days, elapsed time for an emergency's minutes and hours.

import type { Counting, DeadlineStatus } from '../api/types'

/** Minutes of one office day (08:30–17:30), to speak in working days. */
export const WORKDAY_MINUTES = 9 * 60
/** Minutes of a calendar day, for clocks that run through the night. */
export const DAY_MINUTES = 24 * 60

export interface Badge {
  type: 'success' | 'warning' | 'danger' | 'info'
  key: 'ok' | 'warning' | 'overdue' | 'none'
  /** Days (working or calendar, as `counting` says), hours and minutes of the span (positive). */
  span: { days: number; hours: number; minutes: number }
  counting: Counting
}

export function splitMinutes(total: number, dayMinutes: number): { days: number; hours: number; minutes: number } {
  const m = Math.abs(Math.round(total))
  const days = Math.floor(m / dayMinutes)
  const rest = m - days * dayMinutes
  return { days, hours: Math.floor(rest / 60), minutes: rest % 60 }
}

export function badge(status: DeadlineStatus, minutesLeft: number | null, counting: Counting | null = 'working'): Badge {
  const how: Counting = counting ?? 'working'
  const raw = minutesLeft ?? 0
  // A late clock is at least a minute late, whatever rounding the caller did.
  const late = status === 'overdue' ? Math.max(1, Math.abs(raw)) : raw
  const span = splitMinutes(late, how === 'working' ? WORKDAY_MINUTES : DAY_MINUTES)
  switch (status) {
    case 'ok':
      return { type: 'success', key: 'ok', span, counting: how }
    case 'warning':
      return { type: 'warning', key: 'warning', span, counting: how }
    case 'overdue':
      return { type: 'danger', key: 'overdue', span, counting: how }
    default:
      return { type: 'info', key: 'none', span, counting: how }
  }
}

/** "1个工作日 3小时" / "1天 2小时" / "2 h 10 min", with the translator for the parts. */
export function spanText(
  span: Badge['span'],
  t: (key: string, values: Record<string, number>) => string,
  counting: Counting = 'working',
): string {
  const parts: string[] = []
  if (span.days) parts.push(t(counting === 'working' ? 'deadline.day' : 'deadline.calendarDay', { n: span.days }))
  if (span.hours) parts.push(t('deadline.hour', { n: span.hours }))
  if (span.minutes || parts.length === 0) parts.push(t('deadline.minute', { n: span.minutes }))
  return parts.slice(0, 2).join(' ')
}
