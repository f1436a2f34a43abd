// The Loops API client (ky). One attempt per call: retries, backoff and pacing belong to the
// delivery modes, so every call resolves — never rejects — to a typed LoopsResult.
import ky, { TimeoutError } from 'ky'
import { LoopsHttpError, LoopsNetworkError, LoopsTimeoutError } from './errors'
import { classifyStatus, describeBody, parseRateLimit, parseRetryAfter } from './loops-response'
import type { LoopsClient, LoopsResult } from './loops-types'

export type {
  LoopsClient,
  LoopsContactBody,
  LoopsEventBody,
  LoopsFailure,
  LoopsResult,
  LoopsSuccess,
  LoopsValue,
  RateLimitInfo,
} from './loops-types'

export interface LoopsClientOptions {
  /**
   * The Loops API key. May be absent only against the emulator (config allows that for loopback
   * URLs alone); a placeholder token is sent then, which an emulator without `--api-key` accepts.
   */
  apiKey?: string | undefined
  /** Default `https://app.loops.so/api`; the emulator's is `http://127.0.0.1:<port>/api`. */
  baseUrl?: string
  timeoutMs?: number
  fetch?: typeof fetch
}

export function createLoopsClient(options: LoopsClientOptions): LoopsClient {
  const { timeoutMs = 10_000 } = options
  const apiKey = options.apiKey || 'no-key'
  const baseUrl = (options.baseUrl ?? 'https://app.loops.so/api').replace(/\/+$/, '')
  const api = ky.create({
    prefixUrl: baseUrl,
    timeout: timeoutMs,
    retry: 0,
    throwHttpErrors: false,
    headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })

  async function call(
    method: 'GET' | 'PUT' | 'POST',
    endpoint: string,
    json?: unknown,
    headers?: Record<string, string>,
  ): Promise<LoopsResult> {
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
      const teamName = endpoint === 'api-key' ? readTeamName(text) : undefined
      return {
        ok: true,
        status,
        latencyMs: elapsed(),
        ...(verdict === 'duplicate' ? { duplicate: true } : {}),
        ...(rateLimit ? { rateLimit } : {}),
        ...(teamName ? { teamName } : {}),
      }
    }
    const retryable = verdict === 'retry'
    const detail = describeBody(text, apiKey)
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

  return {
    updateContact: (body) => call('PUT', 'contacts/update', body),
    sendEvent: (body, idempotencyKey) =>
      call('POST', 'events/send', body, { 'idempotency-key': idempotencyKey }),
    testApiKey: () => call('GET', 'api-key'),
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

function readTeamName(text: string): string | undefined {
  try {
    const data: unknown = JSON.parse(text)
    const name = (data as { teamName?: unknown } | null)?.teamName
    return typeof name === 'string' ? name : undefined
  } catch {
    return undefined
  }
}
