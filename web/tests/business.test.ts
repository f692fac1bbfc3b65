import { describe, expect, it } from 'vitest'

import { PERIODS, isNew, periodDays, periodOf, risingRows, share, spanDays } from '../src/lib/business'
import type { ReportRow } from '../src/lib/reports'
import en from '../src/i18n/en'
import zh from '../src/i18n/zh-CN'

const today = new Date(2026, 11, 7, 23, 30) // 7 December 2026, late in the evening

describe('the business page\'s periods', () => {
  it('counts the days as the server\'s ranges do', () => {
    expect(periodDays('this_month', today)).toEqual(['2026-12-01', '2026-12-07'])
    expect(periodDays('last_month', today)).toEqual(['2026-11-01', '2026-11-30'])
    expect(periodDays('last_7_days', today)).toEqual(['2026-12-01', '2026-12-07'])
    expect(periodDays('last_30_days', today)).toEqual(['2026-11-08', '2026-12-07'])
    expect(periodDays('custom', today)).toBeNull()
  })

  it('crosses the year and short months', () => {
    const jan = new Date(2027, 0, 3)
    expect(periodDays('last_month', jan)).toEqual(['2026-12-01', '2026-12-31'])
    expect(periodDays('last_7_days', jan)).toEqual(['2026-12-28', '2027-01-03'])
    expect(periodDays('last_month', new Date(2028, 2, 31))).toEqual(['2028-02-01', '2028-02-29'])
  })

  it('names picked dates that are a named period, else custom', () => {
    expect(periodOf(['2026-11-01', '2026-11-30'], today)).toBe('last_month')
    expect(periodOf(['2026-11-08', '2026-12-07'], today)).toBe('last_30_days')
    expect(periodOf(['2026-11-02', '2026-11-30'], today)).toBe('custom')
    // On the 7th, this month and the last 7 days are the same days: the first named wins.
    expect(periodOf(['2026-12-01', '2026-12-07'], today)).toBe('this_month')
  })

  it('counts a period\'s days, both ends in', () => {
    expect(spanDays('2026-12-01', '2026-12-01')).toBe(1)
    expect(spanDays('2026-11-01', '2026-11-30')).toBe(30)
    expect(spanDays('2026-01-01', '2026-12-31')).toBe(365)
    // Across the change to summer time (none in China, but a browser may be elsewhere).
    expect(spanDays('2026-03-01', '2026-03-31')).toBe(31)
  })
})

describe('rising categories', () => {
  const row = (label: string, now: number, before: number, change: number | null): ReportRow => ({
    keys: [{ value: label, label }], values: [now], previous: [before], change: [change],
  })

  it('keeps the rows that rose or came from nothing, in the server\'s order', () => {
    const rows = [row('new', 20, 0, null), row('up', 12, 10, 0.2), row('same', 5, 5, 0), row('down', 3, 6, -0.5), row('gone', 0, 4, -1), row('none', 0, 0, null)]
    expect(risingRows(rows).map((r) => r.keys[0].label)).toEqual(['new', 'up'])
  })

  it('says a count new when there was nothing before', () => {
    expect(isNew(3, null)).toBe(true)
    expect(isNew(0, null)).toBe(false)
    expect(isNew(3, 0.5)).toBe(false)
  })

  it('gives a share of the total in percent', () => {
    expect(share(72, 153)).toBe('47.1%')
    expect(share(0, 153)).toBe('0.0%')
    expect(share(5, 0)).toBe('—')
    expect(share(null, 10)).toBe('—')
  })
})

describe('the business page\'s words', () => {
  it('has a name for every period in both languages, and the same keys', () => {
    for (const messages of [zh, en]) {
      for (const p of PERIODS) expect(messages.business.periods[p]).toBeTruthy()
      expect(messages.menu.business).toBeTruthy()
    }
    expect(Object.keys(en.business).sort()).toEqual(Object.keys(zh.business).sort())
  })
})
