// The delivery queue's fixed timing (ms). Module constants rather than options: the shipped builds
// never import `setQueueTiming`, so the minifier inlines the values (options cost ~34 B gzip).
// Unit tests shorten them; a page has no way (and no reason) to change them.

/** Retry backoff: base × 2^attempt with jitter, capped: about 1 s, at most 5 min. */
export let retryBase = 1e3
export let retryCap = 3e5
/** Tab hand-over: each instance beats this often; a queue whose owner is silent this long is adopted. */
export let heartbeat = 2e3
export let staleAfter = 8e3

export interface QueueTiming {
  retryBase?: number
  retryCap?: number
  heartbeat?: number
  staleAfter?: number
}

/** The wait before retry number `attempt` (0-based): exponential, with jitter in its upper half. */
export const backoffDelay = (attempt: number): number =>
  Math.min(retryCap, retryBase * 2 ** attempt) * (0.5 + Math.random() / 2)

const DEFAULTS = { retryBase, retryCap, heartbeat, staleAfter }

/**
 * Test hook: sets the timing of queues created (heartbeat) or retrying (the rest) from now on;
 * `setQueueTiming()` restores the defaults. Not exported from the package.
 */
export function setQueueTiming(t: QueueTiming = DEFAULTS): void {
  retryBase = t.retryBase ?? DEFAULTS.retryBase
  retryCap = t.retryCap ?? DEFAULTS.retryCap
  heartbeat = t.heartbeat ?? DEFAULTS.heartbeat
  staleAfter = t.staleAfter ?? DEFAULTS.staleAfter
}
