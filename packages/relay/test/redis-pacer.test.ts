// The shared Loops budget of redis mode on a real redis-server: pacers of different processes
// (here: different connections) draw from one bucket, and a 429 seen by one pauses all.
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { createRedisPacer } from '../src/delivery/redis-pacer'
import { onCleanup } from './delivery-helpers'
import { startRedisServer } from './helpers/redis-server'

async function pacers(count: number, ratePerSecond: number) {
  const server = await startRedisServer()
  onCleanup(() => server.close())
  return Array.from({ length: count }, () => {
    const redis = new Redis(server.url, { maxRetriesPerRequest: 1 })
    onCleanup(() => void redis.disconnect())
    return createRedisPacer({ redis, prefix: 'test:', ratePerSecond })
  })
}

describe('the shared Redis token bucket', () => {
  it('two pacers together get the burst at once and then share the refill', async () => {
    const [a, b] = await pacers(2, 10) // 9.7/s, burst 5
    if (!a || !b) throw new Error('no pacers')
    const taken: string[] = []
    // Ask for far more than the bucket holds; only the burst is there without waiting.
    for (let i = 0; i < 6; i++) {
      if (await a.tryAcquire(0)) taken.push('a')
      if (await b.tryAcquire(0)) taken.push('b')
    }
    expect(taken).toHaveLength(5)
    expect(taken).toContain('a')
    expect(taken).toContain('b')
    // After that, a token is only there once the bucket refilled.
    expect(await a.tryAcquire(0)).toBe(false)
    expect(await b.tryAcquire(2_000)).toBe(true)
  })

  it('a 429 seen by one pacer pauses the other, for the time Loops asked', async () => {
    const [a, b] = await pacers(2, 10)
    if (!a || !b) throw new Error('no pacers')
    expect(await b.tryAcquire(0)).toBe(true) // tokens are there
    a.observe({ status: 429, retryAfterMs: 5_000 })
    // observe() is fire-and-forget towards Redis; wait until the pause is there.
    const deadline = Date.now() + 2_000
    while (Date.now() < deadline && (await b.tryAcquire(0))) {
      // a token taken before the pause landed: try again
    }
    expect(await b.tryAcquire(300)).toBe(false)
    expect(a.throttled).toBe(1)
  })
})
