import { describe, expect, it } from 'vitest'

import { lastMonth, monthRange, percent } from '../src/lib/stats'

describe('unit figures', () => {
  it('shows rates as percentages and nothing due as a dash', () => {
    expect(percent(1)).toBe('100.0%')
    expect(percent(0.98765)).toBe('98.8%')
    expect(percent(0)).toBe('0.0%')
    expect(percent(null)).toBe('—')
  })

  it('takes this month to today and last month whole, across a year', () => {
    const [from, to] = monthRange(new Date(2026, 0, 15), 0)
    expect([from.getMonth(), from.getDate(), to.getDate()]).toEqual([0, 1, 15])
    const [lastFrom, lastTo] = monthRange(new Date(2026, 0, 15), 1)
    expect([lastFrom.getFullYear(), lastFrom.getMonth(), lastFrom.getDate()]).toEqual([2025, 11, 1])
    expect([lastTo.getMonth(), lastTo.getDate()]).toEqual([11, 31])
    const [, february] = monthRange(new Date(2028, 2, 3), 1)
    expect(february.getDate()).toBe(29)
  })

  it('offers last month for a bulletin, across a year', () => {
    expect(lastMonth(new Date(2026, 0, 5))).toBe('2025-12')
    expect(lastMonth(new Date(2026, 11, 7))).toBe('2026-11')
  })
})
