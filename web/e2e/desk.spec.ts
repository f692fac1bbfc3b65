// The desk as its users work (issue #18): the region from the address, categories found by the
// words callers use, a contact number and the callback requirement, photos at intake and with
// a reply, corrections with versions, drafts, common phrases, and reloads that are not reads.
import { expect, test, type Page } from '@playwright/test'

import { act, login, pickOrg, watchConsole } from './helpers'

/** The smallest PNG: a 1×1 transparent pixel. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGMAAQAABQABDQottAAAAABJRU5ErkJggg==', 'base64')

async function orgId(page: Page, code: string): Promise<string> {
  const orgs = await (await page.request.get('/api/v1/orgs?per_page=200')).json()
  return orgs.items.find((o: { code: string }) => o.code === code).id
}

async function pickCategory(page: Page, typed: string, name: string): Promise<void> {
  await page.locator('.el-cascader').first().click()
  await page.keyboard.type(typed)
  await page.locator('.el-cascader__suggestion-item', { hasText: name }).first().click()
}

test('an agent registers with region, contact number, callback choice and a photo', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'agent')
  await page.goto('/workstation')
  await page.locator('input[name="caller_phone"]').fill('13911113333')
  await page.locator('input[name="contact_phone"]').fill('010-65123456')
  await page.locator('input[name="title"]').fill('小区电梯困人')
  await page.locator('textarea[name="content"]').fill('3号楼电梯停在两层之间，里面有人。')
  await page.locator('input[name="address"]').fill('东城区东华门大街12号')
  await page.locator('input[name="address"]').press('Enter')
  // The region is found from the address.
  await expect(page.locator('[data-test="region"]')).toContainText('东华门街道办事处')
  // Nobody calls about 特种设备管理: they call about a lift.
  await pickCategory(page, '电梯', '特种设备管理')
  await page.locator('[data-test="callback-requirement"]').getByText('短信回访').click()
  await page.locator('[data-test="attachment-file"]').first().setInputFiles({ name: '现场.png', mimeType: 'image/png', buffer: PNG })
  await expect(page.locator('[data-test="attachment-item"]')).toContainText('现场.png')
  await page.locator('[data-test="register"]').click()
  const created = page.locator('[data-test="created"]')
  await expect(created).toBeVisible()
  await created.getByRole('button', { name: '详情' }).click()
  await expect(page.locator('[data-test="region"]')).toHaveText('东华门街道办事处')
  await expect(page.locator('[data-test="contact-phone"]')).toHaveText('010-65123456')
  await expect(page.locator('.el-descriptions')).toContainText('短信回访')
  const link = page.locator('[data-test="attachment-link"]')
  await expect(link).toHaveText('现场.png')
  const href = await link.getAttribute('href')
  const file = await page.request.get(href ?? '')
  expect(file.status()).toBe(200)
  expect(file.headers()['content-type']).toBe('image/png')
  expect(errors).toEqual([])
})

test('a street replies with a photo; the center corrects a ticket and the timeline keeps the version', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'agent')
  await page.goto('/workstation')
  await page.locator('input[name="caller_phone"]').fill('13911114444')
  await page.locator('input[name="title"]').fill('东华门大街井盖缺失')
  await page.locator('textarea[name="content"]').fill('人行道井盖缺失，夜里很危险。')
  await page.locator('input[name="address"]').fill('东城区东华门大街3号')
  await pickCategory(page, 'csggss', '城市公共设施')
  await page.locator('[data-test="register"]').click()
  await page.locator('[data-test="created"]').getByRole('button', { name: '详情' }).click()
  await expect(page).toHaveURL(/\/ticket\//)
  const url = page.url()

  // The agent corrects the urgency with a reason; the timeline shows the version and the change.
  await page.locator('[data-test="correct"]').click()
  const dialog = page.locator('.el-dialog').last()
  await dialog.locator('[data-test="correction-urgency"]').getByText('紧急').click()
  await dialog.locator('[data-test="correction-save"]').click()
  await expect(dialog).toContainText('必填')
  await dialog.locator('textarea[name="reason"]').fill('市民补充：有老人摔倒')
  await dialog.locator('[data-test="correction-save"]').click()
  await expect(dialog).toBeHidden()
  const changes = page.locator('[data-test="correction-changes"]')
  await expect(changes).toContainText('normal → urgent')
  await expect(page.locator('[data-test="timeline"]')).toContainText('第 2 版')
  await expect(page.locator('[data-test="timeline"]')).toContainText('市民补充：有老人摔倒')

  await login(page, 'dispatcher')
  await page.goto(url)
  await act(page, 'dispatch', (d) => pickOrg(page, d, '东城区'))
  await login(page, 'district_a')
  await page.goto(url)
  await act(page, 'accept')
  await act(page, 'reply', async (d) => {
    await d.locator('textarea[name="content"]').fill('已补装井盖并设置警示。')
    await d.locator('[data-test="attachment-file"]').setInputFiles({ name: '整改后.png', mimeType: 'image/png', buffer: PNG })
    await expect(d.locator('[data-test="attachment-item"]')).toContainText('整改后.png')
  })
  // The photo hangs on the reply in the timeline.
  await expect(page.locator('[data-test="timeline"]')).toContainText('整改后.png')
  expect(errors).toEqual([])
})

test('an agent edits and deletes a draft', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'agent')
  await page.goto('/workstation')
  await page.locator('input[name="caller_phone"]').fill('13911115555')
  await page.locator('input[name="title"]').fill('草稿：噪音')
  await page.locator('textarea[name="content"]').fill('楼上装修噪音。')
  await pickCategory(page, '扰民', '噪音污染')
  await page.getByRole('button', { name: '草稿' }).click()
  await page.locator('[data-test="created"]').getByRole('button', { name: '详情' }).click()
  await page.locator('[data-test="correct"]').click()
  const dialog = page.locator('.el-dialog').last()
  await dialog.locator('input[name="title"]').fill('草稿：装修噪音扰民')
  await dialog.locator('[data-test="correction-save"]').click()
  await expect(dialog).toBeHidden()
  await expect(page.locator('h3.title')).toHaveText('草稿：装修噪音扰民')
  await page.locator('[data-test="delete-draft"]').click()
  await page.locator('.el-message-box').getByRole('button', { name: '确定' }).click()
  await expect(page).toHaveURL(/\/tickets\/my_drafts/)
  await expect(page.locator('.page')).not.toContainText('草稿：装修噪音扰民')
  expect(errors).toEqual([])
})

test('a supervisor shares a phrase and a dispatcher puts it into an opinion', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'supervisor')
  await page.goto('/phrases')
  await page.locator('[data-test="phrase-add"]').click()
  const dialog = page.locator('.el-dialog').last()
  await dialog.locator('textarea[name="phrase-content"]').fill('请属地单位于三个工作日内核实处理并答复市民。')
  await dialog.getByText('意见', { exact: true }).click()
  await dialog.getByText('设为共享').click()
  await dialog.locator('[data-test="phrase-save"]').click()
  await expect(page.locator('[data-test="phrases"]')).toContainText('请属地单位于三个工作日内核实处理并答复市民。')

  await login(page, 'agent')
  const tree = await (await page.request.get('/api/v1/categories')).json()
  let node = tree[0]
  while (node.children?.length) node = node.children[0]
  const res = await page.request.post('/api/v1/tickets', {
    data: { caller_phone: '13911116666', title: '常用语测试', content: '测试。', category_id: node.id, appeal_type: 'complaint', urgency: 'normal', channel: 'phone' },
  })
  const id = (await res.json()).id
  await login(page, 'dispatcher')
  await page.goto(`/ticket/${id}`)
  await page.locator('[data-test="action-dispatch"]').click()
  const action = page.locator('.el-dialog').last()
  await action.locator('[data-test="phrase-picker"]').click()
  await page.locator('.el-dropdown-menu__item', { hasText: '请属地单位于三个工作日内' }).click()
  await expect(action.locator('textarea[name="opinion"]')).toHaveValue('请属地单位于三个工作日内核实处理并答复市民。')
  expect(errors).toEqual([])
})

test('an admin adds a search word and intake finds the category by it', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'admin')
  await page.goto('/admin/categories')
  await expect(page.locator('.el-tree-node__content', { hasText: '城乡建设' }).first()).toBeVisible()
  await page.locator('input[placeholder="查询"]').fill('zlsgy')
  const row = page.locator('.el-tree-node__content', { hasText: '自来水供应' }).first()
  await expect(row).toBeVisible()
  await row.locator('button', { hasText: '检索词' }).click()
  const dialog = page.locator('.el-dialog').last()
  await dialog.locator('[data-test="keywords-input"] input').pressSequentially('没水了')
  await page.keyboard.press('Enter')
  await expect(dialog.locator('.el-select__selected-item', { hasText: '没水了' })).toBeVisible()
  await dialog.locator('[data-test="keywords-save"]').click()
  await expect(dialog).toBeHidden()
  await expect(row).toContainText('没水了')

  await login(page, 'agent')
  await page.goto('/workstation')
  await pickCategory(page, '没水了', '自来水供应')
  expect(errors).toEqual([])
})

test('a live reload of an open ticket is not another read', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'agent')
  const tree = await (await page.request.get('/api/v1/categories')).json()
  let node = tree[0]
  while (node.children?.length) node = node.children[0]
  const res = await page.request.post('/api/v1/tickets', {
    data: { caller_phone: '13911117777', title: '刷新不算查看', content: '测试。', category_id: node.id, appeal_type: 'complaint', urgency: 'normal', channel: 'phone' },
  })
  const id = (await res.json()).id
  await login(page, 'dispatcher')
  const sent = await page.request.post(`/api/v1/tickets/${id}/actions/dispatch`, { data: { org_id: await orgId(page, 'ZJW') } })
  expect(sent.status()).toBe(200)
  await login(page, 'supervisor')
  await page.goto(`/ticket/${id}`)
  await expect(page.locator('h3.title')).toHaveText('刷新不算查看')
  // Others act on the ticket while it is open: the page reloads itself each time.
  for (const urge of ['请尽快派单', '再次催办']) {
    const acted = await page.request.post(`/api/v1/tickets/${id}/actions/urge`, { data: { opinion: urge } })
    expect(acted.status()).toBe(200)
    await expect(page.locator('[data-test="timeline"]')).toContainText(urge)
  }
  await page.locator('[data-test="load-accesses"]').click()
  const reads = page.locator('[data-test="accesses"] .access', { hasText: '班长赵敏' })
  await expect(reads).toHaveCount(1)
  expect(errors).toEqual([])
})
