// Full-text search as its users work (issue #19): an agent types words into the header's box
// and reads the matching tickets with the words marked; a unit finds only its own; an admin
// watches the index and keeps its dictionary.
import { expect, type Page, test } from '@playwright/test'

import { login, watchConsole } from './helpers'

async function register(page: Page, title: string, content: string): Promise<string> {
  const tree = await (await page.request.get('/api/v1/categories')).json()
  let node = tree[0]
  while (node.children?.length) node = node.children[0]
  const res = await page.request.post('/api/v1/tickets', {
    data: {
      caller_phone: '13911112222', title, content, category_id: node.id,
      appeal_type: 'complaint', urgency: 'normal', address: '东城区银杏大道18号', channel: 'phone',
    },
  })
  expect(res.status()).toBe(201)
  return (await res.json()).number
}

test('an agent searches in Chinese from the header and reads the marked matches', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'agent')
  const number = await register(page, '银杏大道落叶堵塞雨水口', '银杏大道的落叶把雨水口堵了，下雨就积水，行人过不去。')
  await page.locator('input[name="global-search"]').fill('银杏 积水')
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(/\/search\?q=/)
  // The index takes the new ticket in within a moment; the page asks again until it is there.
  const hits = page.locator('[data-test="search-hits"]')
  await expect(async () => {
    await page.locator('[data-test="search-submit"]').click()
    await expect(hits).toContainText(number, { timeout: 1000 })
  }).toPass({ timeout: 20_000 })
  const hit = hits.locator('li', { hasText: number })
  await expect(hit.locator('mark').first()).toHaveText('银杏')
  await expect(hit.locator('mark', { hasText: '积水' })).toHaveCount(1)
  // Query syntax it cannot read is said beside the box, not as a crash.
  await page.locator('input[name="search-q"]').fill('(银杏')
  await page.locator('[data-test="search-submit"]').click()
  await expect(page.locator('.el-form-item__error')).toBeVisible()
  expect(errors.filter((e) => !e.includes('422'))).toEqual([])

  // A unit holds none of it yet: nothing found, no caller shown.
  await login(page, 'district_b')
  await page.goto('/search?q=银杏')
  await expect(page.locator('.el-empty')).toBeVisible()
})

test('an admin watches the index and adds a word to its dictionary', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'admin', 'en')
  await page.goto('/admin/search')
  await expect(page.locator('.page-title')).toContainText('Search index')
  await expect(page.locator('[data-test="index-status"]')).toContainText('Ready')
  expect(Number(await page.locator('[data-test="index-documents"]').textContent())).toBeGreaterThan(0)
  await page.locator('input[name="search-word"]').fill('接诉即办')
  await page.locator('[data-test="add-word"]').click()
  await expect(page.locator('[data-test="search-words"]')).toContainText('接诉即办')
  await expect(page.getByText('rebuild the index to apply it')).toBeVisible()
  await page.locator('[data-test="rebuild-index"]').click()
  await expect(page.locator('[data-test="index-status"]')).toContainText('tickets indexed', { timeout: 30_000 })
  await page.locator('[data-test="search-words"] .el-tag__close').first().click()
  await expect(page.locator('[data-test="search-words"]')).not.toContainText('接诉即办')
  expect(errors).toEqual([])
})
