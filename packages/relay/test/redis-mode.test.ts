// redis mode against a real redis-server and the Loops emulator over HTTP: shared dedupe, per-
// contact order, one budget for several workers, roles, and Redis going away and coming back.
import type { WireMessage } from '@loops-cdp/core/protocol'
import { describe, expect, it } from 'vitest'
import { createRedisMode, type RedisModeOptions } from '../src/delivery/redis-mode'
import type { DeliveryOutcome } from '../src/delivery/types'
import { createLoopsClient } from '../src/loops-client'
import {
  apiCalls,
  contact,
  emulator,
  event,
  items,
  onCleanup,
  type TestEmulator,
  waitFor,
} from './delivery-helpers'
import { type RedisServer, startRedisServer } from './helpers/redis-server'

async function redisServer(): Promise<RedisServer> {
  const server = await startRedisServer()
  onCleanup(() => server.close())
  return server
}

/** A redis-mode relay, started; it may not reach Redis yet. */
async function startMode(
  emu: TestEmulator,
  redis: RedisServer,
  extra: Partial<RedisModeOptions> = {},
) {
  const outcomes: DeliveryOutcome[] = []
  const duplicates: string[] = []
  const mode = await createRedisMode({
    redisUrl: redis.url,
    role: 'both',
    loopsRateLimit: 50,
    loops: createLoopsClient({ apiKey: 'redis-test-key', baseUrl: emu.apiUrl, timeoutMs: 2_000 }),
    onOutcome: (o) => outcomes.push(o),
    onDuplicate: (d) => duplicates.push(d.messageId),
    backoff: { baseMs: 50, capMs: 400 },
    lockMs: 5_000,
    ...extra,
  })
  onCleanup(() => mode.stop())
  mode.start()
  return { mode, outcomes, duplicates }
}

/** A redis-mode relay that reaches Redis. */
async function relayMode(
  emu: TestEmulator,
  redis: RedisServer,
  extra: Partial<RedisModeOptions> = {},
) {
  const relay = await startMode(emu, redis, extra)
  await waitFor(() => relay.mode.health().ok, 10_000, 'redis reachable')
  return relay
}

const delivered = (outcomes: DeliveryOutcome[]) =>
  outcomes.filter((o) => o.kind === 'delivered').map((o) => o.messageId)

describe('redis mode', () => {
  it('answers 202 once Redis has the batch; a worker delivers each message once', async () => {
    const [emu, redis] = await Promise.all([emulator(), redisServer()])
    const ingest = await relayMode(emu, redis, { role: 'ingest' })
    const answer = await ingest.mode.submit(
      items([
        contact('c-1', 'ada@example.com', { firstName: 'Ada' }),
        event('e-1', 'ada@example.com'),
      ]),
    )
    expect(answer).toEqual({ status: 202, rejected: [] })
    // An ingest-only process never calls Loops.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await emu.requests()).toEqual([])

    const worker = await relayMode(emu, redis, { role: 'worker' })
    await waitFor(() => worker.outcomes.length === 2, 10_000, 'delivered')
    expect(delivered(worker.outcomes).sort()).toEqual(['c-1', 'e-1'])
    expect(await emu.contacts()).toEqual([
      expect.objectContaining({ email: 'ada@example.com', firstName: 'Ada' }),
    ])
    expect(await emu.events()).toEqual([expect.objectContaining({ idempotencyKey: 'e-1' })])
  })

  it('shares the 24 h record of handled ids: a re-send to another process is not sent again', async () => {
    const [emu, redis] = await Promise.all([emulator(), redisServer()])
    const a = await relayMode(emu, redis)
    const b = await relayMode(emu, redis, { role: 'ingest' })
    await a.mode.submit(items([event('e-1', 'ada@example.com')]))
    await waitFor(() => a.outcomes.length === 1, 10_000, 'first delivery')
    // The browser did not get the answer and sends the same message to another instance…
    expect(await b.mode.submit(items([event('e-1', 'ada@example.com')]))).toEqual({
      status: 202,
      rejected: [],
    })
    expect(b.duplicates).toEqual(['e-1'])
    // …while the same messageId from another person is that person's message: the relay sends
    // it (Loops then decides on its Idempotency-Key).
    await b.mode.submit(items([event('e-1', 'bob@example.com')]))
    expect(b.duplicates).toEqual(['e-1'])
    await waitFor(() => a.outcomes.length === 2, 10_000, 'second person sent')
    const sent = apiCalls(await emu.requests(), 'events/send').map((r) => r.body?.email)
    expect(sent).toEqual(['ada@example.com', 'bob@example.com'])
  })

  it("keeps each contact's messages in order across several workers", async () => {
    const [emu, redis] = await Promise.all([emulator(), redisServer()])
    const ingest = await relayMode(emu, redis, { role: 'ingest' })
    const workers = await Promise.all([
      relayMode(emu, redis, { role: 'worker', concurrency: 4 }),
      relayMode(emu, redis, { role: 'worker', concurrency: 4 }),
    ])
    const people = ['ada', 'bob', 'cy'].map((name) => `${name}@example.com`)
    const messages: WireMessage[] = []
    for (let step = 1; step <= 6; step++) {
      for (const email of people) {
        messages.push(contact(`c-${email}-${step}`, email, { plan: `step-${step}` }))
        messages.push(event(`e-${email}-${step}`, email, 'Step', { step }))
      }
    }
    await ingest.mode.submit(items(messages.slice(0, 18)))
    await ingest.mode.submit(items(messages.slice(18)))
    const all = () => workers.flatMap((w) => w.outcomes)
    await waitFor(() => all().length === messages.length, 20_000, 'all delivered')

    const requests = await emu.requests()
    for (const email of people) {
      // What reached Loops for this person, in the order Loops saw it.
      const seen = requests
        .filter((r) => r.body?.email === email)
        .map((r) =>
          r.path.endsWith('events/send')
            ? `event ${(r.body?.eventProperties as { step?: number } | undefined)?.step}`
            : `contact ${r.body?.plan}`,
        )
      const expected = messages
        .filter((m) => m.email === email)
        .map((m) =>
          m.type === 'event' ? `event ${m.eventProperties?.step}` : `contact ${m.properties?.plan}`,
        )
      expect(seen).toEqual(expected)
    }
    const contacts = await emu.contacts()
    for (const c of contacts) expect(c.plan).toBe('step-6')
    expect(new Set(all().map((o) => o.messageId)).size).toBe(messages.length)
  })

  it('merges queued updates of one contact into one Loops call, in order with its events', async () => {
    const [emu, redis] = await Promise.all([emulator(), redisServer()])
    const ingest = await relayMode(emu, redis, { role: 'ingest' })
    await ingest.mode.submit(
      items([
        contact('c-1', 'ada@example.com', { firstName: 'Ada', plan: 'free' }),
        contact('c-2', 'ada@example.com', { plan: 'pro' }),
        contact('c-3', 'ada@example.com', { lastName: 'Lovelace' }),
        event('e-1', 'ada@example.com', 'Upgraded'),
        contact('c-4', 'ada@example.com', { plan: 'team' }),
      ]),
    )
    const worker = await relayMode(emu, redis, { role: 'worker' })
    await waitFor(() => worker.outcomes.length === 5, 10_000, 'all delivered')
    const calls = (await emu.requests()).map((r) => [r.path.replace('/api/v1/', ''), r.body])
    expect(calls).toEqual([
      [
        'contacts/update',
        expect.objectContaining({ firstName: 'Ada', plan: 'pro', lastName: 'Lovelace' }),
      ],
      ['events/send', expect.objectContaining({ eventName: 'Upgraded' })],
      ['contacts/update', expect.objectContaining({ plan: 'team' })],
    ])
    expect(
      worker.outcomes.filter((o) => o.kind === 'delivered' && o.mergedWith === 3),
    ).toHaveLength(3)
    expect((await emu.contacts())[0]).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      plan: 'team',
    })
  })

  it('a rejected merged update is split, so only the bad one is dead-lettered', async () => {
    const [emu, redis] = await Promise.all([emulator(), redisServer()])
    const ingest = await relayMode(emu, redis, { role: 'ingest' })
    await ingest.mode.submit(
      items([
        contact('c-good', 'ada@example.com', { plan: 'pro' }),
        contact('c-bad', 'ada@example.com', {}, { mailingLists: { nope: true } }),
        event('e-after', 'ada@example.com', 'Upgraded'),
      ]),
    )
    const worker = await relayMode(emu, redis, { role: 'worker' })
    await waitFor(() => worker.outcomes.length === 3, 10_000, 'all handled')
    expect(worker.outcomes).toContainEqual(
      expect.objectContaining({ kind: 'dead-lettered', messageId: 'c-bad', status: 400 }),
    )
    expect(delivered(worker.outcomes).sort()).toEqual(['c-good', 'e-after'])
    expect((await emu.contacts())[0]).toMatchObject({ plan: 'pro' })
  })

  it('two workers share one Loops budget: no 429 at the real rate limit', async () => {
    const [emu, redis] = await Promise.all([emulator({ rateLimit: 10 }), redisServer()])
    const ingest = await relayMode(emu, redis, { role: 'ingest' })
    const workers = await Promise.all([
      relayMode(emu, redis, { role: 'worker', loopsRateLimit: 10 }),
      relayMode(emu, redis, { role: 'worker', loopsRateLimit: 10 }),
    ])
    const messages = Array.from({ length: 40 }, (_, i) =>
      event(`e-${i}`, `p${i}@example.com`, 'Signup'),
    )
    await ingest.mode.submit(items(messages))
    const all = () => workers.flatMap((w) => w.outcomes)
    await waitFor(() => delivered(all()).length === messages.length, 30_000, 'all delivered')
    const requests = await emu.requests()
    expect(requests.filter((r) => r.status === 429)).toEqual([])
    expect(apiCalls(requests, 'events/send')).toHaveLength(messages.length)
    // Both took part.
    for (const w of workers) expect(delivered(w.outcomes).length).toBeGreaterThan(0)
  })

  it('a 429 from Loops pauses every worker; the message is retried and delivered', async () => {
    const [emu, redis] = await Promise.all([emulator(), redisServer()])
    const workers = await Promise.all([relayMode(emu, redis), relayMode(emu, redis)])
    await emu.fault({ status: 429, times: 1, path: '/api/v1/events/send' })
    await workers[0].mode.submit(
      items(Array.from({ length: 6 }, (_, i) => event(`e-${i}`, `p${i}@example.com`))),
    )
    const all = () => workers.flatMap((w) => w.outcomes)
    await waitFor(() => delivered(all()).length === 6, 15_000, 'all delivered')
    const retried = all().filter((o) => o.kind === 'retried')
    expect(retried).toEqual([expect.objectContaining({ status: 429 })])
    const events = await emu.events()
    expect(events.map((e) => e.idempotencyKey).sort()).toEqual(
      ['e-0', 'e-1', 'e-2', 'e-3', 'e-4', 'e-5'].sort(),
    )
  })

  it('dead-letters a message Loops refuses, and the contact goes on', async () => {
    const [emu, redis] = await Promise.all([emulator(), redisServer()])
    const relay = await relayMode(emu, redis)
    // Loops refuses event names with a colon (400): not worth a retry.
    await relay.mode.submit(
      items([event('e-bad', 'ada@example.com', 'bad:name'), event('e-next', 'ada@example.com')]),
    )
    await waitFor(() => relay.outcomes.length === 2, 10_000, 'both handled')
    expect(relay.outcomes.map((o) => [o.messageId, o.kind])).toEqual([
      ['e-bad', 'dead-lettered'],
      ['e-next', 'delivered'],
    ])
    expect(relay.outcomes[0]).toMatchObject({ status: 400 })
    expect((await emu.events()).map((e) => e.idempotencyKey)).toEqual(['e-next'])
  })

  it('Redis down: ingest answers 503 at once, health says why; after a restart all is delivered', async () => {
    const [emu, redis] = await Promise.all([emulator(), redisServer()])
    const relay = await relayMode(emu, redis)
    await relay.mode.submit(items([event('e-before', 'ada@example.com')]))
    await waitFor(() => relay.outcomes.length === 1, 10_000, 'first delivered')

    await redis.kill()
    await waitFor(() => !relay.mode.health().ok, 5_000, 'health reports redis down')
    expect(relay.mode.health()).toEqual({
      ok: false,
      reason: expect.stringMatching(/redis unreachable/),
    })
    const refused = await relay.mode.submit(items([event('e-during', 'ada@example.com')]))
    expect(refused).toEqual({ status: 503, retryAfterSeconds: 5, rejected: [] })

    await redis.restart()
    await waitFor(() => relay.mode.health().ok, 10_000, 'health ok again')
    // The browser re-sends the refused batch; the worker, which never stopped, delivers it.
    expect((await relay.mode.submit(items([event('e-during', 'ada@example.com')]))).status).toBe(
      202,
    )
    await waitFor(() => relay.outcomes.length === 2, 15_000, 'delivered after restart')
    expect((await emu.events()).map((e) => e.idempotencyKey)).toEqual(['e-before', 'e-during'])
  })

  it('a relay started while Redis is down answers 503, then takes and delivers once Redis is up', async () => {
    const [emu, redis] = await Promise.all([emulator(), redisServer()])
    await redis.kill()
    const { mode, outcomes } = await startMode(emu, redis)
    expect(mode.health().ok).toBe(false)
    expect((await mode.submit(items([event('e-1', 'ada@example.com')]))).status).toBe(503)

    await redis.restart()
    await waitFor(() => mode.health().ok, 10_000, 'redis reachable')
    expect((await mode.submit(items([event('e-1', 'ada@example.com')]))).status).toBe(202)
    await waitFor(() => outcomes.length === 1, 15_000, 'delivered by the worker started before')
    expect((await emu.events()).map((e) => e.idempotencyKey)).toEqual(['e-1'])
  })

  it('stops while Redis is down (a deploy must not hang on it), and takes nothing after', async () => {
    const [emu, redis] = await Promise.all([emulator(), redisServer()])
    const relay = await relayMode(emu, redis)
    await redis.kill()
    await waitFor(() => !relay.mode.health().ok, 5_000, 'outage seen')
    await relay.mode.stop() // bounded inside; the test's own timeout would catch a hang
    expect((await relay.mode.submit(items([event('e-1', 'ada@example.com')]))).status).toBe(503)
  })
})
