// The early-warning inbox as the center works it (issue #20): an appeal with watch-list words
// arrives live, a supervisor takes it on, assigns it and closes it with what was done.
import { expect, test } from '@playwright/test'

import { login, watchConsole } from './helpers'

test('a supervisor sees a watch-list appeal arrive and works it to closed', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'supervisor')
  await page.locator('.el-menu').first().getByText('预警中心').click()
  await expect(page).toHaveURL(/\/alerts/)
  await expect(page.locator('[data-test="alerts-table"]')).toBeVisible()

  // An agent's appeal with words on the watch list, registered while the inbox is open.
  const tree = await (await page.request.get('/api/v1/categories')).json()
  let node = tree[0]
  while (node.children?.length) node = node.children[0]
  const marker = `煤气罐爆炸隐患${Date.now() % 100000}`
  const res = await page.request.post('/api/v1/tickets', {
    data: {
      caller_phone: '13922223333', title: marker, content: `楼道堆放煤气罐，有爆炸危险，居民担心。${marker}`,
      category_id: node.id, appeal_type: 'report', urgency: 'urgent', address: '东城区景山前街4号', channel: 'phone',
    },
  })
  expect(res.status()).toBe(201)
  const row = page.locator('[data-test="alerts-table"] tbody tr', { hasText: marker })
  await expect(row).toBeVisible({ timeout: 20_000 })
  await expect(row).toContainText('敏感词')
  await expect(row).toContainText('爆炸')

  await row.locator('[data-test="alert-acknowledge"]').click()
  await page.locator('[data-test="alert-state"]').click()
  await page.getByRole('option', { name: '已接手' }).click()
  const taken = page.locator('[data-test="alerts-table"] tbody tr', { hasText: marker })
  await expect(taken.locator('[data-test="alert-state-cell"]')).toHaveText('已接手')

  await taken.locator('[data-test="alert-assign"]').click()
  await page.locator('[data-test="alert-assignee"]').click()
  await page.getByRole('option').first().click()
  await page.locator('[data-test="alert-submit"]').click()
  await expect(page.locator('.el-message--success', { hasText: '已交办' })).toBeVisible()

  await page.locator('[data-test="alert-state"]').click()
  await page.getByRole('option', { name: '已交办' }).click()
  const assigned = page.locator('[data-test="alerts-table"] tbody tr', { hasText: marker })
  await assigned.locator('[data-test="alert-close"]').click()
  // Closing says what was done: an empty note is refused beside the box.
  await page.locator('[data-test="alert-submit"]').click()
  await expect(page.locator('[data-test="alert-dialog"] .el-form-item__error')).toBeVisible()
  await page.locator('textarea[name="alert-note"]').fill('已通知街道和燃气公司上门排查')
  await page.locator('[data-test="alert-submit"]').click()
  await page.locator('[data-test="alert-state"]').click()
  await page.getByRole('option', { name: '已关闭' }).click()
  await expect(page.locator('[data-test="alerts-table"] tbody tr', { hasText: marker })).toContainText('已通知街道')
  expect(errors.filter((e) => !e.includes('422'))).toEqual([])
})

test('a leader reads the inbox in English; units have none', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'leader', 'en')
  await page.goto('/alerts')
  await expect(page.locator('.page-title')).toContainText('Alerts')
  await expect(page.locator('[data-test="alert-state"]')).toContainText('Open')
  expect(errors).toEqual([])
  await login(page, 'district_a_manager')
  await expect(page.locator('.el-menu').first()).not.toContainText('预警中心')
})
