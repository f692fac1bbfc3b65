// The leaders' dashboard and the wall (issue #20): every figure is the API's, from the
// rollups; the wall follows new appeals live. And the assessment appeal as units and the
// center work it: a district appeals a ticket, the center approves it.
import { expect, test, type Page } from '@playwright/test'

import { login, watchConsole } from './helpers'

async function orgId(page: Page, code: string): Promise<string> {
  const orgs = await (await page.request.get('/api/v1/orgs?per_page=200')).json()
  return orgs.items.find((o: { code: string }) => o.code === code).id
}

async function newTicket(page: Page, title: string): Promise<string> {
  const tree = await (await page.request.get('/api/v1/categories')).json()
  let node = tree[0]
  while (node.children?.length) node = node.children[0]
  const res = await page.request.post('/api/v1/tickets', {
    data: { caller_phone: '13922224444', title, content: `${title}，请尽快处理。`, category_id: node.id, appeal_type: 'complaint', urgency: 'normal', address: '东城区东华门大街1号', channel: 'phone' },
  })
  expect(res.status()).toBe(201)
  return (await res.json()).id
}

test('a leader reads the dashboard: every figure is the API\'s', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'leader')
  await page.locator('.el-menu').first().getByText('数据看板').click()
  await expect(page).toHaveURL(/\/dashboard/)
  const o = await (await page.request.get('/api/v1/stats/overview?days=30')).json()
  await expect(page.locator('[data-test="stat-total"]')).toHaveText(String(o.total))
  await expect(page.locator('[data-test="stat-open"]')).toHaveText(String(o.open))
  await expect(page.locator('[data-test="stat-alerts"]')).toHaveText(String(o.open_alerts))
  // The demo's 60 days of history: a trend, a mix and both districts with work.
  expect(o.trend).toHaveLength(30)
  expect(o.trend.reduce((a: number, d: { intake: number }) => a + d.intake, 0)).toBeGreaterThan(0)
  await expect(page.locator('[data-test="chart-trend"] canvas')).toBeVisible()
  await expect(page.locator('[data-test="chart-mix"] canvas')).toBeVisible()
  for (const r of o.regions) {
    const tile = page.locator(`[data-test="region-${r.org.code}"]`)
    await expect(tile).toContainText(r.org.name)
    await expect(tile).toContainText(`派单 ${r.dispatched}`)
    await expect(tile).toContainText(`超期 ${r.overdue}`)
  }
  // A shorter period asks the server for it.
  const week = page.waitForResponse((r) => r.url().includes('/stats/overview?days=7'))
  await page.locator('[data-test="days"]').getByText('近 7 天').click()
  const short = await (await week).json()
  expect(short.trend).toHaveLength(7)
  await expect(page.locator('.page-title')).toBeVisible()
  expect(errors).toEqual([])
})

test('the wall fills 1920×1080 and follows a new appeal live', async ({ page }) => {
  const errors = watchConsole(page)
  await page.setViewportSize({ width: 1920, height: 1080 })
  await login(page, 'supervisor')
  await page.goto('/screen')
  await expect(page.locator('h1')).toContainText('全市态势')
  const total = page.locator('[data-test="stat-total"]')
  await expect(total).toHaveText(/^\d+$/)
  const before = Number(await total.textContent())
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(overflow).toBeLessThanOrEqual(1)
  await page.screenshot({ path: 'e2e/screenshots/zh-CN/screen.png' })

  // Registered elsewhere: the rollup counts it and tells the wall, which reads again.
  await newTicket(page, `大屏实时${Date.now() % 100000}`)
  await expect(total).toHaveText(String(before + 1), { timeout: 30_000 })
  expect(errors).toEqual([])
})

test('a district appeals a ticket\'s inclusion and the center approves it', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'supervisor')
  const marker = `考核申诉${Date.now() % 100000}`
  const id = await newTicket(page, marker)
  const sent = await page.request.post(`/api/v1/tickets/${id}/actions/dispatch`, { data: { org_id: await orgId(page, 'DONGCHENG') } })
  expect(sent.status()).toBe(200)
  const number = (await sent.json()).number

  await login(page, 'district_a_manager')
  await page.goto(`/ticket/${id}`)
  await page.locator('[data-test="appeal"]').click()
  const dialog = page.locator('[data-test="appeal-dialog"]')
  await expect(dialog).toBeVisible()
  // Nothing said: refused in words at the field, nothing filed.
  await dialog.locator('[data-test="appeal-submit"]').click()
  await expect(dialog.locator('.el-form-item__error')).toBeVisible()
  await dialog.locator('textarea[name="appeal-evidence"]').fill('该处供水管网由自来水集团维护，不属区政府职责。')
  await dialog.locator('[data-test="appeal-submit"]').click()
  await expect(dialog).toBeHidden()
  await page.goto('/stats/appeals')
  const mine = page.locator('[data-test="appeals-table"] tbody tr', { hasText: number })
  await expect(mine.locator('[data-test="appeal-state"]')).toHaveText('待审核')
  await expect(mine.locator('[data-test="appeal-approve"]')).toHaveCount(0)

  await login(page, 'supervisor')
  await page.locator('.el-menu').first().getByText('考核申诉').click()
  const row = page.locator('[data-test="appeals-table"] tbody tr', { hasText: number })
  await expect(row).toContainText('非本单位职责')
  await row.locator('[data-test="appeal-approve"]').click()
  await page.locator('textarea[name="appeal-note"]').fill('经核实属实')
  await page.locator('[data-test="appeal-confirm"]').click()
  await expect(page.locator('.el-message--success').first()).toContainText('申诉已通过')
  await page.locator('[data-test="appeal-states"]').getByText('已通过').click()
  const approved = page.locator('[data-test="appeals-table"] tbody tr', { hasText: number })
  await expect(approved).toContainText('经核实属实')
  // The one refusal was the empty appeal's.
  expect(errors.filter((e) => !e.includes('422'))).toEqual([])
})
