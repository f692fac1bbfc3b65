// The report builder (自定义报表) as a supervisor uses it for the monthly reports: builds "intake by
// top category", reads the table and the chart, opens the tickets behind a number, keeps the
// report under a name, finds it again after a reload, exports it and deletes it; starts from a
// ready-made report with the period before beside it, is told what the server refuses next to
// the control, renames and overwrites a kept report; reads it in English; and a district's
// manager sees only the district's own units.
import { readFileSync, statSync } from 'node:fs'

import { expect, test, type Locator, type Page } from '@playwright/test'

import { login, watchConsole } from './helpers'

// The server counts by China's calendar days.
test.use({ timezoneId: 'Asia/Shanghai' })

/** Picks an option of one of the builder's selects by its exact text. */
async function choose(page: Page, select: string, option: string) {
  await page.locator(`[data-test="${select}"]`).click()
  const item = page.getByRole('option', { name: option, exact: true })
  await item.click()
  // Closed before the next select opens: several offer the same names.
  await expect(item).toBeHidden()
}

/** The figures: the ones given, picked in the multi-select, which is then closed. */
async function figures(page: Page, ...names: string[]) {
  await page.locator('[data-test="report-figures"]').click()
  for (const name of names) await page.getByRole('option', { name, exact: true }).click()
  await page.keyboard.press('Escape')
  await expect(page.getByRole('option', { name: names[0], exact: true })).toBeHidden()
}

const number = async (cell: Locator) => Number((await cell.innerText()).trim())

test('a supervisor builds intake by top category, drills into a count, keeps, reopens, exports and deletes it', async ({ page }) => {
  const errors = watchConsole(page)
  const name = `分类受理量${Date.now() % 1_000_000}`
  await login(page, 'supervisor')
  await page.locator('.el-menu').first().getByText('自定义报表').click()
  await expect(page).toHaveURL(/\/stats\/reports$/)
  await expect(page.locator('[data-test="report-name"]')).toHaveText('新报表')

  // 近 30 天 × 一级分类 × 受理量: the demo's history covers the last 60 days.
  await expect(page.locator('[data-test="report-range"]')).toContainText('近 30 天')
  await choose(page, 'report-dimension1', '一级分类')
  await figures(page, '受理量')
  await page.locator('[data-test="report-run"]').click()

  const table = page.locator('[data-test="report-table"]')
  const rows = table.locator('.el-table__body tbody tr')
  await expect(rows.first()).toBeVisible()
  await expect(table.locator('.el-table__header')).toContainText('一级分类')
  await expect(table.locator('.el-table__header')).toContainText('受理量')
  await expect(page.locator('[data-test="report-period"]')).toHaveText(/^\d{4}-\d\d-\d\d 至 \d{4}-\d\d-\d\d$/)
  await expect(page.locator('[data-test="report-chart"] canvas')).toBeVisible()

  // The largest first, and the totals row adds the rows up.
  const counts = table.locator('.el-table__body [data-test="count"]')
  const values = (await counts.allInnerTexts()).map(Number)
  expect(values.length).toBeGreaterThan(0)
  expect(values).toEqual([...values].sort((a, b) => b - a))
  const total = await number(table.locator('[data-test="total-count"]'))
  const shown = await rows.count()
  const zeros = shown - values.length
  expect(zeros).toBeGreaterThanOrEqual(0)
  expect(total).toBe(values.reduce((a, b) => a + b, 0))
  await expect(page.locator('[data-test="report-rows"]')).toHaveText(`共 ${shown} 行`)

  // The tickets behind the largest number: as many as it says.
  const first = counts.first()
  const n = await number(first)
  const category = await rows.first().locator('[data-test="report-key"]').innerText()
  await first.click()
  const drawer = page.locator('[data-test="report-drawer"]')
  await expect(drawer).toContainText(`${category} · 受理量`)
  await expect(drawer.locator('.el-pagination__total')).toContainText(String(n))
  await expect(drawer.locator('[data-test="report-tickets"] tbody tr')).toHaveCount(Math.min(n, 20))
  await expect(drawer.locator('[data-test="report-behind"]')).toHaveText(`受理量：共 ${n} 件`)
  // The totals' number too.
  await page.keyboard.press('Escape')
  await expect(drawer).toBeHidden()
  await table.locator('[data-test="total-count"]').click()
  await expect(drawer.locator('.el-pagination__total')).toContainText(String(total))
  await page.keyboard.press('Escape')
  await expect(drawer).toBeHidden()

  // Kept under a name, among 我的报表.
  await page.locator('[data-test="report-save"]').click()
  const dialog = page.locator('[data-test="report-name-dialog"]')
  await dialog.locator('input[name="report-name"]').fill(name)
  await dialog.locator('[data-test="report-name-submit"]').click()
  await expect(dialog).toBeHidden()
  await expect(page.locator('.el-message--success').first()).toContainText('报表已保存')
  await expect(page.locator('[data-test="report-name"]')).toHaveText(name)
  const mine = page.locator('[data-test="saved-report"]', { hasText: name })
  await expect(mine).toHaveClass(/active/)

  // After a reload it is there, and opens as it was built.
  await page.reload()
  await expect(page.locator('[data-test="report-name"]')).toHaveText('新报表')
  await mine.click()
  await expect(page.locator('[data-test="report-name"]')).toHaveText(name)
  await expect(page.locator('[data-test="report-dimension1"]')).toContainText('一级分类')
  await expect(page.locator('[data-test="report-figures"]')).toContainText('受理量')
  await expect(counts.first()).toHaveText(String(n))
  await expect(page.locator('[data-test="report-dirty"]')).toHaveCount(0)

  // Exported as Excel under the server's name.
  const download = page.waitForEvent('download')
  await page.locator('[data-test="export"]').click()
  const file = await download
  expect(file.suggestedFilename()).toMatch(/^自定义报表-\d{8}\.xlsx$/)
  expect(statSync((await file.path())!).size).toBeGreaterThan(0)

  // Deleted after a confirmation.
  await mine.hover()
  await mine.locator('[data-test="saved-delete"]').click()
  await page.locator('.el-message-box').getByRole('button', { name: '删除' }).click()
  await expect(page.locator('.el-message--success').last()).toContainText('报表已删除')
  await expect(mine).toHaveCount(0)
  await expect(page.locator('[data-test="report-name"]')).toHaveText('新报表')
  expect(errors).toEqual([])
})

test('a supervisor starts from a ready-made report, is told what cannot be, renames and overwrites a kept one', async ({ page }) => {
  const errors = watchConsole(page)
  const marker = `${Date.now() % 1_000_000}`
  await login(page, 'supervisor')
  await page.goto('/stats/reports')

  // 分类环比上升: last 30 days beside the 30 before, the rising categories first.
  await page.locator('[data-test="preset-risingCategories"]').click()
  const table = page.locator('[data-test="report-table"]')
  await expect(table.locator('.el-table__body tbody tr').first()).toBeVisible()
  await expect(table.locator('.el-table__header')).toContainText('本期')
  await expect(table.locator('.el-table__header')).toContainText('上期')
  await expect(table.locator('.el-table__header')).toContainText('变化')
  await expect(page.locator('[data-test="report-period"]')).toContainText('上期')
  for (const change of await table.locator('.el-table__body [data-test="change"]').allInnerTexts()) {
    expect(change).toMatch(/^([+\u2212]\d+\.\d%|0\.0%|—|新增)$/)
  }
  await expect(page.locator('[data-test="report-compare"]')).toHaveClass(/is-checked/)
  await expect(page.locator('[data-test="report-sort-by-change"]')).toHaveClass(/is-checked/)
  await expect(page.locator('[data-test="report-chart"] canvas')).toBeVisible()

  // By day there is no 环比: the switch turns off and says why.
  await choose(page, 'report-dimension1', '日期')
  await expect(page.locator('[data-test="report-compare"]')).toHaveClass(/is-disabled/)
  await expect(page.locator('[data-test="report-compare"]')).not.toHaveClass(/is-checked/)
  await expect(page.locator('[data-test="compare-hint"]')).toHaveText('按时间分组时不能环比')

  // Without a figure the server refuses it, said beside the figures.
  await page.locator('[data-test="report-clear"]').click()
  await choose(page, 'report-dimension1', '渠道')
  await page.locator('[data-test="report-run"]').click()
  const figuresItem = page.locator('.el-form-item', { has: page.locator('[data-test="report-figures"]') })
  await expect(figuresItem.locator('.el-form-item__error')).toHaveText('至少选择一项')

  // 渠道 × 受理量, kept; the same name twice is refused beside the name.
  await figures(page, '受理量')
  await page.locator('[data-test="report-run"]').click()
  await expect(figuresItem.locator('.el-form-item__error')).toHaveCount(0)
  await expect(table.locator('.el-table__body')).toContainText('电话')
  const first = `渠道受理${marker}`
  await page.locator('[data-test="report-save"]').click()
  const dialog = page.locator('[data-test="report-name-dialog"]')
  await dialog.locator('input[name="report-name"]').fill(first)
  await dialog.locator('[data-test="report-name-submit"]').click()
  await expect(dialog).toBeHidden()
  await page.locator('[data-test="report-save-as"]').click()
  await dialog.locator('input[name="report-name"]').fill(first)
  await dialog.locator('[data-test="report-name-submit"]').click()
  await expect(dialog.locator('.el-form-item__error')).toHaveText('已有同名的报表，请换一个名称')
  await dialog.getByRole('button', { name: '取消' }).click()

  // Renamed from the list.
  const renamed = `渠道受理与答复${marker}`
  const item = page.locator('[data-test="saved-report"]', { hasText: first })
  await item.hover()
  await item.locator('[data-test="saved-rename"]').click()
  await expect(dialog.locator('input[name="report-name"]')).toHaveValue(first)
  await dialog.locator('input[name="report-name"]').fill(renamed)
  await dialog.locator('[data-test="report-name-submit"]').click()
  await expect(dialog).toBeHidden()
  await expect(page.locator('[data-test="report-name"]')).toHaveText(renamed)

  // Changed and saved over: kept as changed. Starting another first asks before dropping it.
  await figures(page, '直接答复')
  await expect(page.locator('[data-test="report-dirty"]')).toBeVisible()
  await page.locator('[data-test="report-new"]').click()
  await expect(page.locator('.el-message-box')).toContainText('有未保存的修改')
  await page.locator('.el-message-box').getByRole('button', { name: '取消' }).click()
  await expect(page.locator('[data-test="report-name"]')).toHaveText(renamed)
  await expect(page.locator('[data-test="report-dirty"]')).toBeVisible()
  await page.locator('[data-test="report-save"]').click()
  await expect(page.locator('[data-test="report-dirty"]')).toHaveCount(0)
  await page.reload()
  await page.locator('[data-test="saved-report"]', { hasText: renamed }).click()
  await expect(table.locator('.el-table__header')).toContainText('直接答复')
  await expect(page.locator('[data-test="saved-report"]', { hasText: first })).toHaveCount(0)

  const kept = page.locator('[data-test="saved-report"]', { hasText: renamed })
  await kept.hover()
  await kept.locator('[data-test="saved-delete"]').click()
  await page.locator('.el-message-box').getByRole('button', { name: '删除' }).click()
  await expect(kept).toHaveCount(0)
  // The refusals asked for above, and nothing else.
  expect(errors.filter((e) => !/^(422 POST \/api\/v1\/reports\/run|409 POST \/api\/v1\/reports)$/.test(e) && !e.includes('status of 422') && !e.includes('status of 409'))).toEqual([])
})

test('a leader reads the rates by unit and the channels in English', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'leader', 'en')
  await page.goto('/stats/reports')
  await expect(page.locator('.page-title')).toContainText('Reports')
  await expect(page.locator('[data-test="saved-reports"]')).toContainText('My reports')

  await page.locator('[data-test="preset-unitRates"]').click()
  const table = page.locator('[data-test="report-table"]')
  await expect(table.locator('.el-table__body tbody tr').first()).toBeVisible()
  for (const heading of ['First-level unit', 'Response rate', 'Resolution rate', 'Satisfaction rate', 'On-time rate']) {
    await expect(table.locator('.el-table__header')).toContainText(heading)
  }
  await expect(page.locator('[data-test="report-range"]')).toContainText('This month')
  for (const value of await table.locator('.el-table__body [data-test="value"]').allInnerTexts()) expect(value).toMatch(/^(\d+\.\d%|—)$/)
  // Rates have no tickets of their own: nothing to click.
  await expect(table.locator('.el-table__body [data-test="count"]')).toHaveCount(0)
  await expect(page.locator('[data-test="report-chart"] canvas')).toBeVisible()

  // Channels by their names, not their codes.
  await choose(page, 'report-dimension1', 'Channel')
  await figures(page, 'Appeals')
  await page.locator('[data-test="report-run"]').click()
  const keys = table.locator('.el-table__body [data-test="report-key"]')
  await expect(keys.first()).toBeVisible()
  await expect(table.locator('.el-table__body')).toContainText('Phone')
  for (const key of await keys.allInnerTexts()) expect(key).not.toMatch(/^[a-z_0-9]+$/)

  // The same table as CSV, headed in English.
  const download = page.waitForEvent('download')
  await page.locator('[data-test="export-csv"]').click()
  const file = await download
  expect(file.suggestedFilename()).toMatch(/^report-\d{8}\.csv$/)
  const head = readFileSync((await file.path())!, 'utf8').replace(/^\uFEFF/, '').split('\n')[0]
  expect(head).toMatch(/^Channel,/)
  expect(head).toContain('Appeals')
  expect(errors).toEqual([])
})

test('a district manager sees only the district\'s own units; a handler has no reports', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'district_a_manager')
  await page.locator('.el-menu').first().getByText('自定义报表').click()
  await expect(page).toHaveURL(/\/stats\/reports$/)
  // A unit's ready-made reports count what it was given, not the center's intake.
  await expect(page.locator('[data-test="preset-dailyAssigned"]')).toBeVisible()
  await expect(page.locator('[data-test="preset-dailyIntake"]')).toHaveCount(0)

  // The unit picker offers the district's own tree.
  await page.locator('[data-test="report-org"] .el-select').click()
  await expect(page.getByRole('option', { name: /^东城区（/ })).toBeVisible()
  await expect(page.getByRole('option', { name: /^东华门街道办事处（/ })).toBeVisible()
  await expect(page.getByRole('option', { name: /^西城区（/ })).toHaveCount(0)
  await page.keyboard.press('Escape')

  await choose(page, 'report-range', '上月')
  await choose(page, 'report-dimension1', '单位')
  await figures(page, '派单量')
  await page.locator('[data-test="report-run"]').click()
  const table = page.locator('[data-test="report-table"]')
  const keys = table.locator('.el-table__body [data-test="report-key"]')
  await expect(keys.first()).toBeVisible()
  const own = ['东城区', '东华门街道办事处', '景山街道办事处']
  for (const key of await keys.allInnerTexts()) expect(own).toContain(key)
  await expect(table).not.toContainText('西城区')
  await expect(table).not.toContainText('住建委')

  // The tickets behind the district's count are the district's.
  const count = table.locator('.el-table__body [data-test="count"]').first()
  const n = await number(count)
  await count.click()
  const drawer = page.locator('[data-test="report-drawer"]')
  await expect(drawer.locator('.el-pagination__total')).toContainText(String(n))
  expect(errors).toEqual([])

  await login(page, 'district_a')
  await expect(page.locator('.el-menu').first()).not.toContainText('自定义报表')
})
