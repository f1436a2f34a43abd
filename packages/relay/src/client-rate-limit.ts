// Per-client limit (docs/protocol.md): `limit` messages per minute per client key (IP + anonymous
// id), as a token bucket so a burst up to the limit passes and the rest is spread over the minute.
// In-memory and per instance: it protects this process from one noisy or hostile client.

export interface ClientRateLimiter {
  /** Takes `count` messages' worth of tokens, or none at all. */
  take(key: string, count: number): RateDecision
  size(): number
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number }

interface Bucket {
  tokens: number
  updatedAt: number
}

export interface ClientRateLimitOptions {
  /** Messages per minute; 0 turns the limiter off. */
  limit: number
  now?: () => number
  /** Bound on remembered clients; full (idle) buckets are evicted first, then the oldest. */
  maxClients?: number
}

export function createClientRateLimiter(options: ClientRateLimitOptions): ClientRateLimiter {
  const { limit } = options
  const now = options.now ?? Date.now
  const maxClients = options.maxClients ?? 50_000
  const perMs = limit / 60_000
  const buckets = new Map<string, Bucket>()

  function bucketFor(key: string): Bucket {
    const time = now()
    let bucket = buckets.get(key)
    if (bucket === undefined) {
      if (buckets.size >= maxClients) evict(time)
      bucket = { tokens: limit, updatedAt: time }
    } else {
      buckets.delete(key) // re-inserted below: Map order doubles as least-recently-used order
      bucket.tokens = Math.min(limit, bucket.tokens + (time - bucket.updatedAt) * perMs)
      bucket.updatedAt = time
    }
    buckets.set(key, bucket)
    return bucket
  }

  function evict(time: number): void {
    for (const [key, bucket] of buckets) {
      if (bucket.tokens + (time - bucket.updatedAt) * perMs >= limit) buckets.delete(key)
    }
    // Still full of active clients: drop the least recently seen tenth.
    let toDrop = buckets.size >= maxClients ? Math.ceil(maxClients / 10) : 0
    for (const key of buckets.keys()) {
      if (toDrop-- <= 0) break
      buckets.delete(key)
    }
  }

  function deny(bucket: Bucket, needed: number): RateDecision {
    const waitMs = (needed - bucket.tokens) / perMs
    return { ok: false, retryAfterSeconds: Math.min(60, Math.max(1, Math.ceil(waitMs / 1000))) }
  }

  return {
    take(key, count) {
      if (limit === 0 || count <= 0) return { ok: true }
      const bucket = bucketFor(key)
      // A batch bigger than the whole budget can pass once the bucket is full.
      const needed = Math.min(count, limit)
      if (bucket.tokens < needed) return deny(bucket, needed)
      bucket.tokens -= needed
      return { ok: true }
    },
    size: () => buckets.size,
  }
}
