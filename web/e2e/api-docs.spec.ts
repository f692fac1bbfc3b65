// The API documentation page is served by the binary, renders the server's OpenAPI document,
// and "Try it out" works with the signed-in session.
import { expect, test } from '@playwright/test'

import { login, watchConsole } from './helpers'

test('the API documentation page browses and calls the API', async ({ page }) => {
  const errors = watchConsole(page)
  await login(page, 'agent')
  await page.goto('/api/docs')
  await expect(page.locator('.swagger-ui .title')).toContainText('hotline API')
  // One section per tag of the document (alerts, stats, tickets …).
  await expect(page.locator('.opblock-tag-section')).toHaveCount(20)

  // Tags start closed; open the tickets' one.
  await page.locator('.opblock-tag-section h3', { hasText: 'tickets' }).first().click()
  const counts = page.locator('#operations-tickets-ticket_counts')
  await counts.locator('.opblock-summary').click()
  await counts.getByRole('button', { name: 'Try it out' }).click()
  await counts.getByRole('button', { name: 'Execute' }).click()
  await expect(counts.locator('.live-responses-table tbody .response-col_status').first()).toHaveText('200')
  await expect(counts.locator('.live-responses-table tbody .response-col_description').first()).toContainText('to_callback')
  expect(errors).toEqual([])
})
