// Deadline badges: green with time left, yellow when little is left, red with how late —
// counted in working time, which is what units are judged on.

import type { DeadlineStatus } from '../api/types'

/** Minutes of one office day (08:30–17:30), to speak in working days. */
export const WORKDAY_MINUTES = 9 * 60

export interface Badge {
  type: 'success' | 'warning' | 'danger' | 'info'
  key: 'ok' | 'warning' | 'overdue' | 'none'
  /** Working days, hours and minutes of the span (always positive). */
  span: { days: number; hours: number; minutes: number }
}

export function splitWorkingMinutes(total: number): { days: number; hours: number; minutes: number } {
  const m = Math.abs(Math.round(total))
  const days = Math.floor(m / WORKDAY_MINUTES)
  const rest = m - days * WORKDAY_MINUTES
  return { days, hours: Math.floor(rest / 60), minutes: rest % 60 }
}

export function badge(status: DeadlineStatus, workingMinutesLeft: number | null): Badge {
  const span = splitWorkingMinutes(workingMinutesLeft ?? 0)
  switch (status) {
    case 'ok':
      return { type: 'success', key: 'ok', span }
    case 'warning':
      return { type: 'warning', key: 'warning', span }
    case 'overdue':
      return { type: 'danger', key: 'overdue', span }
    default:
      return { type: 'info', key: 'none', span }
  }
}

/** "1个工作日 3小时" / "2 h 10 min", with the translator for the parts. */
export function spanText(span: Badge['span'], t: (key: string, values: Record<string, number>) => string): string {
  const parts: string[] = []
  if (span.days) parts.push(t('deadline.day', { n: span.days }))
  if (span.hours) parts.push(t('deadline.hour', { n: span.hours }))
  if (span.minutes || parts.length === 0) parts.push(t('deadline.minute', { n: span.minutes }))
  return parts.slice(0, 2).join(' ')
}
