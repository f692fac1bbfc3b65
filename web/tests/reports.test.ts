import { describe, expect, it } from 'vitest'

import { ApiError } from '../src/api/client'
import { fieldErrorsIn } from '../src/lib/errors'
import {
  type ReportTable, COUNTS, RATES, changeClass, chartData, daysOf, drills, emptyForm, filenameOf, formatChange, formatFigure,
  presets, sameDefinition, toDefinition, toForm,
} from '../src/lib/reports'
import en from '../src/i18n/en'
import zh from '../src/i18n/zh-CN'

describe('the report builder\'s form', () => {
  it('sends only what differs from the API\'s defaults', () => {
    const form = emptyForm()
    form.dimension1 = 'top_category'
    form.figures = ['intake']
    expect(toDefinition(form)).toEqual({ range: 'last_30_days', dimensions: ['top_category'], figures: ['intake'] })
    form.subunits = false
    form.sort_by_change = true
    expect(toDefinition(form)).toEqual({ range: 'last_30_days', dimensions: ['top_category'], figures: ['intake'] })
  })

  it('sends dates with a custom period only, and the filters given', () => {
    const form = emptyForm()
    form.dates = ['2026-11-01', '2026-11-24']
    form.figures = ['assigned', 'on_time_rate']
    expect(toDefinition(form).from).toBeUndefined()
    form.range = 'custom'
    Object.assign(form, { dimension1: 'unit', dimension2: 'channel', org_id: 'o1', subunits: false, category_id: 'c1', channels: ['phone'], compare: true, sort: 'on_time_rate', sort_by_change: true, ascending: true, limit: 50 })
    expect(toDefinition(form)).toEqual({
      range: 'custom', from: '2026-11-01', to: '2026-11-24', dimensions: ['unit', 'channel'], figures: ['assigned', 'on_time_rate'],
      org_id: 'o1', subunits: false, category_id: 'c1', channels: ['phone'], compare: true, sort: 'on_time_rate', sort_by_change: true,
      ascending: true, limit: 50,
    })
  })

  it('reads a saved definition back as it was built', () => {
    for (const p of [...presets(false), ...presets(true)]) {
      expect(toDefinition(toForm(p.definition))).toEqual({ range: p.definition.range, ...p.definition })
    }
    // As the server keeps it: its defaults spelt out.
    const stored = { range: 'this_month' as const, dimensions: ['unit' as const], figures: ['assigned'], compare: false, sort_by_change: false, ascending: false }
    expect(sameDefinition(stored, { range: 'this_month', dimensions: ['unit'], figures: ['assigned'] })).toBe(true)
    expect(sameDefinition(stored, { range: 'last_month', dimensions: ['unit'], figures: ['assigned'] })).toBe(false)
  })

  it('offers the center\'s presets as asked, and units their own', () => {
    const center = presets(false)
    expect(center.map((p) => p.key)).toEqual(['unitRates', 'risingCategories', 'dailyIntake'])
    expect(center[0].definition).toEqual({ range: 'this_month', dimensions: ['first_level_unit'], figures: ['response_rate', 'resolution_rate', 'satisfaction_rate', 'on_time_rate'] })
    expect(center[1].definition).toMatchObject({ dimensions: ['top_category'], figures: ['intake'], compare: true, sort_by_change: true })
    // Intake is the center's: a unit's presets count what it was given.
    expect(presets(true).every((p) => !p.definition.figures.includes('intake'))).toBe(true)
  })
})

describe('figures as the table shows them', () => {
  it('shows counts whole, rates in percent, days with their unit', () => {
    expect(formatFigure('intake', 12)).toBe('12')
    expect(formatFigure('on_time_rate', 0.98765)).toBe('98.8%')
    expect(formatFigure('average_finish_days', 3.14159, ' days')).toBe('3.1 days')
    expect(formatFigure('satisfaction_rate', null)).toBe('—')
  })

  it('shows a change signed, with a real minus', () => {
    expect(formatChange(0.123)).toBe('+12.3%')
    expect(formatChange(-0.04)).toBe('\u22124.0%')
    expect(formatChange(0.00001)).toBe('0.0%')
    expect(formatChange(null)).toBe('—')
    // A rate moves by points, the average finishing time by days.
    expect(formatChange(0.08, 'satisfaction_rate', { points: '个百分点', days: '天' })).toBe('+8.0个百分点')
    expect(formatChange(-0.5, 'average_finish_days', { points: 'pt', days: ' days' })).toBe('\u22120.5 days')
    expect([changeClass(0.2), changeClass(-0.2), changeClass(0), changeClass(null)]).toEqual(['up', 'down', '', ''])
  })

  it('opens the tickets behind counts of tickets only', () => {
    expect(drills('intake')).toBe(true)
    expect(drills('finish_minutes')).toBe(false)
    expect(drills('on_time_rate')).toBe(false)
  })

  it('has a label for every figure and dimension in both languages', () => {
    for (const messages of [zh, en]) {
      for (const f of [...COUNTS, ...RATES]) expect(messages.stats.measure[f as keyof typeof messages.stats.measure], f).toBeTruthy()
      expect(Object.keys(messages.reports.dimension)).toHaveLength(8)
    }
    expect(Object.keys(en.reports).sort()).toEqual(Object.keys(zh.reports).sort())
  })
})

const key = (value: string, label: string | null = null) => ({ value, label })
const label = (_: string, k: { value: string; label: string | null }) => k.label ?? k.value

describe('the chart', () => {
  const table = (rows: ReportTable['rows'], extra: Partial<ReportTable> = {}): ReportTable => ({
    from: '2026-11-01', to: '2026-11-04', previous_from: null, previous_to: null, dimensions: ['day'], figures: ['intake'],
    rows, total_rows: rows.length, totals: { keys: [], values: [0] }, ...extra,
  })

  it('puts every day of the period on the axis, a day without rows at nought', () => {
    const d = chartData(table([{ keys: [key('2026-11-01')], values: [3] }, { keys: [key('2026-11-03')], values: [5] }]), 0, label, { now: 'now', before: 'before' })
    expect(d.categories).toEqual(['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04'])
    expect(d.series).toEqual([{ name: 'now', data: [3, 0, 5, 0] }])
  })

  it('draws rates in percent, nothing due as a gap', () => {
    const d = chartData(table([{ keys: [key('u1', '东城区')], values: [0.5] }, { keys: [key('u2', '西城区')], values: [null] }], { dimensions: ['unit'], figures: ['on_time_rate'] }), 0, label, { now: 'now', before: 'before' })
    expect(d).toEqual({ categories: ['东城区', '西城区'], series: [{ name: 'now', data: [50, null] }], capped: false })
  })

  it('sets the period before beside it when compared', () => {
    const d = chartData(table([{ keys: [key('c1', '城乡建设')], values: [4], previous: [2], change: [1] }], { dimensions: ['top_category'], previous_from: '2026-10-01', previous_to: '2026-10-04' }), 0, label, { now: 'now', before: 'before' })
    expect(d.series).toEqual([{ name: 'now', data: [4] }, { name: 'before', data: [2] }])
  })

  it('draws a series per value of the second dimension, the largest first, capped', () => {
    const rows = [
      { keys: [key('u1', 'A'), key('phone')], values: [1] },
      { keys: [key('u1', 'A'), key('web')], values: [5] },
      { keys: [key('u2', 'B'), key('phone')], values: [2] },
      { keys: [key('u2', 'B'), key('sms')], values: [1] },
    ]
    const d = chartData(table(rows, { dimensions: ['unit', 'channel'] }), 0, label, { now: 'now', before: 'before' }, 2)
    expect(d.categories).toEqual(['A', 'B'])
    expect(d.series).toEqual([{ name: 'web', data: [5, 0] }, { name: 'phone', data: [1, 2] }])
    expect(d.capped).toBe(true)
  })

  it('counts days across months', () => {
    expect(daysOf('2026-02-27', '2026-03-01')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01'])
  })
})

describe('downloads and errors', () => {
  it('names a download by its UTF-8 name first', () => {
    expect(filenameOf('attachment; filename="report-20261124.xlsx"; filename*=UTF-8\'\'%E8%87%AA%E5%AE%9A%E4%B9%89%E6%8A%A5%E8%A1%A8-20261124.xlsx')).toBe('自定义报表-20261124.xlsx')
    expect(filenameOf('attachment; filename="report-20261124.csv"')).toBe('report-20261124.csv')
    expect(filenameOf(null)).toBeNull()
  })

  it('says field errors in the page\'s words where it has them', () => {
    const messages: Record<string, string> = { 'reports.fields.figures.too_long': '最多选择 {limit} 项' }
    const t = (k: string, named: Record<string, unknown>) => messages[k].replace('{limit}', String(named.limit))
    const te = (k: string) => k in messages
    const error = new ApiError(422, 'validation_failed', '提交的数据有误', [
      { field: 'figures', code: 'too_long', message: '最多 12 个字符', limit: 12 },
      { field: 'keys', code: 'invalid_value', message: '取值无效' },
    ])
    expect(fieldErrorsIn(error, t, te, 'reports')).toEqual({ figures: '最多选择 12 项', keys: '取值无效' })
  })
})
