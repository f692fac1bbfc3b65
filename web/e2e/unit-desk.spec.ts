// What the issue lists beyond the happy path: a return overruled, an extension, a unit that
// cannot open another district's work order, sign-in back-off, the calendar's year confirmation
// and the language switch.
import { expect, test, type Page } from '@playwright/test'

import { act, login, PASSWORD, pickOrg, watchConsole } from './helpers'

/** Registers an appeal through the API as the signed-in agent; returns its detail page. */
async function registerByApi(page: Page, title: string): Promise<string> {
  const tree = await (await page.request.get('/api/v1/categories')).json()
  let node = tree[0]
  while (node.children?.length) node = node.children[0]
  const res = await page.request.post('/api/v1/tickets', {
    data: {
      caller_phone: '13911112222', title, content: `${title}，请尽快处理。`, category_id: node.id,
      appeal_type: 'complaint', urgency: 'normal', address: '东城区东四北大街', channel: 'phone',
    },
  })
  expect(res.status()).toBe(201)
  return `/ticket/${(await res.json()).id}`
}

test('a unit reveals the caller to reach the citizen, and a supervisor sees who looked', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'agent')
  const url = await registerByApi(page, '东四北大街路灯不亮')
  await login(page, 'dispatcher')
  await page.goto(url)
  await act(page, 'dispatch', (d) => pickOrg(page, d, '东城区'))

  await login(page, 'district_a')
  await page.goto(url)
  // A fresh accept clock has its working time left, never "0 minutes".
  await expect(page.locator('[data-test="deadline-badge"]')).toContainText('剩余')
  await expect(page.locator('[data-test="deadline-badge"]')).not.toContainText('剩余 0分钟')
  await expect(page.locator('[data-test="caller-phone"]')).toHaveText('139****2222')
  await page.locator('[data-test="reveal-contact"]').click()
  const dialog = page.locator('.el-dialog').last()
  await dialog.locator('[data-test="reveal-submit"]').click()
  await expect(dialog).toContainText('必填')
  await dialog.locator('input[name="reveal-reason"]').fill('电话联系市民核实路灯位置')
  await dialog.locator('[data-test="reveal-submit"]').click()
  await expect(page.locator('[data-test="revealed-phone"]')).toHaveText('13911112222')

  await login(page, 'supervisor')
  await page.goto(url)
  await page.locator('[data-test="load-accesses"]').click()
  const accesses = page.locator('[data-test="accesses"]')
  await expect(accesses).toContainText('东城区承办人刘洋')
  await expect(accesses).toContainText('查看完整号码')
  await expect(accesses).toContainText('电话联系市民核实路灯位置')
  await expect(accesses).toContainText('派单员李强')
  expect(errors).toEqual([])
})

test('a unit returns, the dispatcher overrules, the unit gets an extension', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'agent')
  const url = await registerByApi(page, '东四北大街夜间施工扰民')

  await login(page, 'dispatcher')
  await page.goto(url)
  await act(page, 'dispatch', (d) => pickOrg(page, d, '东城区'))

  await login(page, 'district_a')
  await page.goto(url)
  await act(page, 'return', (d) => d.locator('textarea[name="reason"]').fill('施工许可由住建委管理，不属我区职责。'))
  await expect(page.locator('.page-title')).toContainText('退单审核中')

  await login(page, 'dispatcher')
  await page.goto(url)
  await act(page, 'overrule_return', (d) => d.locator('textarea[name="reason"]').fill('夜间施工扰民由属地街道先行处置。'))
  await expect(page.locator('.page-title')).toContainText('待签收')

  await login(page, 'district_a')
  await page.goto(url)
  await act(page, 'accept')
  await act(page, 'request_extension', async (d) => {
    await d.locator('.el-input-number input').fill('3')
    await d.locator('textarea[name="reason"]').fill('需协调施工单位调整工期。')
  })

  await login(page, 'dispatcher')
  await page.goto(url)
  await act(page, 'approve_extension')
  const timeline = page.locator('[data-test="timeline"]')
  for (const step of ['退单', '驳回退单', '签收', '申请延期', '同意延期']) await expect(timeline).toContainText(step)
  expect(errors).toEqual([])

  // 西城区 cannot open 东城区's work order.
  await login(page, 'district_b')
  const denied = watchConsole(page)
  await page.goto(url)
  await expect(page.locator('.el-alert')).toContainText('无权执行此操作')
  await expect(page.locator('[data-test="timeline"]')).toHaveCount(0)
  expect(denied).toContain(`403 GET /api/v1${url.replace('/ticket/', '/tickets/')}`)
})

test('wrong passwords from one place are slowed down, right or wrong', async ({ page }) => {
  await page.context().clearCookies()
  await page.goto('/login')
  await page.locator('input[name="username"]').fill('qa')
  for (let i = 0; i < 3; i += 1) {
    await page.locator('input[name="password"]').fill(`Wrong-${i}-${PASSWORD}`)
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'))
    await page.locator('input[name="password"]').press('Enter')
    expect((await answered).status()).toBe(401)
  }
  await page.locator('input[name="password"]').fill(PASSWORD)
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'))
  await page.locator('input[name="password"]').press('Enter')
  const res = await answered
  expect(res.status()).toBe(429)
  expect(Number(res.headers()['retry-after'])).toBeGreaterThan(0)
  await expect(page.getByText('操作过于频繁').last()).toBeVisible()
  await expect(page).toHaveURL(/\/login/)
})

test("an admin confirms that a year's schedule is complete", async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'admin')
  await page.goto('/admin/calendar')
  await expect(page.locator('[data-test="calendar"]')).toBeVisible()
  // A year from now: no schedule is seeded that far ahead.
  for (let i = 0; i < 12; i += 1) await page.locator('.el-calendar__button-group button').last().click()
  const unknown = page.locator('[data-test="year-unknown"]')
  await expect(unknown).toBeVisible()
  await unknown.locator('[data-test="confirm-year"]').click()
  await page.locator('.el-message-box__btns .el-button--primary').click()
  await expect(page.locator('[data-test="year-known"]')).toContainText('confirmed by')
  await page.locator('[data-test="withdraw-year"]').click()
  await page.locator('.el-message-box__btns .el-button--primary').click()
  await expect(page.locator('[data-test="year-unknown"]')).toBeVisible()
  expect(errors).toEqual([])
})

test("an admin turns a district's review of its streets off and on", async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'admin')
  await page.goto('/admin/orgs')
  const reviews = page.locator('[data-test="reviews-XICHENG"]')
  await expect(reviews).toHaveClass(/is-checked/)
  const saved = page.waitForResponse((r) => r.url().includes('/api/v1/orgs/') && r.request().method() === 'PATCH')
  await reviews.click()
  expect((await (await saved).json()).reviews_replies).toBe(false)
  await expect(reviews).not.toHaveClass(/is-checked/)
  await reviews.click()
  await expect(reviews).toHaveClass(/is-checked/)
  expect(errors).toEqual([])
})

test('an admin sees the system running: who is online, the API\'s calls, storage and jobs', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'admin')
  await page.locator('.el-aside').getByText('系统运行').click()
  await expect(page).toHaveURL(/\/admin\/jobs$/)
  // The admin's own session is online; the console's own calls are counted by route.
  await expect(page.locator('[data-test="system-online"] strong')).not.toHaveText('0')
  await expect(page.locator('[data-test="system-requests"]')).toContainText('服务端错误 0')
  await expect(page.locator('[data-test="system-storage"]')).toContainText('数据库')
  await expect(page.locator('[data-test="system-storage"]')).toContainText(/可用 [\d.]+ (GB|MB)/)
  await expect(page.locator('[data-test="system-routes"]')).toContainText('POST /api/v1/auth/login')
  const table = page.locator('[data-test="jobs"]')
  for (const name of ['tickets.timers', 'outbox.webhooks', 'outbox.federation', 'webhooks.deliver', 'federation.report', 'sessions.purge']) {
    await expect(table).toContainText(name)
  }
  // The server's loops run every second: the outbox consumer shows as running.
  await expect(table.locator('tr', { hasText: 'outbox.webhooks' })).toContainText('正常')
  await expect(table).toContainText('事件 → Webhook 投递')
  expect(errors).toEqual([])
})

test('the language switch turns the console to English and back', async ({ page }) => {
  await login(page, 'agent')
  await page.goto('/workstation')
  const menu = page.locator('.el-aside')
  await expect(menu).toContainText('我的草稿')
  await page.getByRole('radio', { name: 'EN' }).click({ force: true })
  await expect(menu).toContainText('My drafts')
  await expect(page.locator('[data-test="logout"]')).toContainText('Sign out')
  await page.reload()
  await expect(menu).toContainText('My drafts')
  await page.getByRole('radio', { name: '中' }).click({ force: true })
  await expect(menu).toContainText('我的草稿')
})
