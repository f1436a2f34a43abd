import { describe, expect, it } from 'vitest'
import { start, waitFor } from './helpers.js'

describe('rate limit (token bucket per team)', () => {
  it('sends x-ratelimit headers and answers 429 once the bucket is empty', async () => {
    const now = 1_000_000
    const emu = await start({ rateLimit: 3, now: () => now })
    const answers = []
    for (let i = 0; i < 4; i++) answers.push(await emu.call('GET', '/v1/api-key'))
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429])
    expect(answers.map((r) => r.headers.get('x-ratelimit-limit'))).toEqual(['3', '3', '3', '3'])
    expect(answers.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0'])
    expect(answers[3]?.json).toEqual({ success: false, message: 'Rate limit exceeded.' })
    // The 429 is in the request log.
    const log = await emu.inspect<Array<{ status: number }>>('requests')
    expect(log.map((r) => r.status)).toEqual([200, 200, 200, 429])
  })

  it('refills at the limit per second, up to the capacity', async () => {
    let now = 1_000_000
    const emu = await start({ rateLimit: 10, now: () => now })
    for (let i = 0; i < 10; i++) await emu.call('GET', '/v1/api-key')
    expect((await emu.call('GET', '/v1/api-key')).status).toBe(429)
    now += 100 // one token
    const one = await emu.call('GET', '/v1/api-key')
    expect(one.status).toBe(200)
    expect(one.headers.get('x-ratelimit-remaining')).toBe('0')
    expect((await emu.call('GET', '/v1/api-key')).status).toBe(429)
    now += 60_000 // capped at capacity
    const full = await emu.call('GET', '/v1/api-key')
    expect(full.headers.get('x-ratelimit-remaining')).toBe('9')
  })

  it('refills on the real clock too', async () => {
    const emu = await start({ rateLimit: 2 })
    await emu.call('GET', '/v1/api-key')
    await emu.call('GET', '/v1/api-key')
    expect((await emu.call('GET', '/v1/api-key')).status).toBe(429)
    await waitFor(async () => (await emu.call('GET', '/v1/api-key')).status === 200, 5000)
  })

  it('counts every Loops endpoint against one team budget, and 4xx answers too', async () => {
    const emu = await start({ rateLimit: 2, now: () => 5 })
    expect((await emu.update({ email: 'a@example.com' })).status).toBe(200)
    expect((await emu.update({ userId: 'ghost' })).status).toBe(400)
    const limited = await emu.event({ email: 'a@example.com', eventName: 'X' })
    expect(limited.status).toBe(429)
    expect(await emu.inspect('events')).toEqual([])
  })

  it('does not limit the inspection API or the dashboard', async () => {
    const emu = await start({ rateLimit: 1, now: () => 5 })
    await emu.call('GET', '/v1/api-key')
    expect((await emu.call('GET', '/v1/api-key')).status).toBe(429)
    for (let i = 0; i < 5; i++) {
      expect((await fetch(`${emu.url}/_emulator/contacts`)).status).toBe(200)
      expect((await fetch(`${emu.url}/`)).status).toBe(200)
    }
  })

  it('is off with rateLimit 0: no 429 and no rate-limit headers', async () => {
    const emu = await start({ rateLimit: 0 })
    for (let i = 0; i < 30; i++) {
      const res = await emu.call('GET', '/v1/api-key')
      expect(res.status).toBe(200)
      expect(res.headers.get('x-ratelimit-limit')).toBeNull()
    }
  })

  it('defaults to 10 per second like Loops', async () => {
    const emu = await start({ rateLimit: undefined, now: () => 5 })
    const res = await emu.call('GET', '/v1/api-key')
    expect(res.headers.get('x-ratelimit-limit')).toBe('10')
    expect(res.headers.get('x-ratelimit-remaining')).toBe('9')
  })
})
