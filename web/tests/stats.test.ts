import { describe, expect, it, vi } from 'vitest'

import { type UnitFigures, hourLabel, lastMonth, monthRange, percent, satisfiedShare, throttle, topOfGroup } from '../src/lib/stats'

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

describe('the leaders\' dashboard', () => {
  it('counts 满意 and 基本满意 as satisfied, and nothing rated as no share', () => {
    expect(satisfiedShare({ satisfied: 2, basically_satisfied: 1, unsatisfied: 1 })).toBe(0.75)
    expect(satisfiedShare({})).toBeNull()
  })

  it('takes the best of a group by rank and leaves units with nothing due out', () => {
    const unit = (code: string, kind: string, rank: number | null) => ({ code, name: code, kind, rank, score: rank ? 100 - rank : null }) as UnitFigures
    const items = [unit('b', 'district', 2), unit('s', 'street', 1), unit('a', 'district', 1), unit('idle', 'district', null), unit('c', 'district', 3)]
    expect(topOfGroup(items, 'district', 2).map((u) => u.code)).toEqual(['a', 'b'])
    expect(topOfGroup(items, 'bureau', 5)).toEqual([])
  })

  it('refreshes a wall at most once per interval, the last event of a burst included', () => {
    vi.useFakeTimers()
    let runs = 0
    const refresh = throttle(() => runs++, 10_000)
    refresh()
    refresh()
    refresh()
    expect(runs).toBe(1)
    vi.advanceTimersByTime(9_999)
    expect(runs).toBe(1)
    vi.advanceTimersByTime(1)
    expect(runs).toBe(2)
    vi.advanceTimersByTime(60_000)
    expect(runs).toBe(2)
    vi.useRealTimers()
  })
})

describe('on-duty figures', () => {
  it('name hours as a clock reads them', () => {
    expect([0, 8, 16, 24].map(hourLabel)).toEqual(['00:00', '08:00', '16:00', '24:00'])
  })
})
