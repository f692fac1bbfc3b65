// Turning API errors into what people read: the UI's own translation of the stable code,
// falling back to the server's message, and field errors keyed by field name.

import { ApiError } from '../api/client'

type T = (key: string) => string
type Te = (key: string) => boolean

/** `scope`: a page whose records a code means something particular for (`briefings`: its
 * `briefings.errors.<code>` is said instead of the general `errors.<code>`). */
export function errorText(error: unknown, t: T, te: Te, scope?: string): string {
  if (error instanceof ApiError) {
    const scoped = scope ? `${scope}.errors.${error.code}` : null
    const key = scoped && te(scoped) ? scoped : `errors.${error.code}`
    const text = te(key) ? t(key) : error.message
    return error.requestId && error.status >= 500 ? `${text} (${error.requestId})` : text
  }
  return error instanceof Error ? error.message : String(error)
}

/** `{ field: message }` from an API validation error, for el-form-item :error. */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (error instanceof ApiError) {
    for (const f of error.fields) out[f.field] = f.message
  }
  return out
}

type Tn = (key: string, named: Record<string, unknown>) => string

/**
 * `{ field: message }` as `fieldErrors`, said in the page's own words where it has them:
 * `<scope>.fields.<field>.<code>` (given `limit`), else the server's message.
 */
export function fieldErrorsIn(error: unknown, t: Tn, te: Te, scope: string): Record<string, string> {
  const out: Record<string, string> = {}
  if (error instanceof ApiError) {
    for (const f of error.fields) {
      const key = `${scope}.fields.${f.field}.${f.code}`
      out[f.field] = te(key) ? t(key, { limit: f.limit ?? '' }) : f.message
    }
  }
  return out
}
