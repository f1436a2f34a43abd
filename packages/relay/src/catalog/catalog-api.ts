// The Loops endpoints the property catalog and `loops-relay doctor` read and write:
// GET /v1/contacts/properties?list=custom, POST /v1/contacts/properties, GET /v1/lists.
// The call itself is the delivery client's (loops-request.ts): one attempt, never rejects,
// key-free errors.
import { type LoopsClientError, LoopsHttpError } from '../errors'
import { createLoopsRequest } from '../loops-request'
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
  const send = createLoopsRequest({
    apiKey: options.apiKey,
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs ?? 10_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })

  async function call<T>(
    method: 'GET' | 'POST',
    endpoint: string,
    read: (data: unknown) => T | undefined,
    json?: unknown,
  ): Promise<CatalogResult<T>> {
    const answer = await send({ method, endpoint, json })
    const { status, rateLimit } = answer
    const extra = rateLimit ? { rateLimit } : {}
    if (!answer.ok) {
      const { retryable, reason, error } = answer
      return {
        ok: false,
        ...(status !== undefined ? { status } : {}),
        retryable,
        reason,
        error,
        ...extra,
      }
    }
    const data = read(parseJson(answer.text))
    if (data !== undefined) return { ok: true, status: answer.status, data, ...extra }
    const error = new LoopsHttpError({
      method,
      path: `/v1/${endpoint}`,
      status: answer.status,
      detail: 'unexpected answer shape',
      retryable: true,
    })
    return {
      ok: false,
      status: answer.status,
      retryable: true,
      reason: error.message,
      error,
      ...extra,
    }
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
