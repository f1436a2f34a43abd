// Folding in queue mode: contact updates waiting before an event of the same identity travel
// in that event's `events/send` (as top-level contact properties and `mailingLists`), so Loops
// gets one call instead of two — and ends in the same state as after the separate calls.
// Real queue mode (SQLite) against real emulators over HTTP.
import type { WireMessage } from '@loops-cdp/core/protocol'
import { describe, expect, it } from 'vitest'
import { createSqliteQueueMode } from '../src/delivery/sqlite-queue'
import type { DeliveryOutcome } from '../src/delivery/types'
import { createLoopsClient } from '../src/loops-client'
import { createPacer } from '../src/pacer'
import { type ContactWire, type EventWire, toContactBody, toEventBody } from '../src/to-loops'
import {
  apiCalls,
  contact,
  type EmuContact,
  emulator,
  event,
  items,
  onCleanup,
  type TestEmulator,
  tempDir,
  waitFor,
} from './delivery-helpers'

const client = (emu: TestEmulator) =>
  createLoopsClient({ apiKey: 'fold-test-key', baseUrl: emu.apiUrl, timeoutMs: 2_000 })

async function drainThroughQueue(emu: TestEmulator, messages: WireMessage[]) {
  const outcomes: DeliveryOutcome[] = []
  const mode = createSqliteQueueMode({
    dataDir: tempDir(),
    loops: client(emu),
    pacer: createPacer({ ratePerSecond: 50 }),
    onOutcome: (o) => outcomes.push(o),
    backoff: { baseMs: 50, capMs: 400 },
  })
  onCleanup(() => mode.stop())
  expect((await mode.submit(items(messages))).status).toBe(202)
  mode.start()
  await waitFor(() => mode.depth() === 0, 15_000, 'queue drained')
  return outcomes
}

/** The same messages as separate calls, one Loops call per message, in order. */
async function sendOneByOne(emu: TestEmulator, messages: WireMessage[]) {
  const loops = client(emu)
  for (const m of messages) {
    const result =
      m.type === 'contact'
        ? await loops.updateContact(toContactBody(m as ContactWire))
        : await loops.sendEvent(toEventBody(m as EventWire), m.messageId)
    expect(result.ok).toBe(true)
  }
}

/** What a contact is in Loops, without the ids each emulator makes up. */
const comparable = (contacts: EmuContact[]) =>
  contacts
    .map(({ id: _id, ...rest }) => rest)
    .sort((a, b) => String(a.email).localeCompare(String(b.email)))

const eventsOf = async (emu: TestEmulator) =>
  (await emu.events()).map((e) => ({
    eventName: e.eventName,
    email: e.email,
    userId: e.userId,
    eventProperties: e.eventProperties,
    idempotencyKey: e.idempotencyKey,
  }))

const ada = 'ada@example.com'

describe('queue mode folds contact updates into the next event of the same contact', () => {
  it('one events/send instead of update + event, and Loops ends in the same state', async () => {
    const messages: WireMessage[] = [
      contact('c-1', ada, { firstName: 'Ada', plan: 'free', company: 'Acme' }, { userId: 'u-ada' }),
      contact(
        'c-2',
        ada,
        { plan: 'pro', company: null }, // null clears company, on events/send as on update
        { userId: 'u-ada', mailingLists: { newsletter: true, beta: false } },
      ),
      {
        type: 'event',
        messageId: 'e-1',
        email: ada,
        userId: 'u-ada',
        eventName: 'Upgraded',
        eventProperties: { to: 'pro' },
        contactProperties: { plan: 'pro', seats: 3 }, // the event's own, later: they win
      },
      contact('c-bob', 'bob@example.com', { firstName: 'Bob' }),
      event('e-bob', 'bob@example.com', 'Signup'),
    ]
    const folded = await emulator()
    const outcomes = await drainThroughQueue(folded, messages)
    const separate = await emulator()
    await sendOneByOne(separate, messages)

    const requests = await folded.requests()
    expect(apiCalls(requests, 'contacts/update')).toEqual([])
    expect(apiCalls(requests, 'events/send')).toHaveLength(2) // 5 messages, 2 Loops calls
    expect(apiCalls(await separate.requests(), 'events/send')).toHaveLength(2)
    expect(comparable(await folded.contacts())).toEqual(comparable(await separate.contacts()))
    expect(comparable(await folded.contacts())).toContainEqual(
      expect.objectContaining({
        email: ada,
        userId: 'u-ada',
        firstName: 'Ada',
        plan: 'pro',
        seats: 3,
        mailingLists: { newsletter: true },
      }),
    )
    expect((await folded.contacts()).find((c) => c.email === ada)).not.toHaveProperty('company')
    expect(await eventsOf(folded)).toEqual(await eventsOf(separate))
    expect(outcomes.filter((o) => o.kind === 'delivered')).toHaveLength(5)
  })

  it('does not fold what would change the result: subscribed, another identity, an update after the event', async () => {
    const emu = await emulator()
    await drainThroughQueue(emu, [
      // `subscribed` is not documented on events/send: the update keeps its own call.
      contact('c-sub', 'sub@example.com', { plan: 'pro' }, { subscribed: false }),
      event('e-sub', 'sub@example.com'),
      // The update knows the userId, the event does not: not the exact same identity.
      contact('c-id', 'id@example.com', { plan: 'pro' }, { userId: 'u-id' }),
      event('e-id', 'id@example.com'),
      // An event, then an update: the event's workflow must not see the later update.
      event('e-first', 'late@example.com'),
      contact('c-late', 'late@example.com', { plan: 'team' }),
    ])
    const requests = await emu.requests()
    const updates = apiCalls(requests, 'contacts/update').map((r) => r.body?.email)
    expect(updates.sort()).toEqual(['id@example.com', 'late@example.com', 'sub@example.com'])
    const sent = apiCalls(requests, 'events/send')
    expect(sent).toHaveLength(3)
    for (const call of sent) expect(call.body).not.toHaveProperty('plan')
    // Per-contact order held: each update landed before (or, for late, after) its event.
    const order = requests.map((r) => `${r.path.split('/').pop()}:${r.body?.email}`)
    expect(order.indexOf('update:sub@example.com')).toBeLessThan(
      order.indexOf('send:sub@example.com'),
    )
    expect(order.indexOf('send:late@example.com')).toBeLessThan(
      order.indexOf('update:late@example.com'),
    )
    expect((await emu.contacts()).find((c) => c.email === 'sub@example.com')).toMatchObject({
      subscribed: false,
      plan: 'pro',
    })
  })

  it('when Loops already had the event (409), the folded updates are sent again on their own', async () => {
    const emu = await emulator()
    // An earlier try of e-1 reached Loops, but its answer was lost: Loops knows the key.
    const first = await client(emu).sendEvent({ email: ada, eventName: 'Signup' }, 'e-1')
    expect(first.ok).toBe(true)
    const outcomes = await drainThroughQueue(emu, [
      contact('c-1', ada, { plan: 'pro' }),
      event('e-1', ada),
    ])
    const requests = await emu.requests()
    expect(requests.filter((r) => r.status === 409)).toHaveLength(1)
    expect(apiCalls(requests, 'contacts/update')).toEqual([
      expect.objectContaining({ status: 200, body: expect.objectContaining({ plan: 'pro' }) }),
    ])
    expect((await emu.contacts())[0]).toMatchObject({ email: ada, plan: 'pro' })
    expect(await emu.events()).toHaveLength(1) // the event still once
    expect(outcomes).toContainEqual(
      expect.objectContaining({ kind: 'delivered', messageId: 'c-1', status: 200 }),
    )
    expect(outcomes).toContainEqual(
      expect.objectContaining({ kind: 'delivered', messageId: 'e-1', duplicate: true }),
    )
  })
})
