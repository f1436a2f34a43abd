// createLoopsCdp end to end: real queue, real fetch, a real node:http relay stand-in on 127.0.0.1:0
// that records every POST /v1/batch body and answers with the relay's real validator
// (validateEnvelope), so `passed` is what the relay would hand on to Loops. Storage is one shared
// KeyValueStorage, so a second createLoopsCdp over it is what a page reload looks like.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  type BatchEnvelope,
  type CdpCall,
  type ContactMessage,
  createLoopsCdp,
  InvalidOptionsError,
  type KeyValueStorage,
  type LoopsCdp,
  type LoopsCdpError,
  type LoopsCdpOptions,
  RelayRejectedError,
  type WireMessage,
} from '../src/index'
import { contactKey } from '../src/mapping'
import { validateEnvelope } from '../src/protocol'

interface Recorded {
  path: string
  headers: IncomingHttpHeaders
  body: BatchEnvelope
}

let server: Server
let url = ''
const requests: Recorded[] = []
/** The messages the validator accepted, rebuilt in Loops' terms: what Loops would get. */
const passed: WireMessage[] = []
/** messageIds the stand-in rejects for their content (200 with `rejected`). */
const rejectIds = new Set<string>()

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = ''
    req.on('data', (c) => {
      raw += c
    })
    req.on('end', () => {
      const body = JSON.parse(raw) as BatchEnvelope
      requests.push({ path: req.url ?? '', headers: req.headers, body })
      const v = validateEnvelope(raw)
      if (!v.ok) {
        res.writeHead(400, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: v.error }))
        return
      }
      const rejected = [...v.rejected]
      for (const { index, message } of v.messages) {
        if (rejectIds.has(message.messageId))
          rejected.push({ index, messageId: message.messageId, error: 'policy' })
        else passed.push(message)
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ accepted: body.batch.length - rejected.length, rejected }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
)

/** The localStorage interface on a Map: what survives a "reload". */
function sharedStorage(): KeyValueStorage & { map: Map<string, string> } {
  const map = new Map<string, string>()
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  }
}

let open: LoopsCdp[] = []
let storage: ReturnType<typeof sharedStorage>
let errors: LoopsCdpError[]
let lines: string[]

beforeEach(() => {
  requests.length = 0
  passed.length = 0
  rejectIds.clear()
  storage = sharedStorage()
  errors = []
  lines = []
})
afterEach(() => {
  for (const c of open) c.close()
  open = []
  vi.restoreAllMocks()
})

/** A createLoopsCdp that the test closes; no timer flushes during a test, only flush(). */
function cdp(extra: Partial<LoopsCdpOptions> = {}): LoopsCdp {
  const c = createLoopsCdp(
    {
      relayUrl: url,
      flushInterval: 60_000,
      debug: (m) => lines.push(m),
      onError: (e) => errors.push(e),
      ...extra,
    },
    { storage },
  )
  open.push(c)
  return c
}

let seq = 0
const identify = (userId: string | undefined, traits: Record<string, unknown>): CdpCall => ({
  type: 'identify',
  messageId: `i${++seq}`,
  userId,
  traits,
})
const track = (userId: string | undefined, event: string, properties = {}): CdpCall => ({
  type: 'track',
  messageId: `t${++seq}`,
  userId,
  event,
  properties,
})
const sent = (): WireMessage[] => requests.flatMap((r) => r.body.batch)

describe('createLoopsCdp → relay', () => {
  it('sends identify as a contact message to POST {relayUrl}/v1/batch as text/plain', async () => {
    const c = cdp({ relayUrl: `${url}/` })
    c.handle(
      identify('u1', {
        email: 'a@b.co',
        name: 'Alex Smith',
        plan: 'pro',
        mailingLists: { l1: 'true' },
      }),
    )
    await c.flush()
    expect(requests).toHaveLength(1)
    expect(requests[0]?.path).toBe('/v1/batch')
    expect(requests[0]?.headers['content-type']).toMatch(/^text\/plain/)
    expect(typeof requests[0]?.body.sentAt).toBe('string')
    // The browser sends the traits as the app passed them...
    expect(sent()).toEqual([
      {
        type: 'contact',
        messageId: expect.any(String),
        userId: 'u1',
        email: 'a@b.co',
        properties: { name: 'Alex Smith', plan: 'pro' },
        mailingLists: { l1: 'true' },
      },
    ])
    // ...and the relay's validator turns them into what Loops gets.
    expect(passed).toEqual([
      {
        type: 'contact',
        messageId: sent()[0]?.messageId,
        userId: 'u1',
        email: 'a@b.co',
        properties: { name: 'Alex Smith', plan: 'pro', firstName: 'Alex', lastName: 'Smith' },
        mailingLists: { l1: true },
      },
    ])
    expect(errors).toEqual([])
  })

  it('sends a JSON copy: Date → ISO string, functions dropped, a cycle → {} with a debug line', async () => {
    const c = cdp()
    const at = new Date('2026-11-22T10:00:00.000Z')
    const cyclic: Record<string, unknown> = { plan: 'pro' }
    cyclic.self = cyclic
    c.handle(identify('u1', { email: 'a@b.co', signedUpAt: at, onClick: () => 1 }))
    c.handle(track('u1', 'Cyclic', cyclic))
    await c.flush()
    expect(sent()).toEqual([
      {
        type: 'contact',
        messageId: expect.any(String),
        userId: 'u1',
        email: 'a@b.co',
        properties: { signedUpAt: '2026-11-22T10:00:00.000Z' },
      },
      {
        type: 'event',
        messageId: expect.any(String),
        userId: 'u1',
        email: 'a@b.co',
        eventName: 'Cyclic',
        contactProperties: { signedUpAt: '2026-11-22T10:00:00.000Z' },
      },
    ])
    expect(lines.filter((l) => l === 'dropped: not JSON')).toHaveLength(1)
    expect(errors).toEqual([])
  })

  it('drops a mailingLists value that is neither an object nor a list; the contact still goes through', async () => {
    const c = cdp()
    for (const [i, mailingLists] of [null, 'newsletter', true, 5].entries()) {
      c.handle(identify('u1', { email: 'a@b.co', plan: `p${i}`, mailingLists }))
    }
    await c.flush()
    expect(errors).toEqual([])
    expect(passed.map((m) => m.type === 'contact' && m.properties?.plan)).toEqual([
      'p0',
      'p1',
      'p2',
      'p3',
    ])
    expect(sent().some((m) => 'mailingLists' in m)).toBe(false)
  })

  it('pending() counts the messages waiting for the relay', async () => {
    const c = cdp()
    expect(c.pending()).toBe(0)
    c.handle(identify('u1', { email: 'a@b.co' }))
    c.handle(track('u1', 'A'))
    c.handle({ type: 'page', messageId: 'p', userId: 'u1' }) // ignored: not counted
    expect(c.pending()).toBe(2)
    await Promise.resolve() // also once written to storage
    expect(c.pending()).toBe(2)
    await c.flush()
    expect(c.pending()).toBe(0)
    expect(sent()).toHaveLength(2)
  })

  it('gives track the stored email and traits as contactProperties, also after a reload', async () => {
    const a = cdp()
    a.handle(
      identify('u1', {
        email: 'a@b.co',
        plan: 'pro',
        subscribed: true,
        mailingLists: { l1: true },
      }),
    )
    a.handle(track('u1', 'Signup', { plan: 'Pro' }))
    await a.flush()
    a.close()
    const b = cdp() // reload: a fresh instance over the same storage
    b.handle(track(undefined, 'Opened App'))
    await b.flush()
    const events = sent().filter((m) => m.type === 'event')
    expect(events).toEqual([
      {
        type: 'event',
        messageId: expect.any(String),
        userId: 'u1',
        email: 'a@b.co',
        eventName: 'Signup',
        eventProperties: { plan: 'Pro' },
        contactProperties: { plan: 'pro' },
      },
      {
        type: 'event',
        messageId: expect.any(String),
        userId: 'u1',
        email: 'a@b.co',
        eventName: 'Opened App',
        contactProperties: { plan: 'pro' },
      },
    ])
  })

  it('honours attachTraits: false and a key list', async () => {
    const a = cdp({ attachTraits: false })
    a.handle(identify('u1', { email: 'a@b.co', plan: 'pro', seats: 2 }))
    a.handle(track('u1', 'A'))
    const b = cdp({ attachTraits: ['seats'] })
    b.handle(track('u1', 'B'))
    await a.flush()
    await b.flush()
    const events = sent().filter((m) => m.type === 'event')
    expect(events.find((m) => m.type === 'event' && m.eventName === 'A')).not.toHaveProperty(
      'contactProperties',
    )
    expect(events.find((m) => m.type === 'event' && m.eventName === 'B')).toMatchObject({
      contactProperties: { seats: 2 },
    })
  })

  it('does not send an identify whose contact payload is pending or was acknowledged, across reloads', async () => {
    const a = cdp()
    a.handle(identify('u1', { email: 'a@b.co', plan: 'pro' }))
    a.handle(identify('u1', { email: 'a@b.co', plan: 'pro' })) // still pending: same payload
    expect(lines).toContain('identify not sent: contact unchanged')
    await a.flush()
    expect(sent()).toHaveLength(1)
    a.handle(identify('u1', { email: 'a@b.co', plan: 'pro' })) // acknowledged: same payload
    await a.flush()
    expect(sent()).toHaveLength(1)
    a.close()

    const b = cdp() // reload: the acknowledged record lives in storage
    b.handle(identify('u1', { email: 'a@b.co', plan: 'pro' }))
    await b.flush()
    expect(sent()).toHaveLength(1)
    b.handle(identify('u1', { plan: 'team' })) // a real change is sent
    await b.flush()
    expect(sent()).toHaveLength(2)
    expect(sent()[1]).toMatchObject({ email: 'a@b.co', properties: { plan: 'team' } })
  })

  it('compares with the newest payload on its way: A (acked), B (pending), A again is sent', async () => {
    const c = cdp()
    c.handle(identify('u1', { email: 'a@b.co', plan: 'A' }))
    await c.flush()
    c.handle(identify('u1', { plan: 'B' })) // pending
    c.handle(identify('u1', { plan: 'A' })) // equals the acknowledged one, but B is newer
    c.handle(identify('u1', { plan: 'A' })) // equals the newest pending one: skipped
    await c.flush()
    expect(sent().map((m) => m.type === 'contact' && m.properties?.plan)).toEqual(['A', 'B', 'A'])
  })

  it('records only what the relay accepted: a rejected identify is sent again later', async () => {
    const c = cdp()
    const first = identify('u1', { email: 'a@b.co' })
    rejectIds.add(first.messageId)
    c.handle(first)
    await c.flush()
    expect(errors.map((e) => e.name)).toEqual(['RelayRejectedError'])
    c.handle(identify('u1', { email: 'a@b.co' }))
    await c.flush()
    expect(sent()).toHaveLength(2)
  })

  it('does not resend an identify still queued by an earlier page load (answer lost); that one is delivered once', async () => {
    const a = cdp({ relayUrl: 'http://127.0.0.1:9' }) // nothing listens: the request fails
    a.handle(identify('u1', { email: 'a@b.co', plan: 'pro' }))
    await a.flush()
    expect(passed).toHaveLength(0)
    a.close() // the page goes away with the contact update still queued

    const b = cdp() // the next page load identifies with the same traits
    b.handle(identify('u1', { email: 'a@b.co', plan: 'pro' }))
    expect(lines).toContain('identify not sent: contact unchanged')
    // b adopts the queue a left behind and delivers that contact update: once, in all.
    for (let i = 0; i < 200 && passed.length === 0; i++) await new Promise((r) => setTimeout(r, 25))
    await b.flush()
    expect(passed.map((m) => m.type)).toEqual(['contact'])
  })

  it('sends an identify again when the queue dropped the earlier copy (overflow)', async () => {
    const c = cdp({ relayUrl: 'http://127.0.0.1:9', maxQueueSize: 1 })
    c.handle(identify('u1', { email: 'a@b.co', plan: 'pro' }))
    c.handle(track('u1', 'Pushes it out'))
    await new Promise((r) => setTimeout(r, 60)) // the queue is written (and trimmed) within 50 ms
    expect(errors.map((e) => e.name)).toEqual(['QueueOverflowError'])
    c.handle(identify('u1', { email: 'a@b.co', plan: 'pro' }))
    expect(lines).not.toContain('identify not sent: contact unchanged')
    expect(c.pending()).toBe(2)
  })

  it('reset() forgets identity, traits and the dedupe record', async () => {
    const c = cdp()
    c.handle(identify('u1', { email: 'a@b.co', plan: 'pro' }))
    await c.flush()
    c.reset()
    c.handle(track(undefined, 'After Reset'))
    expect(lines).toContain('track "After Reset" not sent: no email or userId')
    c.handle(identify('u1', { email: 'a@b.co', plan: 'pro' })) // same payload again: sent
    await c.flush()
    expect(sent().map((m) => m.type)).toEqual(['contact', 'contact'])
  })

  it('starts a fresh identity on a different userId', async () => {
    const c = cdp()
    c.handle(identify('u1', { email: 'a@b.co', plan: 'pro' }))
    c.handle(track('u2', 'Other User'))
    await c.flush()
    expect(sent()[1]).toEqual({
      type: 'event',
      messageId: expect.any(String),
      userId: 'u2',
      eventName: 'Other User',
    })
  })

  it('calls userHash per message and sends its result', async () => {
    const seen: unknown[] = []
    const c = cdp({
      userHash: (identity) => {
        seen.push(identity)
        return `h-${identity.userId ?? identity.email}`
      },
    })
    c.handle(identify(undefined, { email: 'a@b.co' }))
    c.handle(track('u1', 'E'))
    await c.flush()
    expect(seen).toEqual([
      { userId: undefined, email: 'a@b.co' },
      { userId: 'u1', email: 'a@b.co' },
    ])
    expect(sent().map((m) => m.userHash)).toEqual(['h-a@b.co', 'h-u1'])
  })

  it('calls onDeliver with the accepted messages and the relay answer', async () => {
    const delivered: unknown[] = []
    const c = cdp({ onDeliver: (r) => delivered.push(r) })
    c.handle(track('u1', 'E'))
    await c.flush()
    expect(delivered).toEqual([
      {
        messages: [expect.objectContaining({ eventName: 'E' })],
        response: { accepted: 1, rejected: [] },
      },
    ])
  })

  it('namespaces storage keys with storagePrefix', async () => {
    const c = cdp({ storagePrefix: 'app1' })
    c.handle(identify('u1', { email: 'a@b.co' }))
    await c.flush()
    c.handle(track('u1', 'Kept'))
    c.close() // leaves a message queued under the prefix
    const keys = [...storage.map.keys()]
    expect(keys.length).toBeGreaterThan(2)
    expect(keys.every((k) => k.startsWith('app1:'))).toBe(true)
    // Another prefix on the same storage is another, separate client: it sees none of it.
    const other = cdp({ storagePrefix: 'app2' })
    expect(other.pending()).toBe(0)
    other.handle(track(undefined, 'No Identity Here'))
    expect(lines).toContain('track "No Identity Here" not sent: no email or userId')
  })
})

describe('createLoopsCdp: mailing lists and subscribed go out only when they change', () => {
  // Both host SDKs merge every stored trait into each identify: the lists and `subscribed` of the
  // first identify come back with every later one.
  const contacts = () => sent().filter((m): m is ContactMessage => m.type === 'contact')
  const first = { email: 'a@b.co', mailingLists: { news: true }, subscribed: false }

  it('sends them with the first identify, not with a later unrelated one, also after a reload; an explicit change goes out', async () => {
    const a = cdp()
    a.handle(identify('u1', first))
    a.handle(identify('u1', { ...first, plan: 'pro' }))
    await a.flush()
    a.close()
    const b = cdp() // reload
    b.handle(identify('u1', { ...first, plan: 'team' }))
    b.handle(identify('u1', { ...first, plan: 'team', mailingLists: { news: false } }))
    b.handle(identify('u1', { ...first, plan: 'team', mailingLists: { news: 'false' } }))
    b.handle(
      identify('u1', { ...first, plan: 'team', mailingLists: { news: false }, subscribed: true }),
    )
    await b.flush()
    expect(
      contacts().map(({ properties, mailingLists, subscribed }) => ({
        properties,
        mailingLists,
        subscribed,
      })),
    ).toEqual([
      { properties: undefined, mailingLists: { news: true }, subscribed: false },
      { properties: { plan: 'pro' }, mailingLists: undefined, subscribed: undefined },
      { properties: { plan: 'team' }, mailingLists: undefined, subscribed: undefined },
      { properties: { plan: 'team' }, mailingLists: { news: false }, subscribed: undefined },
      // 'false' is the same value to Loops: nothing new, so not sent at all
      { properties: { plan: 'team' }, mailingLists: undefined, subscribed: true },
    ])
  })

  it('compares each list on its own, in either form, and leaves invalid values to the relay', async () => {
    const c = cdp()
    c.handle(identify('u1', { email: 'a@b.co', mailingLists: { a: true, b: true } }))
    c.handle(identify('u1', { email: 'a@b.co', mailingLists: { a: true, b: false, c: 'maybe' } }))
    c.handle(
      identify('u1', {
        email: 'a@b.co',
        mailingLists: [
          { id: 'a', subscribed: true },
          { listId: 'b', subscribed: true },
        ],
      }),
    )
    await c.flush()
    expect(contacts().map((m) => m.mailingLists)).toEqual([
      { a: true, b: true },
      { b: false, c: 'maybe' },
      { b: true },
    ])
    expect(passed.filter((m) => m.type === 'contact').map((m) => m.mailingLists)).toEqual([
      { a: true, b: true },
      { b: false },
      { b: true },
    ])
  })

  it('another tab does not send them again', async () => {
    const a = cdp()
    const b = cdp() // a second tab over the same storage, open at the same time
    a.handle(identify('u1', first))
    b.handle(identify('u1', { ...first, plan: 'pro' }))
    await a.flush()
    await b.flush()
    expect(contacts().map((m) => [m.mailingLists, m.subscribed])).toEqual([
      [{ news: true }, false],
      [undefined, undefined],
    ])
  })

  it('sends them again for another identity, and after reset()', async () => {
    const c = cdp()
    c.handle(identify('u1', first))
    c.handle(identify('u2', { ...first, email: 'b@b.co' }))
    c.reset()
    c.handle(identify('u2', { ...first, email: 'b@b.co', plan: 'x' }))
    await c.flush()
    expect(contacts().map((m) => [m.userId, m.mailingLists, m.subscribed])).toEqual([
      ['u1', { news: true }, false],
      ['u2', { news: true }, false],
      ['u2', { news: true }, false],
    ])
  })

  it('forgets what a refused message carried: the next identify sends it again', async () => {
    const c = cdp()
    const refused = identify('u1', first)
    rejectIds.add(refused.messageId)
    c.handle(refused)
    await c.flush()
    c.handle(identify('u1', { ...first, plan: 'pro' }))
    await c.flush()
    expect(passed.map((m) => m.type === 'contact' && [m.mailingLists, m.subscribed])).toEqual([
      [{ news: true }, false],
    ])
  })

  it('forgets what a message dropped by the full queue carried', async () => {
    const offline = cdp({ relayUrl: 'http://127.0.0.1:9', maxQueueSize: 1 })
    offline.handle(identify('u1', first))
    offline.handle(track('u1', 'Pushes it out'))
    await new Promise((r) => setTimeout(r, 60)) // written (and trimmed) within 50 ms
    expect(errors.map((e) => e.name)).toEqual(['QueueOverflowError'])
    offline.handle(identify('u1', { ...first, plan: 'pro' }))
    offline.close() // the page goes away with that identify queued
    const next = cdp() // the next page load adopts and delivers it
    for (let i = 0; i < 100 && !passed[0]; i++) await new Promise((r) => setTimeout(r, 20))
    await next.flush()
    expect(
      passed.map((m) => m.type === 'contact' && [m.properties, m.mailingLists, m.subscribed]),
    ).toEqual([[{ plan: 'pro' }, { news: true }, false]])
  })

  it('keeps the identify dedupe record of the previous version (no identify sent twice on upgrade)', async () => {
    // What the previous version stored: only `${prefix}:contact` = [messageId, contactKey].
    const payload = { type: 'contact', messageId: 'i-old', userId: 'u1', email: 'a@b.co' } as const
    const key = contactKey({ ...payload, properties: { plan: 'pro' } })
    storage.setItem('loops-cdp:contact', JSON.stringify(['i-old', key]))
    const upgraded = cdp()
    upgraded.handle(identify('u1', { email: 'a@b.co', plan: 'pro' }))
    expect(lines).toContain('identify not sent: contact unchanged')
    upgraded.handle(identify('u1', { email: 'a@b.co', plan: 'team' }))
    await upgraded.flush()
    expect(contacts().map((m) => m.properties)).toEqual([{ plan: 'team' }])
  })
})

describe('createLoopsCdp: skips, errors and debug output', () => {
  it('sends ":" in an event name; the relay rejects it, which reaches onError (+ debug) as a RelayRejectedError', async () => {
    const c = cdp()
    const call = track('u1', 'plan:upgraded')
    c.handle(call)
    c.handle(track('u1', 'Fine'))
    await c.flush()
    expect(sent().map((m) => m.type === 'event' && m.eventName)).toEqual(['plan:upgraded', 'Fine'])
    expect(passed.map((m) => m.type === 'event' && m.eventName)).toEqual(['Fine'])
    expect(errors).toHaveLength(1)
    const e = errors[0] as RelayRejectedError
    expect(e).toBeInstanceOf(RelayRejectedError)
    expect([e.name, e.messageId, e.reason]).toEqual([
      'RelayRejectedError',
      call.messageId,
      'eventName must not contain ":"',
    ])
    expect(lines).toContain(`Relay rejected ${call.messageId}: eventName must not contain ":"`)
    expect(c.pending()).toBe(0) // never retried
  })

  it('without onError, writes each delivery error to the debug log once', async () => {
    const c = cdp({ onError: undefined })
    const call = track('u1', 'plan:upgraded')
    c.handle(call)
    await c.flush()
    expect(errors).toEqual([])
    expect(lines.filter((l) => l.startsWith('Relay rejected'))).toEqual([
      `Relay rejected ${call.messageId}: eventName must not contain ":"`,
    ])
  })

  it('ignores page, group, alias and screen with a debug line only', async () => {
    const c = cdp()
    for (const type of ['page', 'group', 'alias', 'screen'] as const)
      c.handle({ type, messageId: type, userId: 'u1' })
    await c.flush()
    expect(requests).toHaveLength(0)
    expect(errors).toEqual([])
    expect(lines).toEqual(['page ignored', 'group ignored', 'alias ignored', 'screen ignored'])
  })

  it('does not send an identify without email or userId, but keeps its traits', async () => {
    const c = cdp()
    c.handle(identify(undefined, { plan: 'free' }))
    expect(lines).toContain('identify not sent: no email or userId')
    c.handle(identify(undefined, { email: 'a@b.co' }))
    await c.flush()
    expect(sent()).toEqual([
      {
        type: 'contact',
        messageId: expect.any(String),
        email: 'a@b.co',
        properties: { plan: 'free' },
      },
    ])
  })

  it('never throws from handle(), whatever the call or the callbacks do', () => {
    const c = cdp({
      userHash: () => {
        throw new Error('hash backend down')
      },
      onError: () => {
        throw new Error('onError throws too')
      },
    })
    const hostile = {
      type: 'identify',
      messageId: 'h',
      get traits(): Record<string, unknown> {
        throw new Error('getter')
      },
    } as CdpCall
    for (const call of [null, undefined, 5, {}, hostile, identify('u1', { email: 'a@b.co' })]) {
      expect(() => c.handle(call as CdpCall)).not.toThrow()
    }
  })

  it('debug: true prints through console.debug with the [loops-cdp] prefix', () => {
    const spy = vi.spyOn(console, 'debug').mockImplementation(() => {})
    const c = createLoopsCdp({ relayUrl: url, debug: true, flushInterval: 60_000 }, { storage })
    open.push(c)
    c.handle({ type: 'page', messageId: 'p' })
    expect(spy).toHaveBeenCalledWith('[loops-cdp] page ignored')
  })

  it('is silent without debug', () => {
    const spy = vi.spyOn(console, 'debug').mockImplementation(() => {})
    const c = createLoopsCdp({ relayUrl: url, flushInterval: 60_000 }, { storage })
    open.push(c)
    c.handle({ type: 'page', messageId: 'p' })
    expect(spy).not.toHaveBeenCalled()
  })

  it('throws InvalidOptionsError for a missing relayUrl (the only throw)', () => {
    for (const bad of [{}, { relayUrl: '' }, { relayUrl: 5 }, undefined]) {
      expect(() => createLoopsCdp(bad as unknown as LoopsCdpOptions)).toThrow(InvalidOptionsError)
    }
  })
})
