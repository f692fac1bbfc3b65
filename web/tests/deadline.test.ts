import { describe, expect, it } from 'vitest'

import { badge, DAY_MINUTES, spanText, splitMinutes, WORKDAY_MINUTES } from '../src/lib/deadline'

const t = (key: string, v: Record<string, number>) => `${key}:${v.n}`

describe('deadline badges', () => {
  it('splits working minutes into working days, hours and minutes', () => {
    expect(splitMinutes(0, WORKDAY_MINUTES)).toEqual({ days: 0, hours: 0, minutes: 0 })
    expect(splitMinutes(130, WORKDAY_MINUTES)).toEqual({ days: 0, hours: 2, minutes: 10 })
    expect(splitMinutes(WORKDAY_MINUTES + 61, WORKDAY_MINUTES)).toEqual({ days: 1, hours: 1, minutes: 1 })
    expect(splitMinutes(-(WORKDAY_MINUTES * 2), WORKDAY_MINUTES)).toEqual({ days: 2, hours: 0, minutes: 0 })
    expect(splitMinutes(DAY_MINUTES + 5, DAY_MINUTES)).toEqual({ days: 1, hours: 0, minutes: 5 })
  })

  it('colours by status', () => {
    expect(badge('ok', 600).type).toBe('success')
    expect(badge('warning', 30).type).toBe('warning')
    expect(badge('overdue', -90).type).toBe('danger')
    expect(badge('none', null).key).toBe('none')
  })

  it('says the two largest parts, never nothing', () => {
    expect(spanText({ days: 1, hours: 3, minutes: 5 }, t)).toBe('deadline.day:1 deadline.hour:3')
    expect(spanText({ days: 0, hours: 0, minutes: 0 }, t)).toBe('deadline.minute:0')
    expect(spanText({ days: 0, hours: 2, minutes: 10 }, t)).toBe('deadline.hour:2 deadline.minute:10')
  })

  it('counts an emergency in elapsed time, with calendar days', () => {
    // 13 minutes left of a 30-minute clock at night: 13, not the 0 working minutes.
    const b = badge('warning', 13, 'elapsed')
    expect(b.span).toEqual({ days: 0, hours: 0, minutes: 13 })
    expect(spanText(b.span, t, b.counting)).toBe('deadline.minute:13')
    const long = badge('ok', DAY_MINUTES + 90, 'elapsed')
    expect(spanText(long.span, t, long.counting)).toBe('deadline.calendarDay:1 deadline.hour:1')
    const working = badge('ok', WORKDAY_MINUTES + 90, 'working')
    expect(spanText(working.span, t, working.counting)).toBe('deadline.day:1 deadline.hour:1')
  })

  it('is never zero minutes late', () => {
    expect(badge('overdue', 0, 'elapsed').span).toEqual({ days: 0, hours: 0, minutes: 1 })
    expect(badge('overdue', 0, 'working').span.minutes).toBe(1)
    expect(badge('overdue', -125, 'elapsed').span).toEqual({ days: 0, hours: 2, minutes: 5 })
  })
})
