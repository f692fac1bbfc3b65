// The one way the console talks to the API: JSON in and out, the error envelope turned into
// an ApiError with the stable code and field errors, and a hook for expired sessions.

import { currentLocale } from '../i18n'

export interface FieldError {
  field: string
  code: string
  message: string
  limit?: number
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public fields: FieldError[] = [],
    public requestId?: string,
    public extra: Record<string, unknown> = {},
  ) {
    super(message)
  }

  /** The message for one field, if the API complained about it. */
  field(name: string): string | undefined {
    return this.fields.find((f) => f.field === name)?.message
  }

  get isNetwork(): boolean {
    return this.code === 'network'
  }
}

type Listener = (error: ApiError) => void
const unauthorizedListeners: Listener[] = []

/** Called when the session is gone (expired, logged out elsewhere). */
export function onUnauthorized(listener: Listener): void {
  unauthorizedListeners.push(listener)
}

export interface RequestOptions {
  idempotencyKey?: string
  signal?: AbortSignal
  /** Do not treat a 401 as "session gone" (the login form itself). */
  quiet401?: boolean
}

export async function request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { 'accept-language': currentLocale() }
  // A file goes as its bytes; anything else as JSON.
  const raw = body instanceof Blob
  if (body !== undefined) headers['content-type'] = raw ? 'application/octet-stream' : 'application/json'
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey
  let response: Response
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
      signal: options.signal,
    })
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e
    throw new ApiError(0, 'network', (e as Error).message)
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let data: any = null
  try {
    data = text ? JSON.parse(text) : null
  } catch {
    data = null
  }
  if (!response.ok) throw failure(response, data, options)
  return data as T
}

/** The API's error envelope as an ApiError; a 401 tells the listeners the session is gone. */
function failure(response: Response, data: any, options: RequestOptions): ApiError {
  const e = data?.error ?? {}
  const { code, message, fields, request_id, ...extra } = e
  const error = new ApiError(response.status, code ?? 'internal', message ?? response.statusText, fields ?? [], request_id, extra)
  if (response.status === 401 && !options.quiet401) unauthorizedListeners.forEach((l) => l(error))
  return error
}

/** A file the API answers (an export asked for with a body): its bytes and the
 * `Content-Disposition` header naming it; errors as for `request`. */
export async function requestFile(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<{ blob: Blob; disposition: string | null }> {
  const headers: Record<string, string> = { 'accept-language': currentLocale() }
  if (body !== undefined) headers['content-type'] = 'application/json'
  let response: Response
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options.signal,
    })
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e
    throw new ApiError(0, 'network', (e as Error).message)
  }
  if (!response.ok) {
    const text = await response.text()
    let data: any = null
    try {
      data = text ? JSON.parse(text) : null
    } catch {
      data = null
    }
    throw failure(response, data, options)
  }
  return { blob: await response.blob(), disposition: response.headers.get('content-disposition') }
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, undefined, options),
  post: <T>(path: string, body: unknown = {}, options?: RequestOptions) => request<T>('POST', path, body, options),
  patch: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>('PATCH', path, body, options),
  put: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>('PUT', path, body, options),
  delete: <T>(path: string, options?: RequestOptions) => request<T>('DELETE', path, undefined, options),
  /** Sends a file's bytes (`POST /files?file_name=…`). */
  upload: <T>(path: string, file: Blob, options?: RequestOptions) => request<T>('POST', path, file, options),
}

/** `?a=1&b=x`, leaving out empty values. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

/** A fresh idempotency key per logical submission (a retry reuses it). */
export function newIdempotencyKey(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now()}-${Math.random().toString(16).slice(2)}`
}
