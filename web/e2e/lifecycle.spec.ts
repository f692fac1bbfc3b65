// The lifecycle by hand in a browser, as the demo users: intake → dispatch to the district →
// re-dispatch to the street office → accept, contact, reply → review → callback → closed.
import { expect, test } from '@playwright/test'

import { act, login, pickOrg, watchConsole } from './helpers'

test('a ticket goes from intake to closed through the console', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'agent')
  await page.goto('/workstation')
  const number = `139${String(Date.now()).slice(-8)}`
  const phone = page.locator('input[name="caller_phone"]')
  await expect(phone).toBeFocused()
  await phone.fill(number)
  await phone.press('Enter')
  await expect(page.locator('[data-test="caller-history"]')).toContainText('首次来电')
  await page.locator('input[name="caller_name"]').fill('赵先生')
  await page.locator('input[name="title"]').fill('东华门大街自来水管爆裂')
  await page.locator('textarea[name="content"]').fill('楼下自来水管爆裂，水漫到马路上，已经一个小时了。')
  await page.locator('input[name="address"]').fill('东城区东华门大街8号')
  await page.locator('.el-cascader').click()
  await page.keyboard.type('自来水')
  await page.locator('.el-cascader__suggestion-item', { hasText: '自来水供应' }).first().click()
  await expect(page.locator('[data-test="suggested-unit"]')).toContainText('东城区', { timeout: 10_000 }).catch(() => undefined)
  await page.keyboard.press('Control+Enter')
  const created = page.locator('[data-test="created"]')
  await expect(created).toBeVisible()
  await created.getByRole('button', { name: '详情' }).click()
  await expect(page).toHaveURL(/\/ticket\//)
  const url = page.url()
  await expect(page.locator('[data-test="caller-phone"]')).toHaveText(number)

  await login(page, 'dispatcher')
  await page.goto(url)
  await act(page, 'dispatch', (d) => pickOrg(page, d, '东城区'))
  await expect(page.locator('.page-title')).toContainText('待签收')

  await login(page, 'district_a')
  await page.goto(url)
  await act(page, 'dispatch', (d) => pickOrg(page, d, '东华门街道办事处'))

  await login(page, 'street_a1')
  await page.goto(url)
  await expect(page.locator('[data-test="caller-phone"]')).toHaveText(`139****${number.slice(-4)}`)
  await act(page, 'accept')
  await act(page, 'contact_citizen', (d) => d.locator('textarea[name="content"]').fill('已电话联系市民，约定上门。'))
  await act(page, 'reply', (d) => d.locator('textarea[name="content"]').fill('已联系自来水公司抢修完毕，路面已清理。'))
  await expect(page.locator('.page-title')).toContainText('待审核')

  await login(page, 'supervisor')
  await page.goto(url)
  await act(page, 'approve_reply')
  await act(page, 'callback', async (d) => {
    await d.getByText('满意', { exact: true }).click()
    await d.locator('.el-switch').nth(1).click()
  })
  await expect(page.locator('.page-title')).toContainText('已办结')
  const timeline = page.locator('[data-test="timeline"]')
  for (const step of ['受理', '派单', '签收', '联系市民', '答复', '审核通过', '回访']) {
    await expect(timeline).toContainText(step)
  }
  expect(errors).toEqual([])
})

test('field errors from the API show in place and nothing is sent twice', async ({ page }) => {
  await login(page, 'agent')
  await page.goto('/workstation')
  await page.locator('input[name="caller_phone"]').fill('12345abc')
  await page.locator('input[name="title"]').fill('测试')
  await page.locator('textarea[name="content"]').fill('内容')
  await page.locator('.el-cascader').click()
  await page.keyboard.type('自来水')
  await page.locator('.el-cascader__suggestion-item', { hasText: '自来水供应' }).first().click()
  const register = page.locator('[data-test="register"]')
  await register.dblclick()
  await expect(page.locator('.el-form-item__error')).toContainText('格式不正确')
  await page.locator('input[name="caller_phone"]').fill('13700000001')
  await register.click()
  await expect(page.locator('[data-test="created"]')).toBeVisible()
})

test('an expired session returns to the same page after signing in', async ({ page }) => {
  await login(page, 'dispatcher')
  await page.goto('/tickets/to_dispatch')
  await page.context().clearCookies()
  await page.reload()
  await expect(page).toHaveURL(/\/login\?redirect=/)
  await page.locator('input[name="username"]').fill('dispatcher')
  await page.locator('input[name="password"]').fill('Demo@12345')
  await page.locator('input[name="password"]').press('Enter')
  await expect(page).toHaveURL(/\/tickets\/to_dispatch/)
})
