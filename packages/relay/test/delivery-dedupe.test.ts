// Queue mode remembers what it delivered or dead-lettered for 24 h (as long as Loops remembers an
// Idempotency-Key), so a browser's re-send after a lost answer is accepted without another Loops
// call — also after a restart. Real relay over real HTTP against the emulator; the store's clock
// is the `now`/`at` its methods take, so the 24 h window is tested with explicit times.
import { join } from 'node:path'
import type { WireMessage } from '@loops-cdp/core/protocol'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { openSqliteStore } from '../src/delivery/sqlite-store'
import { REMEMBER_DONE_MS } from '../src/delivery/store'
import {
  contact,
  type EmuRequest,
  emulator,
  event,
  onCleanup,
  post,
  relayFor,
  served,
  type TestEmulator,
  tempDir,
  waitFor,
} from './http-harness'

async function queueRelay(emu: TestEmulator, dataDir: string) {
  const { relay, logs } = relayFor(emu, { mode: 'queue', dataDir, metrics: true })
  const server = await served(relay)
  const depth = async () =>
    ((await (await fetch(`${server.url}/health`)).json()) as { queueDepth: number }).queueDepth
  const metric = async (line: string) => {
    const text = await (await fetch(`${server.url}/metrics`)).text()
    return text.split('\n').find((l) => l.startsWith(`${line} `))
  }
  return { relay, logs, server, url: server.url, depth, metric }
}

type Relayed = Awaited<ReturnType<typeof queueRelay>>

const eventCalls = (requests: EmuRequest[], key: string) =>
  requests.filter((r) => r.path === '/api/v1/events/send' && r.headers['idempotency-key'] === key)
/** Every Loops call for the contact: its updates travel alone or folded into its next event. */
const callsFor = (requests: EmuRequest[], email: string) =>
  requests.filter((r) => r.path.startsWith('/api/v1/') && r.body?.email === email)

/** Posts a batch, expects it all accepted, and waits until the queue is empty (delivered, acked). */
async function deliver(emu: TestEmulator, r: Relayed, batch: unknown[], sentinel: string) {
  const res = await post(r.url, { batch })
  expect(res.status).toBe(202)
  expect(await res.json()).toEqual({ accepted: batch.length, rejected: [] })
  // The sentinel is the batch's last message for the same contact: per-contact order sends a
  // queued re-send before it, so once it has arrived any re-send would have too.
  await waitFor(
    async () => (await emu.events()).some((e) => e.idempotencyKey === sentinel),
    `${sentinel} delivered`,
  )
  await waitFor(async () => (await r.depth()) === 0, 'queue empty')
}

describe('queue mode: re-sends of delivered messages are accepted, not sent again', () => {
  it('an event re-sent after delivery gets 202, counts as accepted, and Loops sees it once', async () => {
    const emu = await emulator()
    const r = await queueRelay(emu, tempDir())
    await deliver(emu, r, [event('e1')], 'e1')
    expect(eventCalls(await emu.requests(), 'e1')).toHaveLength(1)

    // The browser lost the answer and sends the same batch again, then a new event.
    await deliver(emu, r, [event('e1'), event('e1-next', { email: 'e1@example.com' })], 'e1-next')
    expect(eventCalls(await emu.requests(), 'e1')).toHaveLength(1)
    expect((await emu.requests()).filter((q) => q.status === 409)).toEqual([])
    expect(await r.metric('loops_relay_duplicates_skipped_total{type="event"}')).toBe(
      'loops_relay_duplicates_skipped_total{type="event"} 1',
    )
    expect(await r.metric('loops_relay_messages_accepted_total{type="event"}')).toBe(
      'loops_relay_messages_accepted_total{type="event"} 3',
    )
    const skipped = r.logs.filter((l) => l.msg === 'duplicate skipped')
    expect(skipped).toEqual([
      {
        time: expect.any(String),
        level: 'info',
        msg: 'duplicate skipped',
        messageId: 'e1',
        type: 'event',
      },
    ])
  })

  it('a contact update re-sent after delivery is not applied again', async () => {
    const emu = await emulator()
    const r = await queueRelay(emu, tempDir())
    const update = contact('c1', { properties: { firstName: 'Ada', plan: 'pro' } })
    await deliver(emu, r, [update, event('c1-first', { email: 'c1@example.com' })], 'c1-first')
    // One call: the update folded into the event that follows it.
    expect(callsFor(await emu.requests(), 'c1@example.com')).toEqual([
      expect.objectContaining({
        path: '/api/v1/events/send',
        body: expect.objectContaining({ eventName: 'Signup', firstName: 'Ada', plan: 'pro' }),
      }),
    ])

    await deliver(emu, r, [update, event('c1-next', { email: 'c1@example.com' })], 'c1-next')
    // The re-sent update went nowhere: the one new call is the new event, without it.
    const [, next, ...more] = callsFor(await emu.requests(), 'c1@example.com')
    expect(more).toEqual([])
    expect(next?.headers['idempotency-key']).toBe('c1-next')
    expect(next?.body).not.toHaveProperty('firstName')
    expect(await emu.contacts()).toEqual([
      expect.objectContaining({ email: 'c1@example.com', firstName: 'Ada', plan: 'pro' }),
    ])
    expect(await r.metric('loops_relay_duplicates_skipped_total{type="contact"}')).toBe(
      'loops_relay_duplicates_skipped_total{type="contact"} 1',
    )
  })

  it('remembers across a restart over the same RELAY_DATA_DIR', async () => {
    const emu = await emulator()
    const dataDir = tempDir()
    const first = await queueRelay(emu, dataDir)
    await deliver(emu, first, [contact('r1'), event('r1-e', { email: 'r1@example.com' })], 'r1-e')
    await first.server.close()
    await first.relay.stop()

    const second = await queueRelay(emu, dataDir)
    await deliver(
      emu,
      second,
      [
        contact('r1'),
        event('r1-e', { email: 'r1@example.com' }),
        event('r1-after', { email: 'r1@example.com' }),
      ],
      'r1-after',
    )
    const requests = await emu.requests()
    // Before the restart one call (r1 folded into r1-e), after it one (r1-after).
    expect(callsFor(requests, 'r1@example.com')).toHaveLength(2)
    expect(eventCalls(requests, 'r1-e')).toHaveLength(1)
    expect(
      second.logs.filter((l) => l.msg === 'duplicate skipped').map((l) => l.messageId),
    ).toEqual(['r1', 'r1-e'])
  })
})

describe('SQLite store: the 24 h memory of done ids', () => {
  const DAY = REMEMBER_DONE_MS
  const t0 = Date.parse('2026-12-01T00:00:00.000Z')
  const wire = (messageId: string): WireMessage => ({
    type: 'event',
    messageId,
    email: 'ada@example.com',
    eventName: 'Signup',
    eventProperties: {},
  })
  const dup = (messageId: string) => ({ messageId, type: 'event' })

  function open(dataDir: string) {
    const store = openSqliteStore({ dataDir })
    onCleanup(() => store.close())
    return store
  }
  /** The `done` table as another connection sees it (WAL: a second reader is fine). */
  function doneRows(dataDir: string) {
    const db = new Database(join(dataDir, 'queue.db'), { readonly: true })
    try {
      return db.prepare('SELECT message_id AS id, at FROM done ORDER BY at').all()
    } finally {
      db.close()
    }
  }

  it('skips ids queued, delivered or dead-lettered within 24 h; prune forgets older ones', async () => {
    const dataDir = tempDir()
    const store = open(dataDir)
    expect(await store.enqueue([wire('a'), wire('b'), wire('a')], t0)).toEqual({
      added: 2,
      duplicates: [dup('a')], // twice in one batch
    })
    expect(await store.enqueue([wire('a')], t0)).toEqual({ added: 0, duplicates: [dup('a')] })
    const [a, b] = await store.peek(10)
    await store.ack([a?.seq as number], t0)
    await store.deadLetter([b?.seq as number], { status: 400, reason: 'bad', at: t0 + 1_000 })
    expect(store.depth()).toBe(0)
    expect(doneRows(dataDir)).toEqual([
      { id: 'a', at: t0 },
      { id: 'b', at: t0 + 1_000 },
    ])

    // Just inside the window both are remembered, and nothing is old enough to prune.
    expect(await store.enqueue([wire('a'), wire('b')], t0 + DAY - 1)).toEqual({
      added: 0,
      duplicates: [dup('a'), dup('b')],
    })
    expect(await store.prune(t0 + DAY - 1)).toBe(0)

    // 24 h after its delivery 'a' is a new message again, pruned or not; 'b' (1 s later) is not.
    expect(await store.prune(t0 + DAY)).toBe(1)
    expect(doneRows(dataDir)).toEqual([{ id: 'b', at: t0 + 1_000 }])
    expect(await store.enqueue([wire('a'), wire('b')], t0 + DAY)).toEqual({
      added: 1,
      duplicates: [dup('b')],
    })
    expect(await store.enqueue([wire('b')], t0 + DAY + 1_000)).toEqual({
      added: 1,
      duplicates: [],
    })
    expect((await store.peek(10)).map((row) => row.messageId)).toEqual(['a', 'b'])
  })

  it('an expired id counts as new even before the prune has run', async () => {
    const store = open(tempDir())
    await store.enqueue([wire('x')], t0)
    await store.ack([(await store.peek(1))[0]?.seq as number], t0)
    expect(await store.enqueue([wire('x')], t0 + DAY)).toEqual({ added: 1, duplicates: [] })
  })

  it("the relay's worker prunes when it starts", async () => {
    const emu = await emulator()
    const dataDir = tempDir()
    const store = openSqliteStore({ dataDir })
    const now = Date.now()
    await store.enqueue([wire('stale'), wire('fresh')], now - DAY - 60_000)
    const [stale, fresh] = await store.peek(10)
    await store.ack([stale?.seq as number], now - DAY - 60_000)
    await store.ack([fresh?.seq as number], now - 60_000)
    await store.close()

    const r = await queueRelay(emu, dataDir)
    await r.relay.start()
    await waitFor(() => doneRows(dataDir).length === 1, 'stale id pruned')
    expect(doneRows(dataDir)).toEqual([{ id: 'fresh', at: now - 60_000 }])
    expect(r.logs).toContainEqual(
      expect.objectContaining({ level: 'info', msg: 'forgot delivered ids', count: 1 }),
    )
  })
})
