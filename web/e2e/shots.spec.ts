// Screenshots of the main pages at 1366×768, in Chinese and in English, with no console errors.
import { expect, test, type Page } from '@playwright/test'

import { login, watchConsole } from './helpers'

const PAGES: [string, string, string][] = [
  ['agent', '/workstation', 'workstation'],
  ['agent', '/tickets/all', 'all-tickets'],
  ['agent', '/kb', 'kb'],
  ['agent', '/phrases', 'phrases'],
  ['agent', '/profile', 'profile'],
  ['agent', '/search?q=%E5%99%AA%E9%9F%B3', 'search'],
  ['dispatcher', '/dispatch', 'dispatch-desk'],
  ['street_a1', '/tickets/inbox_in_progress', 'unit-inbox'],
  ['supervisor', '/review', 'review'],
  ['supervisor', '/callback', 'callback'],
  ['supervisor', '/kb/new', 'kb-editor'],
  ['leader', '/dashboard', 'dashboard'],
  ['leader', '/stats/units', 'stats-units'],
  ['leader', '/alerts', 'alerts'],
  ['leader', '/stats/bulletins', 'bulletins'],
  ['supervisor', '/stats/appeals', 'appeals'],
  ['supervisor', '/stats/duty', 'duty'],
  ['supervisor', '/briefings', 'briefings'],
  ['supervisor', '/stats/reports', 'reports'],
  ['supervisor', '/stats/business', 'business'],
  ['admin', '/admin/orgs', 'admin-orgs'],
  ['admin', '/admin/users', 'admin-users'],
  ['admin', '/admin/calendar', 'admin-calendar'],
  ['admin', '/admin/sla', 'admin-sla'],
  ['admin', '/admin/webhooks', 'admin-webhooks'],
  ['admin', '/admin/jobs', 'admin-jobs'],
  ['admin', '/admin/search', 'admin-search'],
  ['auditor', '/audit', 'audit'],
]

async function noHorizontalScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(overflow).toBeLessThanOrEqual(1)
}

for (const locale of ['zh-CN', 'en'] as const) {
  test(`main pages look finished (${locale})`, async ({ page }) => {
    const errors = watchConsole(page)
    let current = ''
    for (const [user, path, name] of PAGES) {
      if (user !== current) {
        await login(page, user, locale)
        current = user
      }
      await page.goto(path)
      await page.waitForLoadState('networkidle')
      await expect(page.locator('.el-loading-mask')).toHaveCount(0)
      await noHorizontalScroll(page)
      if (name === 'dashboard') {
        // The figures count one set of work orders: the states add up to the total, and every
        // overdue one is in a unit's bar.
        const o = await (await page.request.get('/api/v1/stats/overview')).json()
        const byState = Object.values(o.by_state as Record<string, number>).reduce((a, b) => a + b, 0)
        const byUnit = (o.overdue_by_unit as { count: number }[]).reduce((a, u) => a + u.count, 0)
        expect([byState, byUnit]).toEqual([o.total, o.overdue])
        await expect(page.locator('[data-test="stat-total"]')).toHaveText(String(o.total))
        await expect(page.locator('[data-test="stat-overdue"]')).toHaveText(String(o.overdue))
      }
      if (name === 'admin-sla' && locale === 'zh-CN') {
        // Rows are told apart by their category: the general ones, then each utility's own.
        const table = page.locator('[data-test="sla-table"]')
        await expect(table).toContainText('全部分类')
        await expect(table).toContainText('自来水供应')
      }
      if (name === 'audit' && locale === 'zh-CN') {
        // The trail speaks Chinese: event names and details as labelled fields, not raw JSON.
        const table = page.locator('[data-test="audit-table"]')
        await expect(table).toContainText('登录')
        await expect(table).not.toContainText('auth.login')
        await expect(page.locator('[data-test="audit-detail"]').first()).not.toContainText('{"')
        // People by name and unit, not by login.
        await expect(page.locator('[data-test="audit-actor"]').first()).toHaveText('审计员')
        await expect(table).toContainText('审计员 · 市12345热线中心')
      }
      if (name === 'reports') {
        // The builder with a table and its chart: a ready-made report, run.
        await page.locator('[data-test="preset-risingCategories"]').click()
        await expect(page.locator('[data-test="report-chart"] canvas')).toBeVisible()
        await expect(page.locator('[data-test="report-table"] .el-table__body tbody tr').first()).toBeVisible()
        await noHorizontalScroll(page)
      }
      if (name === 'business') {
        // Its cards drawn, side by side without a scroll bar.
        await expect(page.locator('[data-test="hours-chart"] canvas')).toBeVisible()
        await expect(page.locator('[data-test="callers-table"]')).toBeVisible()
        await noHorizontalScroll(page)
      }
      await page.screenshot({ path: `e2e/screenshots/${locale}/${name}.png` })
    }
    expect(errors).toEqual([])
  })
}
