// 业务分析 as the center's supervisors and leaders read it: the words appeals' titles used most
// and the appeals behind one, the categories rising against the period before and the largest,
// the repeat callers with their appeals, the channels and the hours — every figure the API's for
// the period on screen; in English too; and a unit's manager neither sees nor opens it.
import { expect, test, type APIRequestContext, type Locator, type Page } from '@playwright/test'

import { login, watchConsole } from './helpers'

// The server counts by China's calendar days.
test.use({ timezoneId: 'Asia/Shanghai' })

/** The period the page shows: `from` and `to` of its first line. */
async function shownPeriod(page: Page): Promise<{ from: string; to: string }> {
  const text = await page.locator('[data-test="business-shown"]').innerText()
  const [, from, to] = /^(\d{4}-\d\d-\d\d) (?:至|to) (\d{4}-\d\d-\d\d)/.exec(text) ?? []
  expect(from, `the period in "${text}"`).toBeTruthy()
  return { from, to }
}

/** A day in China, `YYYY-MM-DD`, `back` days before today. */
function chinaDay(back = 0): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date(Date.now() - back * 86_400_000))
}

interface Row { keys: { value: string; label: string | null }[]; values: number[]; previous?: number[]; change?: (number | null)[] }

async function report(request: APIRequestContext, from: string, to: string, compare: boolean): Promise<{ rows: Row[]; totals: Row }> {
  const definition = { range: 'custom', from, to, dimensions: ['top_category'], figures: ['intake'], limit: 10, ...(compare ? { compare: true, sort_by_change: true } : {}) }
  const res = await request.post('/api/v1/reports/run', { data: definition })
  expect(res.status()).toBe(200)
  return res.json()
}

/** The rows of a rising report that rose: more than before, or something from nothing. */
const rose = (rows: Row[]) => rows.filter((r) => (r.change?.[0] === null ? r.values[0] > 0 : (r.change?.[0] ?? 0) > 0))

/** How the page writes a change: `新增`/`new` for something from nothing, else ±n.n%. */
function changeText(now: number, change: number | null, fresh: string): string {
  if (change === null) return now > 0 ? fresh : '—'
  const tenths = Math.round(change * 1000)
  if (tenths === 0) return '0.0%'
  return `${tenths > 0 ? '+' : '\u2212'}${(Math.abs(tenths) / 10).toFixed(1)}%`
}

const numberIn = (n: number) => new RegExp(`(^|\\D)${n}(\\D|$)`)
const texts = async (cells: Locator) => (await cells.allInnerTexts()).map((s) => s.trim())

test('a supervisor reads what the city talked about last month and opens the appeals behind it', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'supervisor')
  await page.locator('.el-menu').first().getByText('业务分析').click()
  await expect(page).toHaveURL(/\/stats\/business$/)
  // This month by default.
  await expect(page.locator('[data-test="period-this_month"]')).toHaveClass(/is-active/)
  expect((await shownPeriod(page)).from).toBe(`${chinaDay().slice(0, 8)}01`)

  // The demo's history covers the last 60 days: last month is whole.
  const wordsAsked = page.waitForResponse((r) => r.url().includes('/api/v1/stats/words?') && r.request().method() === 'GET')
  await page.locator('[data-test="period-last_month"]').click()
  await wordsAsked
  await expect(page.locator('[data-test="period-last_month"]')).toHaveClass(/is-active/)
  const { from, to } = await shownPeriod(page)
  expect(from).toMatch(/-01$/)
  expect(to.slice(0, 7)).toBe(from.slice(0, 7))
  await expect(page.locator('[data-test="business-shown"]')).toContainText('上期')

  // 高频词: the table is the API's words, most used first; the chart draws them.
  const words = await (await page.request.get(`/api/v1/stats/words?from=${from}&to=${to}&limit=50`)).json()
  expect(words.items.length).toBeGreaterThan(0)
  const table = page.locator('[data-test="words-table"]')
  await expect(table.locator('[data-test="word-count"]')).toHaveCount(words.items.length)
  expect(await texts(table.locator('[data-test="word-link"]'))).toEqual(words.items.map((w: { word: string }) => w.word))
  await expect(table.locator('[data-test="word-count"]').first()).toHaveText(String(words.items[0].appeals))
  await expect(table.locator('[data-test="word-previous"]').first()).toHaveText(String(words.items[0].previous))
  expect(await texts(table.locator('[data-test="word-change"]'))).toEqual(
    words.items.map((w: { appeals: number; change: number | null }) => changeText(w.appeals, w.change, '新增')),
  )
  await expect(page.locator('[data-test="words-chart"] canvas')).toBeVisible()

  // The first word's appeals: as many as its count, each linking to its ticket.
  const first = words.items[0]
  await table.locator('[data-test="word-link"]').first().click()
  const drawer = page.locator('[data-test="business-drawer"]')
  await expect(drawer).toContainText(`高频词“${first.word}”`)
  await expect(drawer.locator('.el-pagination__total')).toHaveText(numberIn(first.appeals))
  await expect(drawer.locator('[data-test="business-behind"]')).toHaveText(`${from} 至 ${to}，标题含“${first.word}”的诉求共 ${first.appeals} 件`)
  const rows = drawer.locator('[data-test="business-tickets"] .el-table__body tbody tr')
  await expect(rows).toHaveCount(Math.min(first.appeals, 20))
  // Each of them has the word in its title.
  for (const title of await texts(rows.locator('td:nth-child(2)'))) expect(title.toLowerCase()).toContain(first.word)
  await page.keyboard.press('Escape')
  await expect(drawer).toBeHidden()

  // 分类环比上升: the report's risers, in its order, with the period before and the change.
  const rising = rose((await report(page.request, from, to, true)).rows)
  const risingTable = page.locator('[data-test="rising-table"]')
  expect(await texts(risingTable.locator('[data-test="rising-category"]'))).toEqual(rising.map((r) => r.keys[0].label ?? '（未分类）'))
  expect(await texts(risingTable.locator('[data-test="rising-now"]'))).toEqual(rising.map((r) => String(r.values[0])))
  expect(await texts(risingTable.locator('[data-test="rising-previous"]'))).toEqual(rising.map((r) => String(r.previous?.[0] ?? 0)))
  expect(await texts(risingTable.locator('[data-test="rising-change"]'))).toEqual(rising.map((r) => changeText(r.values[0], r.change?.[0] ?? null, '新增')))

  // 受理量前十分类: the largest first; a count opens its tickets.
  const top = await report(page.request, from, to, false)
  expect(top.rows.length).toBeGreaterThan(0)
  const topTable = page.locator('[data-test="top-table"]')
  expect(await texts(topTable.locator('[data-test="top-category"]'))).toEqual(top.rows.map((r) => r.keys[0].label ?? '（未分类）'))
  expect(await texts(topTable.locator('[data-test="top-count"]'))).toEqual(top.rows.map((r) => String(r.values[0])))
  await topTable.locator('[data-test="top-count"]').first().click()
  await expect(drawer).toContainText(`${top.rows[0].keys[0].label} · 受理量`)
  await expect(drawer.locator('.el-pagination__total')).toHaveText(numberIn(top.rows[0].values[0]))
  await page.keyboard.press('Escape')
  await expect(drawer).toBeHidden()

  // 重复来电: as many callers as the API lists.
  const callers = await (await page.request.get(`/api/v1/stats/callers?from=${from}&to=${to}&min=2&per_page=20`)).json()
  await expect(page.locator('[data-test="callers-table"] [data-test="caller"]')).toHaveCount(callers.callers.items.length)

  // 渠道分布 and 时段分布 are drawn.
  await expect(page.locator('[data-test="channels-chart"] canvas')).toBeVisible()
  await expect(page.locator('[data-test="hours-chart"] canvas')).toBeVisible()
  expect(errors).toEqual([])
})

test('a supervisor picks a longer period for the repeat callers and opens one\'s appeals', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'supervisor')
  await page.goto('/stats/business')
  await expect(page.locator('[data-test="words-card"]')).toBeVisible()

  // The demo's whole history: 60 days.
  const [from, to] = [chinaDay(59), chinaDay()]
  const inputs = page.locator('[data-test="business-dates"] input')
  const asked = page.waitForResponse((r) => r.url().includes(`/api/v1/stats/callers?from=${from}&to=${to}`))
  await inputs.first().fill(from)
  await inputs.last().fill(to)
  await inputs.last().press('Enter')
  await asked
  await expect(page.locator('[data-test="period-custom"]')).toHaveClass(/is-active/)
  expect(await shownPeriod(page)).toEqual({ from, to })

  const rowsOf = (min: number) => page.request.get(`/api/v1/stats/callers?from=${from}&to=${to}&min=${min}&per_page=20`).then((r) => r.json())
  const callers = await rowsOf(2)
  const table = page.locator('[data-test="callers-table"]')
  await expect(table.locator('[data-test="caller"]')).toHaveCount(callers.callers.items.length)
  if (callers.callers.total > 0) {
    await expect(page.locator('[data-test="callers-pager"] .el-pagination__total')).toHaveText(numberIn(callers.callers.total))
  }
  expect(await texts(table.locator('[data-test="caller"]'))).toEqual(callers.callers.items.map((c: { caller: string }) => c.caller))
  expect(await texts(table.locator('[data-test="caller-appeals"]'))).toEqual(callers.callers.items.map((c: { appeals: number }) => String(c.appeals)))
  expect(await texts(table.locator('[data-test="caller-open"]'))).toEqual(callers.callers.items.map((c: { open: number }) => String(c.open)))
  // Masked, never a whole number.
  for (const c of await texts(table.locator('[data-test="caller"]'))) expect(c).toMatch(/\*/)

  if (callers.callers.items.length) {
    // A caller's appeals, newest first, each linking to its ticket.
    const caller = callers.callers.items[0]
    await table.locator('.el-table__expand-icon').first().click()
    const listed = table.locator('[data-test="caller-tickets"]').first()
    await expect(listed.locator('.el-table__body tbody tr')).toHaveCount(caller.tickets.length)
    expect(await texts(listed.locator('[data-test="ticket-link"]'))).toEqual(caller.tickets.map((t: { number: string }) => t.number))
    await listed.locator('[data-test="ticket-link"]').first().click()
    await expect(page).toHaveURL(new RegExp(`/ticket/${caller.tickets[0].id}$`))
    await page.goBack()
    await expect(page).toHaveURL(/\/stats\/business$/)
  }

  // At least three appeals: what the API lists for three.
  await page.goto('/stats/business')
  await inputs.first().fill(from)
  await inputs.last().fill(to)
  await inputs.last().press('Enter')
  await expect(page.locator('[data-test="period-custom"]')).toHaveClass(/is-active/)
  const three = page.waitForResponse((r) => r.url().includes('/api/v1/stats/callers?') && r.url().includes('min=3'))
  await page.locator('[data-test="callers-min"]').getByText('3 次').click()
  await three
  const fewer = await rowsOf(3)
  await expect(table.locator('[data-test="caller"]')).toHaveCount(fewer.callers.items.length)
  expect(fewer.callers.total).toBeLessThanOrEqual(callers.callers.total)
  expect(errors).toEqual([])
})

test('a leader reads the page in English', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'leader', 'en')
  await expect(page.locator('.el-menu').first()).toContainText('Business analysis')
  const words = page.waitForResponse((r) => r.url().includes('/api/v1/stats/words?'))
  await page.goto('/stats/business')
  await words
  await expect(page.locator('.page-title')).toContainText('Business analysis')
  await expect(page.locator('[data-test="business-period"]')).toContainText('This month')
  await expect(page.locator('[data-test="business-period"]')).toContainText('Last 30 days')
  for (const [card, title] of [['words-card', 'Frequent words'], ['rising-card', 'Rising categories'], ['top-card', 'Top 10 categories'], ['callers-card', 'Repeat callers'], ['channels-card', 'By channel'], ['hours-card', 'By hour of day']]) {
    await expect(page.locator(`[data-test="${card}"]`)).toContainText(title)
  }
  await page.locator('[data-test="period-last_30_days"]').click()
  await expect(page.locator('[data-test="period-last_30_days"]')).toHaveClass(/is-active/)
  const { from, to } = await shownPeriod(page)
  expect([from, to]).toEqual([chinaDay(29), chinaDay()])
  await expect(page.locator('[data-test="business-shown"]')).toContainText('previous')
  const api = await (await page.request.get(`/api/v1/stats/words?from=${from}&to=${to}&limit=50`)).json()
  const table = page.locator('[data-test="words-table"]')
  await expect(table.locator('[data-test="word-count"]')).toHaveCount(api.items.length)
  if (api.items.length) {
    await expect(table.locator('[data-test="word-count"]').first()).toHaveText(String(api.items[0].appeals))
    expect(await texts(table.locator('[data-test="word-change"]'))).toEqual(
      api.items.map((w: { appeals: number; change: number | null }) => changeText(w.appeals, w.change, 'new')),
    )
    await table.locator('[data-test="word-link"]').first().click()
    const drawer = page.locator('[data-test="business-drawer"]')
    await expect(drawer.locator('[data-test="business-behind"]')).toHaveText(`${from} to ${to}: ${api.items[0].appeals} appeals with “${api.items[0].word}” in the title`)
    await expect(drawer.locator('.el-table__header')).toContainText('State')
    await page.keyboard.press('Escape')
  }
  await expect(page.locator('[data-test="callers-table"] .el-table__header')).toContainText('Latest call')
  await expect(page.locator('[data-test="channels-chart"] canvas')).toBeVisible()
  expect(errors).toEqual([])
})

test('a district\'s manager has no business analysis: not in the menu, refused at its address', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'district_a_manager')
  const menu = page.locator('.el-menu').first()
  await expect(menu).toContainText('自定义报表')
  await expect(menu).not.toContainText('业务分析')
  // The server refuses the city's words and callers to a unit.
  expect((await page.request.get('/api/v1/stats/words')).status()).toBe(403)
  expect((await page.request.get('/api/v1/stats/callers')).status()).toBe(403)

  await page.goto('/stats/business')
  const refused = page.locator('[data-test="business-forbidden"]')
  await expect(refused).toContainText('403')
  await expect(refused).toContainText('仅向热线中心开放')
  await expect(page.locator('[data-test="words-card"]')).toHaveCount(0)
  await expect(page.locator('[data-test="breadcrumb"]')).toContainText('业务分析')
  // Refused before asking: no figures were requested, so nothing failed.
  expect(errors).toEqual([])
})
