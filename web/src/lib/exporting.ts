// Export of a work list to Excel: the list's own API address with its filters and
// `format=xlsx`; the server answers an attachment, which the browser saves with the session
// cookie sent as for any same-origin link.

import { query } from '../api/client'

type Params = Parameters<typeof query>[0]

/** The whole filtered list, not the page on screen: paging is left out. */
export function exportHref(path: string, params: Params): string {
  return `/api/v1${path}${query({ ...params, page: undefined, per_page: undefined, format: 'xlsx' })}`
}

/** The same export as CSV. */
export function csvHref(xlsxHref: string): string {
  return xlsxHref.replace('format=xlsx', 'format=csv')
}

/** Saves `blob` under `filename` as a download (an export asked for with a POST body, which a
 * plain link cannot send). */
export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  a.style.display = 'none'
  document.body.appendChild(a)
  a.click()
  a.remove()
  // The browser has taken the file once the click is handled.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
