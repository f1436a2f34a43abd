// Reading a Loops answer: status → verdict, rate-limit headers, Retry-After, error body text.
// Loops documents JSON `{success, message}` errors, but load balancers answer HTML or nothing.
import type { RateLimitInfo } from './loops-types'
import { redactSecret } from './redact'

export type Verdict = 'ok' | 'duplicate' | 'retry' | 'reject'

/**
 * 2xx → ok; 409 from events/send → duplicate (the idempotency key was used: it is in Loops);
 * 408, 429, 5xx → retry; 401/403 → retry too: a rejected key is the relay's fault, not the
 * message's, so messages wait for the key to be fixed; other 4xx → reject.
 */
export function classifyStatus(status: number, endpoint: string): Verdict {
  if (status >= 200 && status < 300) return 'ok'
  if (status === 409 && endpoint === 'events/send') return 'duplicate'
  if (status === 408 || status === 429 || status >= 500) return 'retry'
  if (status === 401 || status === 403) return 'retry'
  return 'reject'
}

export function parseRateLimit(headers: Headers): RateLimitInfo | undefined {
  const limit = toCount(headers.get('x-ratelimit-limit'))
  const remaining = toCount(headers.get('x-ratelimit-remaining'))
  if (limit === undefined && remaining === undefined) return undefined
  return {
    ...(limit !== undefined ? { limit } : {}),
    ...(remaining !== undefined ? { remaining } : {}),
  }
}

const MAX_RETRY_AFTER_MS = 3_600_000

/** `Retry-After` as delta-seconds or an HTTP date, in ms, clamped to [0, 1 h]. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const seconds = Number(value)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now
  if (!Number.isFinite(ms)) return undefined
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.round(ms)))
}

const EXCERPT = 160

/**
 * The `message` of a JSON error body, else a short one-line excerpt of whatever came back. The
 * key is removed first, from the whole text: cutting first could leave most of a key behind.
 */
export function describeBody(raw: string, secret?: string): string {
  const text = redactSecret(raw, secret)
  try {
    const data: unknown = JSON.parse(text)
    if (typeof data === 'object' && data !== null) {
      const { message, error } = data as { message?: unknown; error?: unknown }
      if (typeof message === 'string' && message) return excerpt(message)
      if (typeof error === 'string' && error) return excerpt(error)
    }
  } catch {
    // not JSON: fall through to the excerpt
  }
  // An HTML error page reads better without its tags.
  const line = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  if (line === '') return 'empty body'
  return `non-JSON body: ${excerpt(line)}`
}

const excerpt = (text: string) => (text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text)

function toCount(value: string | null): number | undefined {
  if (value === null) return undefined
  const n = Number(value)
  return Number.isFinite(n) && n >= 0 ? n : undefined
}
