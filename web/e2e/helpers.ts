import { expect, type Locator, type Page } from '@playwright/test'

export const PASSWORD = 'Demo@12345'

/** Collects console errors and failed requests a page produced. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`)
  })
  return errors
}

export async function login(page: Page, username: string, locale: 'zh-CN' | 'en' = 'zh-CN'): Promise<void> {
  // Leave the previous user's page first: its live counts would otherwise ask once more
  // without a session and log a 401 that no user would see.
  await page.goto('about:blank')
  await page.context().clearCookies()
  await page.goto('/login')
  await page.evaluate((l) => localStorage.setItem('hotline.locale', l), locale)
  await page.reload()
  await page.locator('input[name="username"]').fill(username)
  await page.locator('input[name="password"]').fill(PASSWORD)
  await page.locator('input[name="password"]').press('Enter')
  await expect(page.locator('[data-test="who"]')).toBeVisible()
}

/** Takes an action from the ticket page through its dialog. */
export async function act(page: Page, action: string, fill?: (dialog: Locator) => Promise<void>): Promise<void> {
  await page.locator(`[data-test="action-${action}"]`).click()
  const dialog = page.locator('.el-dialog').last()
  await expect(dialog).toBeVisible()
  if (fill) await fill(dialog)
  await dialog.locator('[data-test="action-submit"]').click()
  await expect(dialog).toBeHidden()
}

/** Picks an org by name in a dialog's org selector. */
export async function pickOrg(page: Page, dialog: Locator, name: string): Promise<void> {
  await dialog.locator('.el-tree-select, .el-select').first().click()
  await page.keyboard.type(name)
  await page.getByRole('option', { name: new RegExp(`^${name}（`) }).first().click()
}
