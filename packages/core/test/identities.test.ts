// One process, many people (Node: analytics-node, route handlers): no `document`, no storage
// handed in, so identity records are kept per person of each call.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  type CdpCall,
  type ContactMessage,
  createLoopsCdp,
  type EventMessage,
  type LoopsCdp,
  type LoopsCdpOptions,
} from '../src/index'
import { memoryStorage, type RelaySink, startRelaySink } from './relay-sink'

let seq = 0
const id = () => `m-${++seq}`
const identify = (userId: string, traits: Record<string, unknown>, anonymousId?: string) =>
  ({ type: 'identify', messageId: id(), userId, anonymousId, traits }) as CdpCall
const track = (event: string, who: { userId?: string; anonymousId?: string }) =>
  ({ type: 'track', messageId: id(), event, ...who }) as CdpCall

const events = (sink: RelaySink) =>
  sink.messages.filter((m): m is EventMessage => m.type === 'event')
const contacts = (sink: RelaySink) =>
  sink.messages.filter((m): m is ContactMessage => m.type === 'contact')

let sink: RelaySink
let open: LoopsCdp[] = []
beforeEach(async () => {
  sink = await startRelaySink()
})
afterEach(async () => {
  for (const c of open) c.close()
  open = []
  await sink.close()
})

/** A server-side instance: no storage handed in (Node has no `document`). */
function server(extra: Partial<LoopsCdpOptions> = {}): LoopsCdp {
  const c = createLoopsCdp({ relayUrl: sink.url, flushInterval: 60_000, ...extra })
  open.push(c)
  return c
}
async function deliver(c: LoopsCdp) {
  await new Promise((resolve) => setTimeout(resolve, 60)) // the queue writes within 50 ms
  await c.flush()
}

describe('identities per call (server process)', () => {
  it("never gives one person's email or traits to another's call", async () => {
    const c = server()
    c.handle(identify('carol', { email: 'carol@example.com', plan: 'pro' }))
    c.handle(identify('dave', { email: 'dave@example.com', plan: 'free' }))
    c.handle(track('Carol Paid', { userId: 'carol' }))
    c.handle(track('Dave Paid', { userId: 'dave' }))
    c.handle(track('Erin Paid', { userId: 'erin' }))
    await deliver(c)
    const byName = Object.fromEntries(events(sink).map((e) => [e.eventName, e]))
    expect(byName['Carol Paid']).toMatchObject({
      userId: 'carol',
      email: 'carol@example.com',
      contactProperties: { plan: 'pro' },
    })
    expect(byName['Dave Paid']).toMatchObject({
      userId: 'dave',
      email: 'dave@example.com',
      contactProperties: { plan: 'free' },
    })
    // Nobody identified erin: her event carries only what her call says.
    expect(byName['Erin Paid']).toEqual(expect.not.objectContaining({ email: expect.anything() }))
    expect(byName['Erin Paid']).not.toHaveProperty('contactProperties')
  })

  it('keeps the identify dedupe per person: carol, dave, carol again sends carol once', async () => {
    const c = server()
    c.handle(identify('carol', { email: 'carol@example.com' }))
    c.handle(identify('dave', { email: 'dave@example.com' }))
    c.handle(identify('carol', { email: 'carol@example.com' }))
    c.handle(identify('dave', { email: 'dave@example.com', plan: 'pro' }))
    await deliver(c)
    expect(contacts(sink).map((m) => [m.userId, m.properties])).toEqual([
      ['carol', undefined],
      ['dave', undefined],
      ['dave', { plan: 'pro' }],
    ])
  })

  it('keeps what an anonymous id recorded when that person is identified', async () => {
    const c = server()
    c.handle({
      type: 'identify',
      messageId: id(),
      anonymousId: 'anon-7',
      traits: { email: 'frank@example.com' },
    })
    c.handle(track('Signed Up', { userId: 'frank', anonymousId: 'anon-7' }))
    c.handle(track('Anonymous Other', { anonymousId: 'anon-8' }))
    await deliver(c)
    expect(events(sink).map((e) => [e.eventName, e.userId, e.email])).toEqual([
      ['Signed Up', 'frank', 'frank@example.com'],
    ])
  })

  it('forgets the least recently seen people beyond maxIdentities', async () => {
    const c = server({ maxIdentities: 2 })
    c.handle(identify('p1', { email: 'p1@example.com' }))
    c.handle(identify('p2', { email: 'p2@example.com' }))
    c.handle(track('P1 Seen', { userId: 'p1' })) // p1 is now the most recent
    c.handle(identify('p3', { email: 'p3@example.com' })) // p2 is forgotten
    c.handle(track('P1 Later', { userId: 'p1' }))
    c.handle(track('P2 Later', { userId: 'p2' }))
    await deliver(c)
    const email = (name: string) => events(sink).find((e) => e.eventName === name)?.email
    expect(email('P1 Seen')).toBe('p1@example.com')
    expect(email('P1 Later')).toBe('p1@example.com')
    expect(email('P2 Later')).toBeUndefined()
  })

  it('keeps one visitor when a storage is handed in (a page, or a test that plays one)', async () => {
    const c = createLoopsCdp(
      { relayUrl: sink.url, flushInterval: 60_000 },
      { storage: memoryStorage() },
    )
    open.push(c)
    c.handle(identify('carol', { email: 'carol@example.com' }))
    c.handle(track('Anonymous Click', { anonymousId: 'anon-1' }))
    await deliver(c)
    // The page's visitor is carol: her remembered identity fills the call that names nobody.
    expect(events(sink)[0]).toMatchObject({ userId: 'carol', email: 'carol@example.com' })
  })
})
