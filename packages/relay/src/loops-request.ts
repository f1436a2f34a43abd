// One call to the Loops API over ky, shared by the delivery client (loops-client.ts) and the
// catalog (catalog/catalog-api.ts): one attempt, a deadline that also bounds reading the body,
// the status classified, and errors that never carry the key. Never rejects.
import ky, { TimeoutError } from 'ky'
import { LoopsHttpError, LoopsNetworkError, LoopsTimeoutError } from './errors'
import { classifyStatus, describeBody, parseRateLimit, parseRetryAfter } from './loops-response'
import type { LoopsFailure, LoopsSuccess } from './loops-types'

export interface LoopsRequestOptions {
  /** Sent as the bearer token, and redacted from every error text. */
  apiKey: string
  /** e.g. `https://app.loops.so/api`; a trailing slash is dropped. */
  baseUrl: string
  timeoutMs: number
  fetch?: typeof fetch
}

export interface LoopsCall {
  method: 'GET' | 'PUT' | 'POST'
  /** Below `/v1/`, e.g. `contacts/update` or `lists`. */
  endpoint: string
  json?: unknown
  headers?: Record<string, string>
}

/** A 2xx (or a duplicate) with the body text for the caller to read, or a key-free failure. */
export type LoopsAnswer = (LoopsSuccess & { text: string }) | LoopsFailure

export type LoopsRequest = (call: LoopsCall) => Promise<LoopsAnswer>

export function createLoopsRequest(options: LoopsRequestOptions): LoopsRequest {
  const { apiKey, timeoutMs } = options
  const api = ky.create({
    prefixUrl: options.baseUrl.replace(/\/+$/, ''),
    timeout: timeoutMs,
    retry: 0,
    throwHttpErrors: false,
    headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })

  return async ({ method, endpoint, json, headers }) => {
    const path = `/v1/${endpoint}`
    const started = performance.now()
    const elapsed = () => Math.round(performance.now() - started)
    let response: Response
    let text: string
    // ky's timeout ends when the headers arrive; this one also bounds reading the body, so a
    // stalled answer cannot hold a queue slot for ever.
    const deadline = AbortSignal.timeout(timeoutMs)
    try {
      // Only set keys: ky treats an explicit `headers: undefined` as "no headers at all".
      response = await api(`v1/${endpoint}`, {
        method,
        signal: deadline,
        ...(json !== undefined ? { json } : {}),
        ...(headers ? { headers } : {}),
      })
      text = await response.text()
    } catch (cause) {
      // Never keep ky's error: its `request` carries the Authorization header.
      const error =
        cause instanceof TimeoutError || deadline.aborted
          ? new LoopsTimeoutError({ method, path, timeoutMs })
          : new LoopsNetworkError({ method, path, code: networkCode(cause) })
      return { ok: false, latencyMs: elapsed(), retryable: true, reason: error.message, error }
    }
    const status = response.status
    const rateLimit = parseRateLimit(response.headers)
    const verdict = classifyStatus(status, endpoint)
    if (verdict === 'ok' || verdict === 'duplicate') {
      return {
        ok: true,
        status,
        latencyMs: elapsed(),
        text,
        ...(verdict === 'duplicate' ? { duplicate: true } : {}),
        ...(rateLimit ? { rateLimit } : {}),
      }
    }
    const retryable = verdict === 'retry'
    const detail = describeBody(text, apiKey) // redacts the key before it cuts
    const error = new LoopsHttpError({ method, path, status, detail, retryable })
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
    return {
      ok: false,
      status,
      latencyMs: elapsed(),
      retryable,
      reason: error.message,
      error,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      ...(rateLimit ? { rateLimit } : {}),
    }
  }
}

/**
 * undici reports `TypeError: fetch failed` with the socket error as `cause.code`. Only a code
 * that looks like one (ECONNREFUSED, UND_ERR_SOCKET) is kept: a custom fetch may put anything
 * there, the key included.
 */
function networkCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause
  if (typeof cause?.code === 'string' && /^[A-Z][A-Z0-9_]{1,39}$/.test(cause.code)) {
    return cause.code
  }
  return error instanceof Error && /^\w{1,40}$/.test(error.name) ? error.name : undefined
}
