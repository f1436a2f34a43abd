// Attacks on the per-client rate limit: choosing or sharing someone else's bucket through
// forwarding headers, big batches, heavy bodies while limited, and mounts with no address.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Relay } from '../src/relay'
import { emulator, event, post, relayFor, served, type TestEmulator } from './http-harness'

let emu: TestEmulator
beforeAll(async () => {
  emu = await emulator()
})
beforeEach(() => emu.reset())

let seq = 0
const events = (n: number) => Array.from({ length: n }, () => event(`hc${++seq}`))

/** In-process, as a mount calls it: no socket address unless `clientIp` is given. */
const mounted = (
  relay: Relay,
  body: unknown,
  headers: Record<string, string> = {},
  clientIp?: string,
) =>
  relay.fetch(
    new Request('https://shop.example/v1/batch', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...headers },
      body: JSON.stringify(body),
    }),
    clientIp === undefined ? {} : { clientIp },
  )

describe('hostile clients', () => {
  it('leftmost X-Forwarded-For cannot choose the client bucket', async () => {
    // One proxy in front: it appends the peer it saw, so the attacker is the rightmost entry.
    const { url } = await served(relayFor(emu, { clientRateLimit: 2, trustProxy: 1 }).relay)
    const attacker = '198.51.100.66'
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      const spoofed = `203.0.113.${i}, ${attacker}`
      statuses.push((await post(url, { batch: events(2) }, { 'x-forwarded-for': spoofed })).status)
    }
    expect(statuses).toEqual([200, 429, 429, 429, 429])
    // The victim whose address the attacker wrote on the left still has its whole budget.
    const victim = await post(url, { batch: events(2) }, { 'x-forwarded-for': '203.0.113.0' })
    expect(victim.status).toBe(200)
  })

  it('X-Forwarded-For and X-Real-IP choose nothing when no proxy is trusted', async () => {
    const { url } = await served(relayFor(emu, { clientRateLimit: 2 }).relay)
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      const headers = { 'x-forwarded-for': `203.0.113.${i}`, 'x-real-ip': `192.0.2.${i}` }
      statuses.push((await post(url, { batch: events(2) }, headers)).status)
    }
    expect(statuses).toEqual([200, 429, 429, 429])
  })

  it('a 100-message batch is charged 100 messages', async () => {
    const { url } = await served(relayFor(emu, { clientRateLimit: 10, loopsRateLimit: 1000 }).relay)
    const big = await post(url, { batch: events(100) })
    expect(big.status).toBe(200)
    expect(await big.json()).toMatchObject({ accepted: 100 })
    // 90 messages in debt at 10 a minute: not one more message for nine minutes.
    const next = await post(url, { batch: events(1) })
    expect(next.status).toBe(429)
    expect(Number(next.headers.get('retry-after'))).toBe(60)
  })

  it("a rate-limited client's heavy body is not read", async () => {
    const { relay } = relayFor(emu, { clientRateLimit: 1 })
    const ip = '198.51.100.20'
    // 10 messages: the address budget (10× the client's) is spent.
    expect((await mounted(relay, { batch: events(10) }, {}, ip)).status).toBe(200)
    let read = 0
    const heavy = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          read += 64 * 1024
          controller.enqueue(new Uint8Array(64 * 1024).fill(0x20))
          if (read >= 4 * 64 * 1024) controller.close()
        },
      },
      { highWaterMark: 0 },
    )
    const res = await relay.fetch(
      new Request('https://shop.example/v1/batch', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: heavy,
        duplex: 'half',
      } as RequestInit),
      { clientIp: ip },
    )
    expect(res.status).toBe(429)
    expect(await res.json()).toEqual({ error: 'Too many messages from this client' })
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(read).toBe(0)
  })

  it('one visitor on a mount without a client address cannot lock the others out', async () => {
    const { relay, logs } = relayFor(emu, { clientRateLimit: 2, loopsRateLimit: 1000 })
    for (let i = 0; i < 5; i++)
      expect((await mounted(relay, { batch: events(10) })).status).toBe(200)
    expect((await mounted(relay, { batch: events(1) })).status).toBe(200) // another visitor
    const warnings = logs.filter(
      (l) => l.level === 'warn' && /rate limit is off/.test(String(l.msg)),
    )
    expect(warnings).toHaveLength(1)
  })

  it("a mount's clientIp resolver gives each visitor its own bucket", async () => {
    const { relay, logs } = relayFor(emu, {
      clientRateLimit: 2,
      // What a platform that sets its own client header (and strips the visitor's) would give.
      clientIp: (request) => request.headers.get('x-platform-client-ip') ?? undefined,
    })
    const as = (ip: string) => mounted(relay, { batch: events(2) }, { 'x-platform-client-ip': ip })
    expect((await as('198.51.100.30')).status).toBe(200)
    expect((await as('198.51.100.30')).status).toBe(429)
    expect((await as('198.51.100.31')).status).toBe(200)
    expect(logs.filter((l) => l.level === 'warn' && /rate limit/.test(String(l.msg)))).toEqual([])
  })
})
