// Loops allows 10 requests/s per team. The pacer is a token bucket on the relay's own clock,
// run a little under the limit, that also slows down when Loops says it is close (429,
// x-ratelimit-remaining): all Loops calls of a relay take a token first.
import type { RateLimitInfo } from './loops-types'

export interface PacerOptions {
  /** RELAY_LOOPS_RATE_LIMIT: Loops requests per second allowed for the team. Default 10. */
  ratePerSecond?: number
  /** Share of the limit to use; the rest absorbs clock and network jitter. Default 0.97. */
  targetRatio?: number
  /** Bucket capacity. Default half the limit: a burst leaves Loops' own bucket half full. */
  burst?: number
  now?: () => number
}

/** What a Loops answer says about the shared budget. */
export interface PacerFeedback {
  status?: number
  rateLimit?: RateLimitInfo
  retryAfterMs?: number
}

export interface PacerStats {
  limit: number
  rate: number
  tokens: number
  pausedForMs: number
  waiting: number
  throttled: number
}

export interface Pacer {
  /** Resolves true once a token is taken (every Loops call takes one), false if aborted first. */
  acquire(signal?: AbortSignal): Promise<boolean>
  /** Takes a token if one comes within `maxWaitMs`, else resolves false (direct mode). */
  tryAcquire(maxWaitMs: number): Promise<boolean>
  /** Returns a token taken for a call that was not made. */
  release(): void
  /** Feeds back a Loops answer (success or failure) for a call that took a token. */
  observe(feedback: PacerFeedback): void
  stats(): PacerStats
}

interface Waiter {
  resolve(ok: boolean): void
  timer?: ReturnType<typeof setTimeout>
}

const MIN_SHARE = 0.25 // after 429s the rate falls to at most a quarter of the target
const BACKOFF_FACTOR = 0.7
const RECOVERY_PER_SECOND = 0.1 // of the target rate, regained per second without a 429

export function createPacer(options: PacerOptions = {}): Pacer {
  const now = options.now ?? (() => performance.now())
  const limit = options.ratePerSecond ?? 10
  const ratio = options.targetRatio ?? 0.97
  const burst = Math.max(1, options.burst ?? Math.floor(limit / 2))
  let target = limit * ratio
  let rate = target
  let tokens = burst
  let last = now()
  let pausedUntil = 0
  let outstanding = 0 // tokens taken whose answer has not come back yet
  let throttled = 0
  const waiters: Waiter[] = []
  let timer: ReturnType<typeof setTimeout> | undefined

  function refill(): void {
    const at = now()
    const seconds = Math.max(0, at - last) / 1000
    last = at
    if (rate < target) rate = Math.min(target, rate + target * RECOVERY_PER_SECOND * seconds)
    if (at >= pausedUntil) tokens = Math.min(burst, tokens + seconds * rate)
  }

  function pump(): void {
    refill()
    while (waiters.length > 0 && now() >= pausedUntil && tokens >= 1) {
      tokens -= 1
      outstanding += 1
      const waiter = waiters.shift() as Waiter
      if (waiter.timer) clearTimeout(waiter.timer)
      waiter.resolve(true)
    }
    schedule()
  }

  function nextTokenInMs(position: number): number {
    refill()
    const pause = Math.max(0, pausedUntil - now())
    const missing = Math.max(0, position + 1 - tokens)
    return pause + (missing * 1000) / rate
  }

  function schedule(): void {
    if (timer) clearTimeout(timer)
    timer = undefined
    if (waiters.length === 0) return
    timer = setTimeout(pump, Math.max(1, Math.ceil(nextTokenInMs(0))))
  }

  function enqueue(maxWaitMs?: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false)
    return new Promise<boolean>((resolve) => {
      const giveUp = () => {
        const at = waiters.indexOf(waiter)
        if (at < 0) return
        waiters.splice(at, 1)
        if (waiter.timer) clearTimeout(waiter.timer)
        resolve(false)
        schedule()
      }
      const waiter: Waiter = {
        resolve: (ok) => {
          signal?.removeEventListener('abort', giveUp)
          resolve(ok)
        },
      }
      if (maxWaitMs !== undefined) waiter.timer = setTimeout(giveUp, maxWaitMs)
      signal?.addEventListener('abort', giveUp, { once: true })
      waiters.push(waiter)
      pump()
    })
  }

  return {
    acquire(signal) {
      return enqueue(undefined, signal)
    },
    tryAcquire(maxWaitMs) {
      if (nextTokenInMs(waiters.length) > maxWaitMs) return Promise.resolve(false)
      return enqueue(maxWaitMs)
    },
    release() {
      outstanding = Math.max(0, outstanding - 1)
      tokens = Math.min(burst, tokens + 1)
      pump()
    },
    observe({ status, rateLimit, retryAfterMs }) {
      refill()
      outstanding = Math.max(0, outstanding - 1)
      if (rateLimit?.limit !== undefined && rateLimit.limit > 0) {
        // Loops' own figure wins when it is lower than the configured one.
        target = Math.min(limit, rateLimit.limit) * ratio
        rate = Math.min(rate, target)
      }
      if (status === 429) {
        throttled += 1
        pausedUntil = Math.max(pausedUntil, now() + (retryAfterMs ?? 1000))
        rate = Math.max(target * MIN_SHARE, rate * BACKOFF_FACTOR)
        tokens = Math.min(tokens, 0)
      } else if (rateLimit?.remaining !== undefined) {
        // Never hold more tokens than Loops says are left, minus calls still on their way.
        tokens = Math.min(tokens, rateLimit.remaining - outstanding)
        if (rateLimit.remaining < 1) pausedUntil = Math.max(pausedUntil, now() + 1000 / rate)
      }
      tokens = Math.max(tokens, -burst)
      schedule()
    },
    stats() {
      refill()
      return {
        limit,
        rate,
        tokens,
        pausedForMs: Math.max(0, pausedUntil - now()),
        waiting: waiters.length,
        throttled,
      }
    },
  }
}
