// middleware/client-limit.ts and client-address.ts alone, on a fake clock: who the client is
// (socket, N-th X-Forwarded-For from the right, a mount's resolver), a look before the body is
// read, every message charged, and no shared bucket for a mount that gives no address.
import { describe, expect, it } from 'vitest'
import { clientAddress } from '../src/client-address'
import { clientLimit } from '../src/middleware/client-limit'
import { appWith } from './middleware-app'

function limited(options: Partial<Parameters<typeof clientLimit>[0]> = {}) {
  const clock = { now: 1_000_000 }
  const warnings: string[] = []
  const limitedCounts: number[] = []
  const app = appWith(
    clientLimit({
      limit: 10,
      trustProxy: 0,
      now: () => clock.now,
      onNoClientAddress: () => warnings.push('no address'),
      onLimited: (count) => limitedCounts.push(count),
      ...options,
    }),
    async (c) => {
      const { count, anonymousId } = (await c.req.json()) as { count: number; anonymousId?: string }
      c.var.chargeClient(count, anonymousId)
      return c.json({ ok: true })
    },
  )
  const send = (
    count: number,
    {
      ip,
      headers = {},
      anonymousId,
    }: { ip?: string; headers?: Record<string, string>; anonymousId?: string } = {},
  ) =>
    app.request(
      '/v1/batch',
      { method: 'POST', headers, body: JSON.stringify({ count, anonymousId }) },
      ip === undefined ? {} : { clientIp: ip },
    )
  return { app, send, clock, warnings, limitedCounts }
}

describe('clientAddress', () => {
  const request = (headers: Record<string, string>) =>
    new Request('http://relay.test/', { headers })
  const xff = { 'x-forwarded-for': 'spoofed, 203.0.113.9, 10.0.0.2', 'x-real-ip': '192.0.2.1' }

  it('uses the socket address and ignores forwarding headers by default', () => {
    expect(clientAddress(request(xff), '10.0.0.1', { trustProxy: 0 })).toBe('10.0.0.1')
    expect(clientAddress(request(xff), undefined, { trustProxy: 0 })).toBeUndefined()
  })

  it('takes the N-th X-Forwarded-For address from the right, never one left of it', () => {
    expect(clientAddress(request(xff), '10.0.0.1', { trustProxy: 1 })).toBe('10.0.0.2')
    expect(clientAddress(request(xff), '10.0.0.1', { trustProxy: 2 })).toBe('203.0.113.9')
    // Fewer entries than proxies: the header was not written by them; the peer is the client.
    expect(clientAddress(request(xff), '10.0.0.1', { trustProxy: 4 })).toBe('10.0.0.1')
  })

  it('reads X-Real-IP only with trusted proxies and no X-Forwarded-For', () => {
    const real = request({ 'x-real-ip': '192.0.2.1' })
    expect(clientAddress(real, '10.0.0.1', { trustProxy: 0 })).toBe('10.0.0.1')
    expect(clientAddress(real, '10.0.0.1', { trustProxy: 1 })).toBe('192.0.2.1')
  })

  it("prefers the mount's resolver, and falls back when it gives nothing or throws", () => {
    const r = request(xff)
    expect(clientAddress(r, '10.0.0.1', { trustProxy: 1, clientIp: () => ' 198.51.100.4 ' })).toBe(
      '198.51.100.4',
    )
    expect(clientAddress(r, '10.0.0.1', { trustProxy: 0, clientIp: () => undefined })).toBe(
      '10.0.0.1',
    )
    const broken = () => {
      throw new Error('resolver bug')
    }
    expect(clientAddress(r, '10.0.0.1', { trustProxy: 0, clientIp: broken })).toBe('10.0.0.1')
  })
})

describe('clientLimit', () => {
  it('charges every message: a batch over the budget passes once and leaves the client in debt', async () => {
    const { send, clock, limitedCounts } = limited()
    expect((await send(30, { ip: '198.51.100.1' })).status).toBe(200)
    const refused = await send(1, { ip: '198.51.100.1' })
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBe(60) // owes 21 messages: capped
    clock.now += 2 * 60_000 // 20 messages' worth: still 1 short
    expect((await send(1, { ip: '198.51.100.1' })).status).toBe(429)
    clock.now += 6_000
    expect((await send(1, { ip: '198.51.100.1' })).status).toBe(200)
    expect(limitedCounts).toEqual([1, 1])
  })

  it('turns an address with nothing left away before its body is read', async () => {
    const { app, send } = limited({ limit: 1 }) // 10 per address
    expect((await send(10, { ip: '198.51.100.2' })).status).toBe(200)
    let pulled = false
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled = true
          controller.close()
        },
      },
      { highWaterMark: 0 },
    )
    const init = { method: 'POST', body, duplex: 'half' } as RequestInit
    const res = await app.request('/v1/batch', init, { clientIp: '198.51.100.2' })
    expect(res.status).toBe(429)
    expect(await res.json()).toEqual({ error: 'Too many messages from this client' })
    expect(pulled).toBe(false)
  })

  it('gives each anonymous id behind one address its own budget, up to 10× per address', async () => {
    const { send } = limited({ limit: 2 })
    const ip = '198.51.100.3'
    expect((await send(2, { ip, anonymousId: 'a' })).status).toBe(200)
    expect((await send(1, { ip, anonymousId: 'a' })).status).toBe(429)
    expect((await send(2, { ip, anonymousId: 'b' })).status).toBe(200)
    for (const id of ['c', 'd', 'e', 'f', 'g', 'h', 'i']) {
      expect((await send(2, { ip, anonymousId: id })).status).toBe(200)
    }
    // 2 + 1 (refused, still charged to the address) + 16 + 1 = 20: the address is spent.
    expect((await send(1, { ip, anonymousId: 'j' })).status).toBe(200)
    expect((await send(1, { ip, anonymousId: 'k' })).status).toBe(429)
  })

  it('gives a mount without any client address no limit rather than one shared bucket, and warns once', async () => {
    const { send, warnings } = limited({ limit: 1 })
    for (let i = 0; i < 5; i++) expect((await send(5)).status).toBe(200)
    expect(warnings).toEqual(['no address'])
  })

  it('keys requests without an address as "unknown" once an address source is configured', async () => {
    const { send, warnings } = limited({ limit: 1, trustProxy: 1 })
    expect((await send(1)).status).toBe(200)
    expect((await send(1)).status).toBe(429)
    // A real visitor, through the proxy, has its own bucket.
    expect((await send(1, { headers: { 'x-forwarded-for': '203.0.113.5' } })).status).toBe(200)
    expect(warnings).toEqual([])
  })

  it('is off with limit 0', async () => {
    const { send } = limited({ limit: 0 })
    for (let i = 0; i < 3; i++) expect((await send(100, { ip: '198.51.100.9' })).status).toBe(200)
  })
})
