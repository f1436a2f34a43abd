// One Loops budget for every relay process on a Redis: a token bucket kept in Redis and changed
// only by Lua scripts on Redis' own clock, so any number of workers together stay under
// RELAY_LOOPS_RATE_LIMIT. A 429 (or Loops saying its budget is spent) pauses the bucket itself,
// which slows every worker at once, not only the one that saw it.
//
// Why not BullMQ's `limiter`: it is a fixed window that counts every job a worker starts, and a
// job that only finds its contact's earlier message still pending (see redis-lanes.ts) would
// spend a Loops slot without calling Loops. Loops' own limit is a token bucket; this is one too.
import type { Redis } from 'ioredis'
import type { Pacer, PacerFeedback, PacerStats } from '../pacer'

export interface RedisPacerOptions {
  redis: Redis
  /** Key prefix shared by every relay of one Loops team. */
  prefix: string
  /** RELAY_LOOPS_RATE_LIMIT: the team's total, requests per second. */
  ratePerSecond: number
  /** Share of the limit to use; the rest absorbs clock and network jitter. Default 0.97. */
  targetRatio?: number
  /** Bucket capacity. Default half the limit, as the in-process pacer. */
  burst?: number
}

// KEYS[1] bucket hash {tokens, at}; KEYS[2] pause-until (ms). ARGV rate/s, burst, op.
// op take: takes a token, returns 0, or the ms to wait before trying again.
// op give: returns one token (a call that was not made).
// op pause ARGV[4] ms: no token for that long, and the bucket starts empty after it.
// op cap ARGV[4] n: never more tokens than n (Loops said how many calls are left).
const BUCKET_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate, burst, op = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if now > at then
  local from = math.max(at, paused)
  if now > from then tokens = math.min(burst, tokens + (now - from) * rate / 1000) end
  at = now
end
local result = 0
if op == 'take' then
  if paused > now then
    result = paused - now
  elseif tokens >= 1 then
    tokens = tokens - 1
  else
    result = math.ceil((1 - tokens) * 1000 / rate)
  end
elseif op == 'give' then
  tokens = math.min(burst, tokens + 1)
elseif op == 'pause' then
  local untilMs = now + tonumber(ARGV[4])
  if untilMs > paused then redis.call('SET', KEYS[2], untilMs, 'PX', tonumber(ARGV[4]) + 1000) end
  tokens = math.min(tokens, 0)
elseif op == 'cap' then
  tokens = math.min(tokens, tonumber(ARGV[4]))
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', at)
redis.call('PEXPIRE', KEYS[1], 60000)
return result`

/** Longest single sleep between two tries, so a stop or a faster bucket is noticed soon. */
const MAX_SLEEP_MS = 500
/** While Redis is unreachable, try again this often. */
const OFFLINE_RETRY_MS = 1_000

export interface RedisPacer extends Pacer {
  /** Number of 429s this process saw. */
  readonly throttled: number
}

type BucketOp = 'take' | 'give' | 'pause' | 'cap'

export function createRedisPacer(options: RedisPacerOptions): RedisPacer {
  const { redis, prefix } = options
  const limit = options.ratePerSecond
  const ratio = options.targetRatio ?? 0.97
  let rate = limit * ratio
  const burst = Math.max(1, options.burst ?? Math.floor(limit / 2))
  const keys = [`${prefix}pacer:bucket`, `${prefix}pacer:pause`]
  let throttled = 0
  let waiting = 0
  let lastWaitMs = 0

  // Called by SHA1 (EVALSHA) after the first time, as the lane scripts.
  const commands = redis as unknown as Record<
    string,
    ((...a: string[]) => Promise<unknown>) | undefined
  >
  if (!commands.loopsRelayBucket) {
    redis.defineCommand('loopsRelayBucket', { lua: BUCKET_SCRIPT, numberOfKeys: 2 })
  }
  const run = async (op: BucketOp, arg?: number): Promise<number> => {
    const args = [String(rate), String(burst), op, ...(arg === undefined ? [] : [String(arg)])]
    const bucket = commands.loopsRelayBucket as (...a: string[]) => Promise<unknown>
    return Number(await bucket.apply(redis, [...keys, ...args]))
  }
  // Feedback is best effort: a lost pause costs at most one more 429, which pauses again.
  const quietly = (op: BucketOp, arg?: number) => {
    run(op, arg).catch(() => undefined)
  }

  async function take(deadline: number, signal?: AbortSignal): Promise<boolean> {
    waiting++
    try {
      for (;;) {
        if (signal?.aborted) return false
        let waitMs: number
        try {
          waitMs = await run('take')
        } catch {
          waitMs = OFFLINE_RETRY_MS // Redis unreachable: no token to be had; try again
        }
        lastWaitMs = waitMs
        if (waitMs === 0) return true
        const sleepMs = Math.min(waitMs, MAX_SLEEP_MS, Math.max(0, deadline - Date.now()))
        if (sleepMs <= 0) return false
        if (!(await sleep(sleepMs, signal))) return false
      }
    } finally {
      waiting--
    }
  }

  return {
    acquire: (signal) => take(Number.POSITIVE_INFINITY, signal),
    tryAcquire: (maxWaitMs) => take(Date.now() + maxWaitMs),
    release: () => quietly('give'),
    observe({ status, rateLimit, retryAfterMs }: PacerFeedback) {
      if (rateLimit?.limit !== undefined && rateLimit.limit > 0) {
        // Loops' own figure wins when it is lower than the configured one.
        rate = Math.min(limit, rateLimit.limit) * ratio
      }
      if (status === 429) {
        throttled++
        quietly('pause', Math.max(1, Math.round(retryAfterMs ?? 1000)))
      } else if (rateLimit?.remaining !== undefined) {
        if (rateLimit.remaining < 1) quietly('pause', Math.ceil(1000 / rate))
        else quietly('cap', rateLimit.remaining)
      }
    },
    stats(): PacerStats {
      return { limit, rate, tokens: 0, pausedForMs: lastWaitMs, waiting, throttled }
    },
    get throttled() {
      return throttled
    },
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', abort)
      resolve(ok)
    }
    const abort = () => done(false)
    const timer = setTimeout(() => done(true), ms)
    signal?.addEventListener('abort', abort, { once: true })
  })
}
