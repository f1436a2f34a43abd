// The Loops endpoints the property catalog and `loops-relay doctor` read and write:
// GET /v1/contacts/properties?list=custom, POST /v1/contacts/properties, GET /v1/lists.
// Same rules as the delivery client (loops-client.ts): one attempt, never rejects, key-free errors.
import ky, { TimeoutError } from 'ky'
import {
  type LoopsClientError,
  LoopsHttpError,
  LoopsNetworkError,
  LoopsTimeoutError,
} from '../errors'
import { classifyStatus, describeBody, parseRateLimit } from '../loops-response'
import type { RateLimitInfo } from '../loops-types'

export type PropertyType = 'string' | 'number' | 'boolean' | 'date'

/** A custom contact property as Loops lists it. */
export interface LoopsProperty {
  key: string
  type: PropertyType
}

/** A mailing list as Loops lists it. */
export interface LoopsList {
  id: string
  name: string
}

export type CatalogResult<T> =
  | { ok: true; status: number; data: T; rateLimit?: RateLimitInfo }
  | {
      ok: false
      status?: number
      retryable: boolean
      reason: string
      rateLimit?: RateLimitInfo
      error: LoopsClientError
    }

export interface CatalogApi {
  customProperties(): Promise<CatalogResult<LoopsProperty[]>>
  mailingLists(): Promise<CatalogResult<LoopsList[]>>
  createProperty(name: string, type: PropertyType): Promise<CatalogResult<null>>
}

export interface CatalogApiOptions {
  apiKey: string
  baseUrl: string
  timeoutMs?: number
  fetch?: typeof fetch
}

const TYPES: ReadonlySet<string> = new Set(['string', 'number', 'boolean', 'date'])

export function createCatalogApi(options: CatalogApiOptions): CatalogApi {
  const { apiKey, timeoutMs = 10_000 } = options
  const api = ky.create({
    prefixUrl: options.baseUrl.replace(/\/+$/, ''),
    timeout: timeoutMs,
    retry: 0,
    throwHttpErrors: false,
    headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })

  async function call<T>(
    method: 'GET' | 'POST',
    endpoint: string,
    read: (data: unknown) => T | undefined,
    json?: unknown,
  ): Promise<CatalogResult<T>> {
    const path = `/v1/${endpoint}`
    const deadline = AbortSignal.timeout(timeoutMs)
    let response: Response
    let text: string
    try {
      response = await api(`v1/${endpoint}`, {
        method,
        signal: deadline,
        ...(json !== undefined ? { json } : {}),
      })
      text = await response.text()
    } catch (cause) {
      // Never keep ky's error: its `request` carries the Authorization header.
      const error =
        cause instanceof TimeoutError || deadline.aborted
          ? new LoopsTimeoutError({ method, path, timeoutMs })
          : new LoopsNetworkError({ method, path, code: networkCode(cause) })
      return { ok: false, retryable: true, reason: error.message, error }
    }
    const { status } = response
    const rateLimit = parseRateLimit(response.headers)
    const extra = rateLimit ? { rateLimit } : {}
    const verdict = classifyStatus(status, endpoint)
    if (verdict === 'ok') {
      const data = read(parseJson(text))
      if (data !== undefined) return { ok: true, status, data, ...extra }
      const error = new LoopsHttpError({
        method,
        path,
        status,
        detail: 'unexpected answer shape',
        retryable: true,
      })
      return { ok: false, status, retryable: true, reason: error.message, error, ...extra }
    }
    const retryable = verdict === 'retry'
    const detail = describeBody(text, apiKey) // redacts the key before it cuts
    const error = new LoopsHttpError({ method, path, status, detail, retryable })
    return { ok: false, status, retryable, reason: error.message, error, ...extra }
  }

  return {
    customProperties: () => call('GET', 'contacts/properties?list=custom', readProperties),
    mailingLists: () => call('GET', 'lists', readLists),
    createProperty: (name, type) => call('POST', 'contacts/properties', () => null, { name, type }),
  }
}

function readProperties(data: unknown): LoopsProperty[] | undefined {
  if (!Array.isArray(data)) return undefined
  const out: LoopsProperty[] = []
  for (const item of data) {
    const { key, type } = (item ?? {}) as { key?: unknown; type?: unknown }
    if (typeof key === 'string' && typeof type === 'string' && TYPES.has(type)) {
      out.push({ key, type: type as PropertyType })
    }
  }
  return out
}

function readLists(data: unknown): LoopsList[] | undefined {
  if (!Array.isArray(data)) return undefined
  const out: LoopsList[] = []
  for (const item of data) {
    const { id, name } = (item ?? {}) as { id?: unknown; name?: unknown }
    if (typeof id === 'string') out.push({ id, name: typeof name === 'string' ? name : id })
  }
  return out
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** undici reports `TypeError: fetch failed` with the socket error as `cause.code`. */
function networkCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause
  if (typeof cause?.code === 'string') return cause.code
  return error instanceof Error ? error.name : undefined
}
