// Unit figures as their readers use them (issue #20): a leader reads last month's 三率 and
// ranking, opens the tickets behind a count and exports the table; a district's manager sees
// only the district's own units.
import { expect, test } from '@playwright/test'

import { login, watchConsole } from './helpers'

test('a leader reads the ranking and the tickets behind a count', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'leader')
  await page.locator('.el-menu').getByText('单位考核').click()
  await expect(page).toHaveURL(/\/stats\/units/)
  // The demo's history covers the last 60 days: last month is whole.
  await page.locator('[data-test="last-month"]').click()
  const table = page.locator('[data-test="stats-table"]')
  await expect(table.locator('tbody tr').first()).toBeVisible()
  await expect(table.locator('tbody tr').first().locator('td').first()).toHaveText('1')
  await expect(table.locator('[data-test="score"]').first()).toHaveText(/^\d+\.\d\d$/)
  await expect(table.locator('[data-test="satisfaction"]').first()).toHaveText(/%|—/)

  // The count in the table is the number of tickets behind it.
  const first = table.locator('[data-test="dispatched"]').first()
  const dispatched = Number(await first.textContent())
  expect(dispatched).toBeGreaterThan(0)
  await first.click()
  const drawer = page.locator('[data-test="stats-drawer"]')
  await expect(drawer.locator('[data-test="count-assigned"]')).toContainText(String(dispatched))
  await expect(drawer.locator('.el-pagination__total')).toContainText(String(dispatched))
  const rows = drawer.locator('[data-test="stats-tickets"] tbody tr')
  await expect(rows).toHaveCount(Math.min(dispatched, 20))
  // Another count of the same unit, then a ticket itself.
  await drawer.locator('[data-test="count-finished"]').click()
  const finished = Number((await drawer.locator('[data-test="count-finished"] .count').textContent()) ?? '')
  await expect(drawer.locator('.el-pagination__total')).toContainText(String(finished))
  if (finished > 0) {
    await drawer.locator('[data-test="stats-tickets"] a').first().click()
    await expect(page).toHaveURL(/\/ticket\//)
  }

  // The export carries the period on screen.
  await page.goto('/stats/units')
  await page.locator('[data-test="last-month"]').click()
  const href = await page.locator('a[href*="format=xlsx"]').getAttribute('href')
  expect(href).toMatch(/\/api\/v1\/stats\/units\?from=\d{4}-\d\d-01&to=\d{4}-\d\d-\d\d&format=xlsx/)
  const download = await page.request.get(href ?? '')
  expect(download.status()).toBe(200)
  expect(download.headers()['content-type']).toContain('spreadsheetml')
  // The same rows as CSV, headed in the reader's language.
  const csv = await page.request.get((await page.locator('[data-test="export-csv"]').getAttribute('href')) ?? '')
  expect(csv.headers()['content-type']).toContain('text/csv')
  expect((await csv.text()).replace(/^\uFEFF/, '').split('\n')[0]).toContain('类别,排名,单位,得分')
  // The center's monthly report, one workbook, from the bulletins page.
  await page.goto('/stats/bulletins')
  const monthly = await page.locator('[data-test="monthly-report"]').getAttribute('href')
  expect(monthly).toMatch(/\/api\/v1\/stats\/monthly\/\d{4}-\d\d\?format=xlsx/)
  const report = await page.request.get(monthly ?? '')
  expect(report.status()).toBe(200)
  expect(report.headers()['content-type']).toContain('spreadsheetml')
  expect(errors).toEqual([])
})

test('a district manager reads its own units in English; a handler has no figures', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'district_a_manager', 'en')
  await page.goto('/stats/units')
  await expect(page.locator('.page-title')).toContainText('Unit figures')
  await page.locator('[data-test="last-month"]').click()
  const groups = page.locator('[data-test="stats-groups"]')
  await expect(groups).toContainText('Districts')
  await expect(groups).not.toContainText('Bureaus')
  await expect(page.locator('[data-test="stats-table"]')).toContainText('东城区')
  expect(errors).toEqual([])

  await login(page, 'district_a')
  await expect(page.locator('.el-menu').first()).not.toContainText('单位考核')
})

test('a supervisor publishes last month once; everyone reads it as published', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'supervisor')
  await page.goto('/stats/bulletins')
  await page.locator('[data-test="publish"]').click()
  // Published now, or by an earlier run of this test against the same demo: either way it is
  // listed, and publishing it again is refused in words.
  const months = page.locator('[data-test="bulletin-months"]')
  await expect(months.locator('.month').first()).toBeVisible()
  await page.locator('[data-test="publish"]').click()
  await expect(page.locator('.el-message--error').first()).toContainText('已经发布')
  const bulletin = page.locator('[data-test="bulletin"]')
  // The demo's two districts: the better on the red list, the other on the black.
  await expect(bulletin.locator('[data-test="red-list"]')).toContainText(/1\. \S+区/)
  await expect(bulletin.locator('[data-test="black-list"]')).toContainText(/2\. \S+区/)
  await expect(bulletin.locator('[data-test="stats-table"] tbody tr').first()).toBeVisible()
  expect(errors.filter((e) => !e.includes('409'))).toEqual([])

  await login(page, 'district_a_manager', 'en')
  await page.goto('/stats/bulletins')
  await expect(page.locator('[data-test="bulletin"]')).toContainText('Red list')
  await expect(page.locator('[data-test="publish"]')).toHaveCount(0)
})

test('a supervisor deducts points from a unit with a reason, then takes them back', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'supervisor')
  await page.goto('/stats/units')
  await page.locator('[data-test="last-month"]').click()
  const table = page.locator('[data-test="stats-table"]')
  const first = table.locator('tbody tr').first()
  const before = Number(await first.locator('[data-test="score"]').textContent())
  await first.locator('[data-test="dispatched"]').click()
  const drawer = page.locator('[data-test="stats-drawer"]')
  const panel = drawer.locator('[data-test="adjustments"]')
  await expect(panel).toContainText('本期无加减分')
  await panel.locator('input[name="adjustment-reason"]').fill('未按要求报送月度办理情况')
  await panel.locator('[data-test="adjustment-add"]').click()
  await expect(panel.locator('[data-test="adjustment"]')).toContainText('未按要求报送月度办理情况')
  // The table reads again: the score carries the point and shows why it moved.
  const unitRow = table.locator('tbody tr', { has: page.locator('sup.adjusted') })
  await expect(unitRow.locator('sup.adjusted')).toHaveText('-1')
  const after = Number(await unitRow.locator('[data-test="score"]').textContent())
  expect(Math.abs(before - 1 - after)).toBeLessThan(0.01 + (before === 0 ? 1 : 0))
  await panel.locator('[data-test="adjustment-remove"]').click()
  await expect(panel).toContainText('本期无加减分')
  await expect(table.locator('sup.adjusted')).toHaveCount(0)
  expect(errors).toEqual([])
})

test('a supervisor reads what each member of staff took in, by shift and hour', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'supervisor')
  // The demo's history of the last 60 days was registered by its staff: last month is whole.
  await page.locator('.el-menu').getByText('值班统计').click()
  await expect(page).toHaveURL(/\/stats\/duty$/)
  await page.getByRole('button', { name: '上月' }).click()
  const staff = page.locator('[data-test="duty-staff"]')
  await expect(staff).toContainText('话务员王芳')
  const row = staff.locator('tbody tr', { hasText: '话务员王芳' })
  const registered = Number(await row.locator('td').nth(2).textContent())
  expect(registered).toBeGreaterThan(0)
  await expect(row.locator('td').nth(4)).toHaveText(/%|—/)
  // The day's hours are drawn, and every shift is listed with its staff.
  await expect(page.locator('[data-test="duty-hours"] canvas')).toBeVisible()
  await expect(page.locator('[data-test="duty-shifts"]')).toContainText('早班 08:00–16:00')
  // One shift only: no more than the whole day, and the export carries the shift.
  await page.locator('[data-test="duty-shift"]').click()
  await page.locator('.el-select-dropdown__item', { hasText: '早班' }).click()
  await expect(page.locator('[data-test="export"]')).toHaveAttribute('href', /\/api\/v1\/stats\/duty\?.*shift=%E6%97%A9%E7%8F%AD.*format=xlsx/)
  const dayShift = Number(await staff.locator('tbody tr', { hasText: '话务员王芳' }).locator('td').nth(2).textContent())
  expect(dayShift).toBeLessThanOrEqual(registered)
  const download = page.waitForEvent('download')
  await page.locator('[data-test="export"]').click()
  expect((await download).suggestedFilename()).toMatch(/^值班统计-.*\.xlsx$/)
  expect(errors).toEqual([])
})
