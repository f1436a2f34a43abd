/**
 * Loops' per-team limit as a token bucket: capacity = limit, refilled at `limit` tokens per
 * second. Loops documents only "10 requests per second per team"; a bucket is the simplest model
 * that allows a short burst of `limit` and then exactly `limit`/s.
 */
export interface TakeResult {
  allowed: boolean
  limit: number
  /** Whole tokens left after this request, as `x-ratelimit-remaining` reports. */
  remaining: number
}

export class TokenBucket {
  readonly limit: number
  private tokens: number
  private last: number

  constructor(
    limit: number,
    private readonly now: () => number,
  ) {
    this.limit = limit
    this.tokens = limit
    this.last = now()
  }

  /** Whether the limit is on at all (`--rate-limit 0` turns it off). */
  get enabled(): boolean {
    return this.limit > 0
  }

  take(): TakeResult {
    this.refill()
    const allowed = this.tokens >= 1
    if (allowed) this.tokens -= 1
    return { allowed, limit: this.limit, remaining: Math.floor(this.tokens) }
  }

  /** Current whole tokens, without taking one (for the dashboard). */
  peek(): number {
    this.refill()
    return Math.floor(this.tokens)
  }

  reset(): void {
    this.tokens = this.limit
    this.last = this.now()
  }

  private refill(): void {
    const at = this.now()
    const elapsed = Math.max(0, at - this.last) / 1000
    this.tokens = Math.min(this.limit, this.tokens + elapsed * this.limit)
    this.last = at
  }
}
