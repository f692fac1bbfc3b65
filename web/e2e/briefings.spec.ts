// The leaders' daily briefing (要情摘报) as its users work it: an agent's excerpt (拟摘) on a work
// order, a supervisor compiling the day's briefing from it and publishing it, a leader reading it
// and instructing (批示) on the item; the instruction on the work order's timeline, and the unit
// holding the work order seeing the 批示 flag and being told live.
import { randomUUID } from 'node:crypto'

import { expect, request, test, type Page } from '@playwright/test'

import { login, PASSWORD, watchConsole } from './helpers'

// The center's staff work in China's time: "today" is the server's calendar day.
test.use({ timezoneId: 'Asia/Shanghai' })

async function orgId(page: Page, code: string): Promise<string> {
  const orgs = await (await page.request.get('/api/v1/orgs?per_page=200')).json()
  return orgs.items.find((o: { code: string }) => o.code === code).id
}

/** A work order registered, dispatched to 东城区 and excerpted through the API as the signed-in
 * center user. */
async function excerptedTicket(page: Page, title: string, excerpt: string): Promise<{ id: string; number: string }> {
  const tree = await (await page.request.get('/api/v1/categories')).json()
  let node = tree[0]
  while (node.children?.length) node = node.children[0]
  const res = await page.request.post('/api/v1/tickets', {
    data: { caller_phone: '13922226666', title, content: `${title}，请尽快处理。`, category_id: node.id, appeal_type: 'report', urgency: 'urgent', address: '东城区东华门大街8号', channel: 'phone' },
  })
  expect(res.status()).toBe(201)
  const { id, number } = await res.json()
  const sent = await page.request.post(`/api/v1/tickets/${id}/actions/dispatch`, { data: { org_id: await orgId(page, 'DONGCHENG') } })
  expect(sent.status()).toBe(200)
  const excerpted = await page.request.post(`/api/v1/tickets/${id}/actions/excerpt`, { data: { content: excerpt } })
  expect(excerpted.status()).toBe(200)
  return { id, number }
}

test('a supervisor compiles and publishes the briefing, a leader instructs, the unit is told', async ({ page, baseURL }) => {
  const errors = watchConsole(page)
  const marker = `${Date.now() % 1_000_000}`
  const ticketTitle = `东华门大街供水管道爆裂${marker}`
  const excerptText = `东华门大街供水管道爆裂，周边三个小区约两千户停水，区水务部门已到场抢修（${marker}）。`
  const briefingTitle = `要情摘报测试${marker}`
  const headline = `东华门大街爆管致两千户停水${marker}`
  const instruction = `请东城区立即组织抢修，今日恢复供水，并向居民做好解释（${marker}）。`

  // The supervisor starts today's briefing and adds the excerpt.
  await login(page, 'supervisor')
  const { id, number } = await excerptedTicket(page, ticketTitle, excerptText)
  await page.locator('.el-menu').first().getByText('要情摘报').click()
  await expect(page).toHaveURL(/\/briefings$/)
  await page.locator('[data-test="briefing-new"]').click()
  const create = page.locator('[data-test="briefing-create"]')
  await expect(create).toBeVisible()
  await create.locator('input[name="briefing-new-title"]').fill(briefingTitle)
  await create.locator('[data-test="briefing-create-submit"]').click()
  await expect(page).toHaveURL(/\/briefings\/[0-9a-f-]{36}$/)
  const url = page.url()
  await expect(page.locator('input[name="briefing-title"]')).toHaveValue(briefingTitle)

  // The week's excerpts, newest first: this one is offered, then marked as added.
  const offered = page.locator('[data-test="excerpt"]', { hasText: number })
  await expect(offered).toContainText(excerptText)
  await offered.locator('[data-test="excerpt-add"]').click()
  await expect(offered.locator('[data-test="excerpt-add"]')).toBeDisabled()
  await expect(offered.locator('[data-test="excerpt-add"]')).toHaveText('已编入')
  const item = page.locator('[data-test="briefing-doc"] [data-test="briefing-item"]')
  await expect(item).toHaveCount(1)
  // Headed by the work order's title, the excerpt as its summary, until the editor words it.
  await expect(item.locator('input[name="item-headline"]')).toHaveValue(ticketTitle)
  await expect(item.locator('textarea[name="item-body"]')).toHaveValue(excerptText)
  await item.locator('input[name="item-headline"]').fill(headline)
  await page.locator('textarea[name="briefing-foreword"]').fill('今日要情一则，请领导阅示。')
  await expect(page.locator('[data-test="briefing-dirty"]')).toBeVisible()

  // Leaving with unsaved changes asks first; staying keeps them.
  await page.locator('.el-menu').first().getByText('要情摘报').click()
  const leave = page.locator('.el-message-box')
  await expect(leave).toContainText('未保存的修改')
  await leave.getByRole('button', { name: '留在本页' }).click()
  await expect(page).toHaveURL(url)
  await expect(item.locator('input[name="item-headline"]')).toHaveValue(headline)

  await page.locator('[data-test="briefing-save"]').click()
  await expect(page.locator('.el-message--success').first()).toContainText('已保存')
  await expect(page.locator('[data-test="briefing-dirty"]')).toHaveCount(0)
  await page.reload()
  await expect(page.locator('[data-test="briefing-doc"] input[name="item-headline"]')).toHaveValue(headline)

  // Published after a confirmation: the document stands and reads as the leaders will see it.
  await page.locator('[data-test="briefing-publish"]').click()
  await page.locator('.el-message-box').getByRole('button', { name: '发布' }).click()
  const reader = page.locator('[data-test="briefing-reader"]')
  await expect(reader.locator('[data-test="briefing-state"]')).toHaveText('已发布')
  await expect(reader.locator('[data-test="item-headline"]')).toHaveText(headline)
  // Supervisors compile; only leaders instruct.
  await expect(reader.locator('[data-test="item-instruct"]')).toHaveCount(0)
  expect(errors).toEqual([])

  // The leader finds it in the list and reads it.
  await login(page, 'leader')
  await page.locator('.el-menu').first().getByText('要情摘报').click()
  const row = page.locator('[data-test="briefings-table"] tbody tr', { hasText: briefingTitle })
  await expect(row.locator('[data-test="briefing-state"]')).toHaveText('已发布')
  await expect(row.locator('[data-test="briefing-items"]')).toHaveText('1')
  await expect(page.locator('[data-test="briefing-states"]')).toHaveCount(0)
  await row.locator('[data-test="briefing-link"]').click()
  await expect(page).toHaveURL(url)
  await expect(reader.locator('[data-test="briefing-title"]')).toHaveText(briefingTitle)
  await expect(reader.locator('[data-test="briefing-foreword"]')).toContainText('今日要情一则，请领导阅示。')
  const read = reader.locator('[data-test="briefing-item"]')
  await expect(read.locator('[data-test="item-headline"]')).toHaveText(headline)
  await expect(read.locator('[data-test="item-body"]')).toHaveText(excerptText)
  await expect(read.locator('[data-test="item-ticket"]')).toHaveText(number)
  await expect(read).toContainText('一、')

  // Printed without the console around it, nor the buttons.
  await expect(page.locator('[data-test="briefing-print"]')).toBeVisible()
  await page.emulateMedia({ media: 'print' })
  await expect(page.locator('.el-aside')).toBeHidden()
  await expect(read.locator('[data-test="item-instruct"]')).toBeHidden()
  await expect(read.locator('[data-test="item-headline"]')).toBeVisible()
  await page.emulateMedia({ media: 'screen' })

  // 批示 on the item: the words go to the work order, and show under the item.
  await read.locator('[data-test="item-instruct"]').click()
  const dialog = page.locator('.el-dialog').last()
  await expect(dialog).toContainText('批示内容')
  await dialog.locator('[data-test="action-submit"]').click()
  await expect(dialog).toContainText('必填')
  await dialog.locator('textarea[name="content"]').fill(instruction)
  await dialog.locator('[data-test="action-submit"]').click()
  await expect(dialog).toBeHidden()
  const given = read.locator('[data-test="item-instruction"]')
  await expect(given).toContainText(instruction)
  await expect(given).toContainText('中心主任周建国')

  // The work order's timeline has it, marked, with who gave it and the briefing it came from.
  await read.locator('[data-test="item-ticket"]').click()
  await expect(page).toHaveURL(new RegExp(`/ticket/${id}$`))
  const entry = page.locator('[data-test="timeline-instruction"]')
  await expect(entry).toContainText('领导批示')
  await expect(entry).toContainText(instruction)
  await expect(entry).toContainText('中心主任周建国')
  await expect(entry.getByRole('link', { name: '见要情摘报' })).toHaveAttribute('href', new URL(url).pathname)
  await expect(page.locator('.page-title [data-test="instructed"]')).toContainText('批示')
  // Leaders may also instruct on the work order itself.
  await expect(page.locator('[data-test="action-instruct"]')).toHaveText('批示')
  expect(errors).toEqual([])

  // The district holding it sees the flag in its inbox and on the work order.
  await login(page, 'district_a')
  const live = page.waitForResponse((r) => r.url().endsWith('/api/v1/events'))
  await page.goto('/tickets/inbox_to_accept')
  await live
  const inbox = page.locator('[data-test="ticket-table"] tbody tr', { hasText: number })
  await expect(inbox.locator('[data-test="instructed"]')).toContainText('批示')

  // Another instruction while the district is looking: it is told at once, and one click opens
  // the work order.
  const leader = await request.newContext({ baseURL })
  expect((await leader.post('/api/v1/auth/login', { data: { username: 'leader', password: PASSWORD } })).status()).toBe(200)
  const again = `${instruction.slice(0, -1)}，办结后报我。`
  const instructed = await leader.post(`/api/v1/tickets/${id}/actions/instruct`, { data: { content: again }, headers: { 'idempotency-key': randomUUID() } })
  expect(instructed.status()).toBe(200)
  await leader.dispose()
  const notice = page.locator('.el-notification.instruction-notice')
  await expect(notice).toContainText('领导批示')
  await expect(notice).toContainText('您单位承办的工单')
  await notice.click()
  await expect(page).toHaveURL(new RegExp(`/ticket/${id}$`))
  await expect(page.locator('.page-title [data-test="instructed"]')).toContainText('批示 2')
  await expect(page.locator('[data-test="timeline-instruction"]')).toHaveCount(2)
  await expect(page.locator('[data-test="timeline"]')).toContainText(again)
  // A unit reads the work order, not the leaders' briefing.
  await expect(page.locator('[data-test="timeline-instruction"]').getByRole('link', { name: '见要情摘报' })).toHaveCount(0)
  expect(errors).toEqual([])
})

test('a leader sees published briefings only, in English too; a unit has none', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'leader', 'en')
  await page.goto('/briefings')
  await expect(page.locator('.page-title')).toContainText('Briefings')
  await expect(page.locator('[data-test="briefing-new"]')).toHaveCount(0)
  // Whatever drafts the supervisors have, a leader is given none.
  const listed = await (await page.request.get('/api/v1/briefings?per_page=20')).json()
  expect(listed.items.every((b: { state: string }) => b.state === 'published')).toBe(true)
  await expect(page.locator('[data-test="briefings-table"] tbody tr')).toHaveCount(listed.items.length)
  for (const text of await page.locator('[data-test="briefings-table"] [data-test="briefing-state"]').allInnerTexts()) expect(text).toBe('Published')
  expect(errors).toEqual([])

  await login(page, 'district_a')
  await expect(page.locator('.el-menu').first()).not.toContainText('要情摘报')
})
