// The token bucket on a fake clock: deterministic, no wall-clock timing.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPacer } from '../src/pacer'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

/** Takes tokens for `ms` of fake time; returns how many were granted. */
async function grantedWithin(pacer: ReturnType<typeof createPacer>, ms: number, asks = 1000) {
  let granted = 0
  for (let i = 0; i < asks; i++) {
    void pacer.acquire().then((ok) => {
      if (ok) {
        granted += 1
        pacer.observe({ status: 200 })
      }
    })
  }
  await vi.advanceTimersByTimeAsync(ms)
  return granted
}

describe('pacer (token bucket on the relay clock)', () => {
  it('starts with a burst of half the limit, then grants the target rate', async () => {
    const pacer = createPacer({ ratePerSecond: 10, now: () => Date.now() })
    expect(pacer.stats()).toMatchObject({ limit: 10, tokens: 5 })
    // 5 at once, then 9.7/s for 10 s → 5 + 97 (timers round up to whole ms: one may slip).
    const granted = await grantedWithin(pacer, 10_000)
    expect(granted).toBeGreaterThanOrEqual(101)
    expect(granted).toBeLessThanOrEqual(102)
    expect(pacer.stats().waiting).toBe(1000 - granted)
  })

  it('never grants more than the configured limit per second, for any limit', async () => {
    for (const limit of [1, 5, 20]) {
      const pacer = createPacer({ ratePerSecond: limit, now: () => Date.now() })
      const granted = await grantedWithin(pacer, 5_000, 500)
      const burst = Math.max(1, Math.floor(limit / 2))
      expect(granted).toBeLessThanOrEqual(burst + 5 * limit)
      expect(granted).toBeGreaterThanOrEqual(Math.floor(burst + 5 * limit * 0.95))
    }
  })

  it('slows down and pauses after a 429, then recovers towards the target', async () => {
    const pacer = createPacer({ ratePerSecond: 10, now: () => Date.now() })
    expect(await pacer.acquire()).toBe(true)
    pacer.observe({ status: 429, retryAfterMs: 2_000 })
    const after = pacer.stats()
    expect(after.throttled).toBe(1)
    expect(after.rate).toBeLessThan(9.7)
    expect(after.pausedForMs).toBe(2_000)
    let granted = false
    void pacer.acquire().then((ok) => {
      granted = ok
    })
    await vi.advanceTimersByTimeAsync(1_999)
    expect(granted).toBe(false) // paused: Loops asked for 2 s
    await vi.advanceTimersByTimeAsync(500)
    expect(granted).toBe(true)
    pacer.observe({ status: 200 })
    await vi.advanceTimersByTimeAsync(20_000)
    expect(pacer.stats().rate).toBeCloseTo(9.7, 5)
  })

  it('holds no more tokens than x-ratelimit-remaining says Loops has left', async () => {
    const pacer = createPacer({ ratePerSecond: 10, now: () => Date.now() })
    expect(await pacer.acquire()).toBe(true)
    pacer.observe({ status: 200, rateLimit: { limit: 10, remaining: 1 } })
    expect(pacer.stats().tokens).toBeLessThanOrEqual(1)
    expect(await pacer.acquire()).toBe(true)
    pacer.observe({ status: 200, rateLimit: { limit: 10, remaining: 0 } })
    expect(pacer.stats().pausedForMs).toBeGreaterThan(0)
  })

  it('follows a lower limit announced by Loops', async () => {
    const pacer = createPacer({ ratePerSecond: 10, now: () => Date.now() })
    expect(await pacer.acquire()).toBe(true)
    pacer.observe({ status: 200, rateLimit: { limit: 4 } })
    expect(pacer.stats().rate).toBeCloseTo(4 * 0.97, 5)
  })

  it('tryAcquire refuses at once when no token comes in time; release gives one back', async () => {
    const pacer = createPacer({ ratePerSecond: 1, now: () => Date.now() })
    expect(await pacer.tryAcquire(100)).toBe(true) // the burst of 1
    expect(await pacer.tryAcquire(100)).toBe(false) // next token in ~1 s
    pacer.release()
    expect(await pacer.tryAcquire(0)).toBe(true)
  })

  it('acquire resolves false when aborted', async () => {
    const pacer = createPacer({ ratePerSecond: 1, now: () => Date.now() })
    expect(await pacer.acquire()).toBe(true)
    const abort = new AbortController()
    const pending = pacer.acquire(abort.signal)
    abort.abort()
    expect(await pending).toBe(false)
    expect(pacer.stats().waiting).toBe(0)
  })
})
