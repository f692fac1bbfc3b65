// The call center as its people use it (issue #21): an agent logs in at a seat and goes ready,
// a call arrives through the softswitch's API (as Kamailio would ask), rings, is answered and
// ends; the phone bar follows it to wrap-up; the agent takes a meal break; the supervisor
// watches the floor, sees the call in the day's figures and logs the agent out; the call's
// record shows how it went.
import { expect, request, test } from '@playwright/test'

import { PASSWORD, login, watchConsole } from './helpers'

test('an agent takes a call on the phone bar and the supervisor watches the floor', async ({ page, baseURL }) => {
  const errors = watchConsole(page)
  // Kamailio's token, as an admin issues it.
  const admin = await request.newContext({ baseURL })
  expect((await admin.post('/api/v1/auth/login', { data: { username: 'admin', password: PASSWORD } })).status()).toBe(200)
  const orgs = await (await admin.get('/api/v1/orgs?per_page=200')).json()
  const center = orgs.items.find((o: { code: string }) => o.code === 'CENTER')
  const issued = await admin.post('/api/v1/api-tokens', { data: { name: 'kamailio-e2e', org_id: center.id, roles: ['softswitch'] } })
  expect(issued.status()).toBe(201)
  const secret = (await issued.json()).secret as string
  await admin.dispose()
  const kamailio = await request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${secret}` } })
  const event = async (name: string, callId: string) => {
    const res = await kamailio.post('/cti/v1/events', { data: { event: name, call_id: callId } })
    expect(res.status()).toBe(200)
  }

  await login(page, 'agent')
  const bar = page.locator('[data-test="phone-bar"]')
  await expect(bar).toContainText('未签入')
  await bar.locator('.el-select').click()
  await page.getByRole('option', { name: /^8001/ }).click()
  await bar.getByRole('button', { name: '签入' }).click()
  await expect(bar.locator('[data-test="agent-status"]')).toHaveText('示忙')
  await expect(bar.locator('[data-test="agent-reason"]')).toHaveText('刚签入')
  await bar.locator('[data-test="go-ready"]').click()
  await expect(bar.locator('[data-test="agent-status"]')).toHaveText('空闲')

  // A citizen dials 12345: the platform picks the agent, the phone rings, they answer.
  const callId = `e2e-${Date.now()}`
  const decision = await (await kamailio.post('/cti/v1/route', { data: { call_id: callId, ani: '13911112222', dnis: '12345' } })).json()
  expect(decision.action).toBe('route')
  expect(decision.routes[0].uri).toBe('sip:8001@127.0.0.1')
  await event('agent_alerting', callId)
  await expect(bar.locator('[data-test="agent-status"]')).toHaveText('振铃')
  await event('call_answered', callId)
  await expect(bar.locator('[data-test="agent-status"]')).toHaveText('通话中')
  await expect(bar).toContainText(callId)
  await expect(bar.locator('[data-test="go-ready"]')).toHaveCount(0)
  await event('call_ended', callId)
  await expect(bar.locator('[data-test="agent-status"]')).toHaveText('话后处理')
  await expect(bar).toContainText('话后处理剩余')

  // Done with the notes: ready; then off for a meal.
  await bar.locator('[data-test="go-ready"]').click()
  await expect(bar.locator('[data-test="agent-status"]')).toHaveText('空闲')
  await bar.locator('[data-test="go-not-ready"]').click()
  await page.getByRole('menuitem', { name: '就餐' }).click()
  await expect(bar.locator('[data-test="agent-status"]')).toHaveText('示忙')
  await expect(bar.locator('[data-test="agent-reason"]')).toHaveText('就餐')
  await kamailio.dispose()

  // The supervisor's floor: the day's call, the agent on a break; then logged out.
  await login(page, 'supervisor')
  await page.locator('.el-menu').first().getByText('现场监控').click()
  await expect(page).toHaveURL(/\/callcenter\/floor/)
  const line = page.locator('[data-test="queue-table"] tbody tr', { hasText: '12345 市民热线' })
  await expect(line).toBeVisible()
  await expect(page.locator('[data-test="today-offered"]')).not.toHaveText('0')
  const row = page.locator('[data-test="agent-table"] tbody tr', { hasText: '话务员王芳' })
  await expect(row).toContainText('就餐')
  await row.getByRole('button', { name: '强制签出' }).click()
  await page.locator('.el-message-box').getByRole('button', { name: /OK|确定/ }).click()
  await expect(page.locator('[data-test="agent-table"] tbody tr', { hasText: '话务员王芳' })).toHaveCount(0)

  // The call's record.
  await page.locator('.el-menu').first().getByText('通话记录').click()
  const record = page.locator('[data-test="call-table"] tbody tr', { hasText: '139****2222' })
  await expect(record).toContainText('已接通')
  await expect(record).toContainText('12345 市民热线')
  await expect(record).toContainText('话务员王芳')
  expect(errors).toEqual([])
})

test('the floor reads in English', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'supervisor', 'en')
  await page.goto('/callcenter/floor')
  await expect(page.locator('.page-title')).toContainText('Floor monitor')
  await expect(page.locator('[data-test="queue-table"]')).toContainText('Offered')
  await expect(page.locator('[data-test="phone-bar"]')).toContainText('Log in')
  expect(errors).toEqual([])
})
