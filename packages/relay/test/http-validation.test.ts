// The batch endpoint in-process (hono's `app.request()` style: a Request in, a Response out, no
// socket), delivering in direct mode to a real emulator: answers, caps, content types, routes.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { drainBound } from '../src/middleware/body-limit'
import { contact, emulator, event, relayFor, request, type TestEmulator } from './http-harness'

let emu: TestEmulator
beforeAll(async () => {
  emu = await emulator()
})
beforeEach(() => emu.reset())

const batch = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'text/plain', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
})

async function expectError(res: Response, status: number) {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  const body = (await res.json()) as { error?: unknown }
  expect(typeof body.error).toBe('string')
  return body.error as string
}

describe('POST /v1/batch (direct mode)', () => {
  it('delivers valid messages, lists invalid ones, answers 200 once Loops accepted', async () => {
    const { relay } = relayFor(emu)
    const res = await request(
      relay,
      '/v1/batch',
      batch({
        sentAt: new Date().toISOString(),
        batch: [
          contact('c1', { properties: { firstName: 'Alex', plan: 'pro' } }),
          event('e1', { eventProperties: { plan: 'Pro' } }),
          { type: 'event', messageId: 'e2', email: 'x@example.com', eventName: 'a:b' },
          { type: 'page', messageId: 'p1', email: 'x@example.com' },
          'not an object',
          { type: 'contact', messageId: 'c2', userId: 42 },
        ],
      }),
    )
    expect(res.status).toBe(200)
    const body = (await res.json()) as { accepted: number; rejected: Array<{ index: number }> }
    expect(body.accepted).toBe(2)
    expect(body.rejected.map((r) => r.index)).toEqual([2, 3, 4, 5])
    expect(body.rejected[0]).toEqual({
      index: 2,
      messageId: 'e2',
      error: 'eventName must not contain ":"',
    })
    expect(body.rejected[2]).toEqual({ index: 4, error: 'entry must be an object' })

    const contacts = await emu.contacts()
    expect(contacts.map((c) => c.email)).toContain('c1@example.com')
    expect(contacts.find((c) => c.email === 'c1@example.com')?.plan).toBe('pro')
    const events = await emu.events()
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ eventName: 'Signup', idempotencyKey: 'e1' })
  })

  it("applies Loops' value rules to the raw traits and properties the browser sends", async () => {
    // The browser sends what the app passed (a JSON copy); the relay's validator is where nested
    // values flatten, reserved names and arrays drop, `name` fills firstName/lastName and the old
    // array form of mailingLists becomes Loops' object form.
    const lists = await emulator({
      lists: [
        { id: 'newsletter', name: 'News' },
        { id: 'product', name: 'Product' },
      ],
    })
    const { relay } = relayFor(lists, { mailingListAllowlist: ['*'] })
    const res = await request(
      relay,
      '/v1/batch',
      batch({
        batch: [
          contact('r1', {
            properties: {
              name: 'Ada King Lovelace',
              address: { city: 'Berlin' },
              tags: ['a'],
              id: 'db-1',
              signedUpAt: '2026-11-22T10:00:00.000Z',
            },
            mailingLists: [
              { id: 'newsletter', subscribed: true },
              { listId: 'product', subscribed: 'false' },
            ],
          }),
          event('r2', {
            eventProperties: { plan: 'Pro', gone: null, nested: { a: 1 } },
            contactProperties: { name: 'Ada Lovelace', firstName: 'Augusta' },
          }),
        ],
      }),
    )
    expect(await res.json()).toEqual({ accepted: 2, rejected: [] })
    const sent = (path: string) =>
      lists.requests().then((all) => all.find((r) => r.path === `/api/v1/${path}`)?.body)
    expect(await sent('contacts/update')).toEqual({
      email: 'r1@example.com',
      name: 'Ada King Lovelace',
      firstName: 'Ada',
      lastName: 'King Lovelace',
      addressCity: 'Berlin',
      signedUpAt: '2026-11-22T10:00:00.000Z',
      mailingLists: { newsletter: true, product: false },
    })
    expect(await sent('events/send')).toEqual({
      email: 'r2@example.com',
      eventName: 'Signup',
      eventProperties: { plan: 'Pro', nestedA: 1 },
      name: 'Ada Lovelace',
      firstName: 'Augusta',
      lastName: 'Lovelace',
    })
  })

  it('answers a well-formed envelope whose entries are all rejected with 200 and no Loops call', async () => {
    const { relay } = relayFor(emu)
    const res = await request(relay, '/v1/batch', batch({ batch: [{ type: 'x' }] }))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      accepted: 0,
      rejected: [{ index: 0, error: 'type must be "contact" or "event"' }],
    })
    // Reads (the key check, the property and list catalog) are fine; nothing may be written.
    expect((await emu.requests()).filter((r) => r.method !== 'GET')).toEqual([])
  })

  it('accepts application/json with a charset as well as text/plain', async () => {
    const { relay } = relayFor(emu)
    const res = await request(
      relay,
      '/v1/batch',
      batch({ batch: [event('j1')] }, { 'content-type': 'application/json; charset=utf-8' }),
    )
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ accepted: 1, rejected: [] })
  })

  it.each([
    ['unparseable JSON', '{"batch": ['],
    ['an empty body', ''],
    ['a JSON array', '[]'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
    ['a missing batch', '{"sentAt":"2026-01-01T00:00:00Z"}'],
    ['an empty batch', '{"batch":[]}'],
    ['a non-array batch', '{"batch":{"0":{}}}'],
    ['a non-string sentAt', '{"sentAt":1,"batch":[{}]}'],
  ])('answers 400 {error} for %s', async (_, body) => {
    const { relay } = relayFor(emu)
    await expectError(await request(relay, '/v1/batch', batch(body)), 400)
  })

  it.each([
    ['application/x-www-form-urlencoded'],
    ['multipart/form-data; boundary=x'],
    ['application/xml'],
    ['text/html'],
  ])('answers 415 {error} for Content-Type %s', async (type) => {
    const { relay } = relayFor(emu)
    const res = await request(
      relay,
      '/v1/batch',
      batch({ batch: [event('t')] }, { 'content-type': type }),
    )
    expect(await expectError(res, 415)).toMatch(/Content-Type/)
  })

  it('answers 415 when there is no Content-Type at all', async () => {
    const { relay } = relayFor(emu)
    const body = new TextEncoder().encode(JSON.stringify({ batch: [event('t')] }))
    await expectError(await request(relay, '/v1/batch', { method: 'POST', body }), 415)
  })

  it('answers 413 for a body over the default 512 KB cap, and delivers nothing', async () => {
    const { relay } = relayFor(emu)
    const big = 'x'.repeat(400)
    const entries = Array.from({ length: 100 }, (_, i) =>
      event(`big${i}`, {
        eventProperties: Object.fromEntries(Array.from({ length: 14 }, (_, k) => [`p${k}`, big])),
      }),
    )
    const text = JSON.stringify({ batch: entries })
    expect(text.length).toBeGreaterThan(512 * 1024)
    expect(await expectError(await request(relay, '/v1/batch', batch(text)), 413)).toMatch(/524288/)
    expect(await emu.events()).toEqual([])
  })

  it('answers 413 for an endless streamed body, reading no more than the drain bound', async () => {
    const { relay } = relayFor(emu, { maxBodyBytes: 4096 })
    let read = 0
    // An endless upload: past the cap the relay discards what it reads, and stops at the bound.
    const chunk = new TextEncoder().encode(`{"batch":[${'1,'.repeat(512)}`)
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        read += chunk.byteLength
        controller.enqueue(chunk)
      },
    })
    const res = await relay.fetch(
      new Request('http://relay.test/v1/batch', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: endless,
        duplex: 'half',
      } as RequestInit),
    )
    await expectError(res, 413)
    expect(res.headers.get('connection')).toBe('close')
    // The stream may have a few chunks pulled ahead of the reader.
    expect(read).toBeLessThan(drainBound(4096) + 20 * chunk.byteLength)
  })

  it('answers 413 for more than 100 entries, and for more than a configured maxBatch', async () => {
    const { relay } = relayFor(emu)
    const entries = Array.from({ length: 101 }, (_, i) => event(`n${i}`))
    expect(
      await expectError(await request(relay, '/v1/batch', batch({ batch: entries })), 413),
    ).toMatch(/100/)
    const small = relayFor(emu, { maxBatch: 2 }).relay
    const res = await request(small, '/v1/batch', batch({ batch: entries.slice(0, 3) }))
    await expectError(res, 413)
    expect(await emu.events()).toEqual([])
  })

  it('answers 503 with Retry-After when Loops keeps answering 429 (the client keeps the batch)', async () => {
    const { relay } = relayFor(emu)
    await emu.fault({ status: 429, times: 1, path: '/api/v1/events/send' })
    const res = await request(relay, '/v1/batch', batch({ batch: [event('throttled')] }))
    expect(await expectError(res, 503)).toMatch(/retry/i)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    // Sent again, as the browser would: now it goes through, once.
    const again = await request(relay, '/v1/batch', batch({ batch: [event('throttled')] }))
    expect(again.status).toBe(200)
    expect((await emu.events()).map((e) => e.idempotencyKey)).toEqual(['throttled'])
  })

  it('lists a message Loops refused (4xx) as rejected, with a key-free reason', async () => {
    const { relay } = relayFor(emu, { loopsApiKey: 'sk_reject_reason_key' })
    const res = await request(
      relay,
      '/v1/batch',
      batch({
        batch: [contact('ok1'), { type: 'contact', messageId: 'bad1', email: 'not-an-email' }],
      }),
    )
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      accepted: number
      rejected: Array<Record<string, unknown>>
    }
    expect(body.accepted).toBe(1)
    expect(body.rejected).toHaveLength(1)
    expect(body.rejected[0]).toMatchObject({ index: 1, messageId: 'bad1' })
    expect(JSON.stringify(body)).not.toContain('sk_reject_reason_key')
  })
})

describe('routes', () => {
  it('GET /health answers 200 {ok: true, mode, loops}', async () => {
    const { relay } = relayFor(emu)
    const res = await request(relay, '/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ ok: true, mode: 'direct' })
    const head = await request(relay, '/health', { method: 'HEAD' })
    expect(head.status).toBe(200)
  })

  it.each([
    ['/v1/batch', 'GET', 'OPTIONS, POST'],
    ['/v1/batch', 'PUT', 'OPTIONS, POST'],
    ['/v1/batch', 'DELETE', 'OPTIONS, POST'],
    ['/health', 'POST', 'GET, HEAD'],
  ])('%s %s → 405 with Allow', async (path, method, allow) => {
    const { relay } = relayFor(emu)
    const res = await request(relay, path, { method })
    await expectError(res, 405)
    expect(res.headers.get('allow')).toBe(allow)
  })

  it.each([['/'], ['/v1'], ['/v1/batch/x'], ['/v2/batch'], ['/metrics'], ['/%2e%2e/etc/passwd']])(
    'GET %s → 404 {error}',
    async (path) => {
      const { relay } = relayFor(emu)
      await expectError(await request(relay, path), 404)
    },
  )

  it('serves the routes under a basePath (a framework catch-all route)', async () => {
    const { relay } = relayFor(emu, { basePath: '/api/loops/' })
    const res = await request(relay, '/api/loops/v1/batch', batch({ batch: [event('bp1')] }))
    expect(res.status).toBe(200)
    expect((await request(relay, '/api/loops/health')).status).toBe(200)
    await expectError(await request(relay, '/v1/batch', batch({ batch: [event('bp2')] })), 404)
  })

  it('GET /metrics serves Prometheus text when enabled', async () => {
    const { relay } = relayFor(emu, { metrics: true })
    await request(relay, '/v1/batch', batch({ batch: [event('m1'), { type: 'nope' }] }))
    await request(relay, '/v1/batch', batch('{'))
    const res = await request(relay, '/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    expect(text).toContain('loops_relay_messages_accepted_total{type="event"} 1')
    expect(text).toContain('loops_relay_messages_rejected_total{reason="invalid"} 1')
    expect(text).toContain('loops_relay_messages_delivered_total{type="event"} 1')
    expect(text).toContain('loops_relay_http_refused_total{status="400"} 1')
    expect(text).toContain('loops_relay_queue_depth 0')
    expect(text).toMatch(/loops_relay_loops_request_duration_seconds_count [1-9]/)
    await expectError(await request(relay, '/metrics', { method: 'POST' }), 405)
  })

  it('logs one line per delivery outcome, with ids and no addresses or property values', async () => {
    const { relay, logs } = relayFor(emu)
    await request(
      relay,
      '/v1/batch',
      batch({
        batch: [contact('log1', { properties: { plan: 'secret-plan-value' } }), event('log2')],
      }),
    )
    const outcomes = logs.filter((l) => l.msg === 'delivery')
    expect(outcomes.map((l) => [l.messageId, l.outcome])).toEqual([
      ['log1', 'delivered'],
      ['log2', 'delivered'],
    ])
    const all = JSON.stringify(logs)
    expect(all).not.toContain('@example.com')
    expect(all).not.toContain('secret-plan-value')
    expect(all).not.toContain('test_key_for_relay')
  })

  it('with debug on, logs each dropped value by key and rule, never the value; silent without', async () => {
    const body = batch({
      batch: [
        contact('dbg1', {
          properties: { tags: ['secret-tag'], id: 'secret-id', address: { city: 'Berlin' } },
        }),
      ],
    })
    const quiet = relayFor(emu)
    expect((await request(quiet.relay, '/v1/batch', body)).status).toBe(200)
    expect(quiet.logs.filter((l) => l.level === 'debug')).toEqual([])

    const { relay, logs } = relayFor(emu, { debug: true })
    expect((await request(relay, '/v1/batch', body)).status).toBe(200)
    const lines = logs.filter((l) => l.level === 'debug').map((l) => l.msg)
    expect(lines).toEqual(['dropped tags: array', 'dropped id: reserved name'])
    expect(JSON.stringify(logs)).not.toContain('secret-')
    const saved = (await emu.contacts()).find((c) => c.email === 'dbg1@example.com')
    expect(saved).toMatchObject({ addressCity: 'Berlin' })
    expect(saved).not.toHaveProperty('tags')
  })
})
