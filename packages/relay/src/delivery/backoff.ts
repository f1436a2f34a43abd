// Exponential backoff with jitter and a cap, for messages the queue retries.

export interface BackoffOptions {
  /** First delay, before jitter. Default 1 s. */
  baseMs?: number
  /** Ceiling of the exponential part. Default 5 min, as the browser queue. */
  capMs?: number
  random?: () => number
}

/**
 * Delay before retry number `attempt` (1-based): "equal jitter" — half the exponential step
 * fixed, half random — so retries spread out but never come back immediately. A `Retry-After`
 * from Loops is a floor.
 */
export function backoffDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  options: BackoffOptions = {},
): number {
  const { baseMs = 1000, capMs = 300_000, random = Math.random } = options
  const step = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1))
  const jittered = step / 2 + random() * (step / 2)
  return Math.round(Math.max(jittered, retryAfterMs ?? 0))
}
