// The report builder (自定义报表) as the API gives it, and the console's side of it: the form a
// supervisor fills in and the definition sent for it, the ready-made reports, how figures and
// their change read, and the chart's series.

import { percent } from './stats'

export const DIMENSIONS = ['day', 'week', 'month', 'unit', 'first_level_unit', 'category', 'top_category', 'channel'] as const
export type Dimension = (typeof DIMENSIONS)[number]

export const RANGES = ['today', 'last_7_days', 'last_30_days', 'this_month', 'last_month', 'this_year', 'custom'] as const
export type Range = (typeof RANGES)[number]

/** Counts of the rollups, each a number of tickets (`finish_minutes`: working minutes). */
export const COUNTS = [
  'intake', 'answered_directly', 'assigned', 'received', 'accept_due', 'accepted_on_time', 'responded_on_time',
  'finished', 'finish_due', 'finished_on_time', 'finish_minutes', 'extended', 'urged', 'supervised', 'reopened', 'first_time',
  'return_requested', 'return_approved', 'return_overruled', 'sent_back', 'callback_due', 'callback_done', 'satisfied',
  'basically_satisfied', 'unsatisfied', 'resolution_asked', 'resolved',
] as const

/** Indicators computed from a row's counts: fractions, but `average_finish_days` (working days). */
export const RATES = [
  'response_rate', 'timely_accept_rate', 'on_time_rate', 'finish_rate', 'resolution_rate', 'satisfaction_rate', 'callback_rate',
  'reopen_rate', 'return_rate', 'return_overruled_rate', 'extension_rate', 'urge_rate', 'supervision_rate', 'first_time_rate',
  'average_finish_days', 'direct_answer_rate',
] as const

export const CHANNELS = ['phone', 'sms', 'web', 'wechat', 'weibo', 'email', 'app', 'api', 'open311', 'walk_in'] as const

export const MAX_DIMENSIONS = 2
export const MAX_FIGURES = 12
export const DEFAULT_LIMIT = 500
export const MAX_LIMIT = 10_000
/** Series a chart draws for the second dimension at most (the largest ones). */
export const MAX_SERIES = 10

export interface ReportDefinition {
  range?: Range
  from?: string
  to?: string
  dimensions?: Dimension[]
  figures: string[]
  org_id?: string
  subunits?: boolean
  category_id?: string
  channels?: string[]
  compare?: boolean
  sort?: string
  sort_by_change?: boolean
  ascending?: boolean
  limit?: number
}

/** `value`: an id, a channel code, `2026-11`, `2026-W48`, `2026-11-24`; empty for none. */
export interface ReportKey {
  value: string
  label: string | null
}

export interface ReportRow {
  keys: ReportKey[]
  values: (number | null)[]
  previous?: (number | null)[]
  change?: (number | null)[]
}

export interface ReportTable {
  from: string
  to: string
  previous_from: string | null
  previous_to: string | null
  dimensions: Dimension[]
  figures: string[]
  rows: ReportRow[]
  total_rows: number
  totals: ReportRow
}

export interface SavedReport {
  id: string
  name: string
  definition: ReportDefinition
  created_at: string
  updated_at: string
}

export const isTime = (d: string | null | undefined): boolean => d === 'day' || d === 'week' || d === 'month'
export const isCount = (figure: string): boolean => (COUNTS as readonly string[]).includes(figure)
export const isRate = (figure: string): boolean => (RATES as readonly string[]).includes(figure)

/** Whether a cell opens the tickets behind it: counts of tickets do; rates and minutes do not. */
export const drills = (figure: string): boolean => isCount(figure) && figure !== 'finish_minutes'

/** A figure as the table shows it: counts as they are, rates in percent with one decimal,
 * average days with one decimal and `days` after it. */
export function formatFigure(figure: string, value: number | null | undefined, days = ''): string {
  if (value === null || value === undefined) return '—'
  if (figure === 'average_finish_days') return `${value.toFixed(1)}${days}`
  if (isRate(figure)) return percent(value)
  return String(Math.round(value))
}

/**
 * How a figure moved against the period before, as the server gives it: a count by its
 * relative change (`+12.3%`), a rate by the difference in points (`+8.0pt`, 环比 of a rate is
 * read in points), the average finishing time by the difference in days (`+0.5` and `days`).
 * A real minus sign, never a hyphen.
 */
export function formatChange(change: number | null | undefined, figure = 'intake', units = { points: 'pt', days: '' }): string {
  if (change === null || change === undefined) return '—'
  const scaled = figure === 'average_finish_days' ? change : change * 100
  const tenths = Math.round(scaled * 10)
  const unit = figure === 'average_finish_days' ? units.days : isRate(figure) ? units.points : '%'
  if (tenths === 0) return `0.0${unit}`
  return `${tenths > 0 ? '+' : '\u2212'}${(Math.abs(tenths) / 10).toFixed(1)}${unit}`
}

/** `up`, `down` or `''` for a change: the colour it is shown in. */
export function changeClass(change: number | null | undefined): string {
  if (change === null || change === undefined || Math.round(change * 1000) === 0) return ''
  return change > 0 ? 'up' : 'down'
}

/** What the builder's form holds; `toDefinition` turns it into what the API takes. */
export interface BuilderForm {
  range: Range
  /** `YYYY-MM-DD` each, with `custom`. */
  dates: [string, string] | null
  /** '' for none. */
  dimension1: Dimension | ''
  dimension2: Dimension | ''
  figures: string[]
  org_id: string | null
  subunits: boolean
  category_id: string | null
  channels: string[]
  compare: boolean
  /** '' for the default order. */
  sort: string
  sort_by_change: boolean
  ascending: boolean
  limit: number
}

export function emptyForm(): BuilderForm {
  return {
    range: 'last_30_days', dates: null, dimension1: '', dimension2: '', figures: [], org_id: null, subunits: true,
    category_id: null, channels: [], compare: false, sort: '', sort_by_change: false, ascending: false, limit: DEFAULT_LIMIT,
  }
}

/** The definition for a form, leaving out what is the API's default. */
export function toDefinition(form: BuilderForm): ReportDefinition {
  const d: ReportDefinition = { range: form.range, figures: [...form.figures] }
  if (form.range === 'custom' && form.dates) [d.from, d.to] = form.dates
  const dimensions = [form.dimension1, form.dimension2].filter((x): x is Dimension => Boolean(x))
  if (dimensions.length) d.dimensions = dimensions
  if (form.org_id) {
    d.org_id = form.org_id
    if (!form.subunits) d.subunits = false
  }
  if (form.category_id) d.category_id = form.category_id
  if (form.channels.length) d.channels = [...form.channels]
  if (form.compare) d.compare = true
  if (form.sort) d.sort = form.sort
  if (form.compare && form.sort_by_change) d.sort_by_change = true
  if (form.ascending) d.ascending = true
  if (form.limit !== DEFAULT_LIMIT) d.limit = form.limit
  return d
}

/** The form for a definition (a saved report, a preset). */
export function toForm(d: ReportDefinition): BuilderForm {
  const form = emptyForm()
  form.range = d.range ?? 'last_30_days'
  form.dates = d.from && d.to ? [d.from, d.to] : null
  form.dimension1 = d.dimensions?.[0] ?? ''
  form.dimension2 = d.dimensions?.[1] ?? ''
  form.figures = [...d.figures]
  form.org_id = d.org_id ?? null
  form.subunits = d.subunits !== false
  form.category_id = d.category_id ?? null
  form.channels = [...(d.channels ?? [])]
  form.compare = d.compare === true
  form.sort = d.sort ?? ''
  form.sort_by_change = d.sort_by_change === true
  form.ascending = d.ascending === true
  form.limit = d.limit ?? DEFAULT_LIMIT
  return form
}

/** Whether two definitions ask for the same table. */
export function sameDefinition(a: ReportDefinition, b: ReportDefinition): boolean {
  return JSON.stringify(toDefinition(toForm(a))) === JSON.stringify(toDefinition(toForm(b)))
}

export interface Preset {
  key: string
  definition: ReportDefinition
}

/** Ready-made reports. A unit's staff get their own: intake is counted for the center, so a
 * unit reads what was dispatched to it, by its own units. */
export function presets(unit: boolean): Preset[] {
  if (unit) {
    return [
      { key: 'unitRates', definition: { range: 'this_month', dimensions: ['unit'], figures: ['assigned', 'response_rate', 'resolution_rate', 'satisfaction_rate', 'on_time_rate'] } },
      { key: 'risingCategories', definition: { range: 'last_30_days', dimensions: ['top_category'], figures: ['assigned'], compare: true, sort_by_change: true } },
      { key: 'dailyAssigned', definition: { range: 'last_30_days', dimensions: ['day'], figures: ['assigned', 'finished'] } },
    ]
  }
  return [
    { key: 'unitRates', definition: { range: 'this_month', dimensions: ['first_level_unit'], figures: ['response_rate', 'resolution_rate', 'satisfaction_rate', 'on_time_rate'] } },
    { key: 'risingCategories', definition: { range: 'last_30_days', dimensions: ['top_category'], figures: ['intake'], compare: true, sort_by_change: true } },
    { key: 'dailyIntake', definition: { range: 'last_30_days', dimensions: ['day'], figures: ['intake', 'answered_directly'] } },
  ]
}

/** A figure's value as the chart draws it: rates in percent, days and counts as they are. */
export function chartValue(figure: string, value: number | null | undefined): number | null {
  if (value === null || value === undefined) return null
  if (figure === 'average_finish_days') return Math.round(value * 10) / 10
  if (isRate(figure)) return Math.round(value * 1000) / 10
  return value
}

export interface ChartData {
  /** The first dimension's values along the axis, in the table's order. */
  categories: string[]
  series: { name: string; data: (number | null)[] }[]
  /** More values of the second dimension than were drawn. */
  capped: boolean
}

/**
 * The chart of one figure (`at`, its index): along the first dimension; with a second, a series
 * per value of it (the `cap` largest by the figure's sum over the rows); with a comparison and
 * one dimension, the period before beside it. `label` names a dimension's value, `names` the
 * series of the period itself and the one before.
 */
export function chartData(
  table: ReportTable,
  at: number,
  label: (dimension: Dimension, key: ReportKey) => string,
  names: { now: string; before: string },
  cap = MAX_SERIES,
): ChartData {
  const figure = table.figures[at] ?? ''
  const [first, second] = table.dimensions
  if (!first) return { categories: [], series: [], capped: false }
  // A day with no rows counted nothing: by day, every day of the period is on the axis (in
  // the table's order, unless rows were cut or the table is sorted by a figure).
  const axis: string[] = []
  const index = new Map<string, number>()
  const place = (k: ReportKey) => {
    if (!index.has(k.value)) {
      index.set(k.value, axis.length)
      axis.push(label(first, k))
    }
  }
  const inOrder = table.rows.every((r, i) => i === 0 || r.keys[0].value >= table.rows[i - 1].keys[0].value)
  if (first === 'day' && inOrder && table.rows.length === table.total_rows) {
    for (const day of daysOf(table.from, table.to)) place({ value: day, label: null })
  }
  for (const row of table.rows) place(row.keys[0])
  // What an absent row counted: nothing; an indicator of nothing is no value.
  const blank = isCount(figure) ? 0 : null
  const along = (value: (row: ReportRow) => number | null | undefined) => {
    const data: (number | null)[] = axis.map(() => blank)
    for (const row of table.rows) {
      const v = value(row)
      if (v !== undefined) data[index.get(row.keys[0].value) ?? 0] = chartValue(figure, v)
    }
    return data
  }
  if (!second) {
    const series = [{ name: names.now, data: along((r) => r.values[at]) }]
    if (table.previous_from) series.push({ name: names.before, data: along((r) => r.previous?.[at] ?? null) })
    return { categories: axis, series, capped: false }
  }
  // The second dimension's values, largest first by the figure over all rows.
  const weight = new Map<string, { key: ReportKey; sum: number }>()
  for (const row of table.rows) {
    const k = row.keys[1]
    const w = weight.get(k.value) ?? { key: k, sum: 0 }
    w.sum += row.values[at] ?? 0
    weight.set(k.value, w)
  }
  const ordered = [...weight.entries()].sort((a, b) => b[1].sum - a[1].sum)
  const kept = ordered.slice(0, cap)
  const series = kept.map(([value, { key }]) => ({
    name: label(second, key),
    data: along((r) => (r.keys[1].value === value ? r.values[at] : undefined)),
  }))
  return { categories: axis, series, capped: ordered.length > cap }
}

/** Every day from `from` to `to`, `YYYY-MM-DD`. */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = []
  const end = Date.parse(`${to}T00:00:00Z`)
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= end && out.length <= 366; at += 86_400_000) {
    out.push(new Date(at).toISOString().slice(0, 10))
  }
  return out
}

/** The file name a download's `Content-Disposition` gives: the UTF-8 one first (RFC 6266). */
export function filenameOf(disposition: string | null | undefined): string | null {
  if (!disposition) return null
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/.exec(disposition)
  return plain ? (plain[1] ?? plain[2]).trim() : null
}
