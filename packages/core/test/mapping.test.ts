// The mapping table: for each input, what Segment's cloud "Loops (Actions)" destination sends,
// what RudderStack's cloud LOOPS destination sends, and what we send. Only our column is executed and asserted;
// the vendor columns document their behaviour (cloud code we cannot run here), and `differs`
// says where we deliberately do something else (README).
// Our column is what reaches Loops: the browser's message (mapCall) as JSON, through the relay's
// validator (validateMessage), which is where Loops' value rules apply.
import { describe, expect, it } from 'vitest'
import { contactKey, mapCall, mapIdentify, mapTrack } from '../src/mapping'
import { validateMessage } from '../src/protocol'
import { createStorage } from '../src/storage'
import { createTraitStore } from '../src/traits'
import type { CdpCall, WireMessage } from '../src/types'

type Vendor = { sends: string; body: Record<string, unknown> } | { error: string }
/** What Loops gets, a reason the browser sends nothing (skip), or the relay's rejection. */
type Ours = WireMessage | { skip: RegExp } | { rejected: string }

interface Row {
  name: string
  /** Calls that came before (they fill the trait store) and, last, the call compared. */
  calls: CdpCall[]
  /** RudderStack's JS SDK puts the persisted traits in `context.traits` of every call. */
  segment: Vendor
  rudder: Vendor
  ours: Ours
  attachTraits?: boolean | string[]
  differs?: string
}

const PUT = 'PUT /v1/contacts/update'
const POST = 'POST /v1/events/send'
let n = 0
const identify = (userId: string | undefined, traits: Record<string, unknown>): CdpCall => ({
  type: 'identify',
  messageId: `id-${++n}`,
  userId,
  traits,
})
const track = (
  userId: string | undefined,
  event: string,
  properties: Record<string, unknown> = {},
  context?: CdpCall['context'],
): CdpCall => ({ type: 'track', messageId: `tr-${++n}`, userId, event, properties, context })

const rows: Row[] = [
  {
    name: 'identify with userId, email and custom traits (Segment docs example)',
    calls: [
      identify('u1', {
        email: 'a@b.co',
        firstName: 'Alex',
        favoriteColor: 'blue',
        favoriteNumber: 42,
      }),
    ],
    segment: {
      sends: PUT,
      body: {
        email: 'a@b.co',
        firstName: 'Alex',
        favoriteColor: 'blue',
        favoriteNumber: 42,
        source: 'Segment',
        userId: 'u1',
        mailingLists: {},
      },
    },
    rudder: {
      sends: PUT,
      body: {
        email: 'a@b.co',
        firstName: 'Alex',
        favoriteColor: 'blue',
        favoriteNumber: 42,
        userId: 'u1',
      },
    },
    ours: {
      type: 'contact',
      messageId: 'id-1',
      userId: 'u1',
      email: 'a@b.co',
      properties: { firstName: 'Alex', favoriteColor: 'blue', favoriteNumber: 42 },
    },
    differs: 'no `source: "Segment"` and no empty `mailingLists: {}`: Loops keeps its own source',
  },
  {
    name: 'anonymous identify with an email only',
    calls: [identify(undefined, { email: 'anon@b.co', plan: 'free' })],
    segment: { error: "missing the required field 'userId'." },
    rudder: { sends: PUT, body: { email: 'anon@b.co', plan: 'free' } },
    ours: { type: 'contact', messageId: 'id-2', email: 'anon@b.co', properties: { plan: 'free' } },
    differs: 'email-only contacts allowed (Segment requires a userId)',
  },
  {
    name: 'identify with a userId and no email anywhere',
    calls: [identify('u9', { plan: 'pro' })],
    segment: {
      sends: PUT,
      body: { plan: 'pro', source: 'Segment', userId: 'u9', mailingLists: {} },
    },
    rudder: { error: 'email is required for identify call.' },
    ours: { type: 'contact', messageId: 'id-3', userId: 'u9', properties: { plan: 'pro' } },
    differs:
      'userId-only update of an existing contact (RudderStack requires an email; Loops does not)',
  },
  {
    name: 'identify that clears a trait with null',
    calls: [identify('u1', { email: 'a@b.co', plan: null })],
    segment: {
      sends: PUT,
      body: { email: 'a@b.co', plan: null, source: 'Segment', userId: 'u1', mailingLists: {} },
    },
    rudder: { sends: PUT, body: { email: 'a@b.co', userId: 'u1' } },
    ours: {
      type: 'contact',
      messageId: 'id-4',
      userId: 'u1',
      email: 'a@b.co',
      properties: { plan: null },
    },
    differs: 'null clears the Loops value (RudderStack strips top-level nulls and cannot clear)',
  },
  {
    name: 'identify with mailingLists, string booleans and junk',
    calls: [
      identify('u1', { email: 'a@b.co', mailingLists: { l1: true, l2: 'false', l3: 'foobar' } }),
    ],
    segment: {
      sends: PUT,
      body: {
        email: 'a@b.co',
        source: 'Segment',
        userId: 'u1',
        mailingLists: { l1: true, l2: false },
      },
    },
    rudder: {
      sends: PUT,
      body: {
        email: 'a@b.co',
        userId: 'u1',
        mailingLists: { l1: true, l2: 'false', l3: 'foobar' },
      },
    },
    ours: {
      type: 'contact',
      messageId: 'id-5',
      userId: 'u1',
      email: 'a@b.co',
      mailingLists: { l1: true, l2: false },
    },
  },
  {
    name: 'identify with lowercase `mailinglists` (RudderStack fixture loops-identify-test-2)',
    calls: [identify('u1', { email: 'a@b.co', mailinglists: { list_001: true, list_002: false } })],
    segment: {
      sends: PUT,
      body: {
        email: 'a@b.co',
        mailinglists: { list_001: true, list_002: false },
        source: 'Segment',
        userId: 'u1',
        mailingLists: {},
      },
    },
    rudder: {
      sends: PUT,
      body: { email: 'a@b.co', mailinglists: { list_001: true, list_002: false }, userId: 'u1' },
    },
    ours: {
      type: 'contact',
      messageId: 'id-6',
      userId: 'u1',
      email: 'a@b.co',
      mailingLists: { list_001: true, list_002: false },
    },
    differs:
      'any-case `mailinglists` subscribes (both vendors forward it as an object-valued property)',
  },
  {
    name: 'identify with the old array form of mailingLists',
    calls: [
      identify('u1', {
        email: 'a@b.co',
        mailingLists: [
          { listId: 'l1', subscribed: true },
          { id: 'l2', subscribed: false },
        ],
      }),
    ],
    segment: {
      sends: PUT,
      body: { email: 'a@b.co', source: 'Segment', userId: 'u1', mailingLists: {} },
    },
    rudder: {
      sends: PUT,
      body: {
        email: 'a@b.co',
        userId: 'u1',
        mailingLists: [
          { listId: 'l1', subscribed: true },
          { id: 'l2', subscribed: false },
        ],
      },
    },
    ours: {
      type: 'contact',
      messageId: 'id-7',
      userId: 'u1',
      email: 'a@b.co',
      mailingLists: { l1: true, l2: false },
    },
  },
  {
    name: 'identify with nested, reserved and array traits',
    calls: [
      identify('u1', { email: 'a@b.co', address: { city: 'Berlin' }, id: 'db-1', tags: ['a'] }),
    ],
    segment: {
      sends: PUT,
      body: {
        email: 'a@b.co',
        address: { city: 'Berlin' },
        id: 'db-1',
        tags: ['a'],
        source: 'Segment',
        userId: 'u1',
        mailingLists: {},
      },
    },
    rudder: {
      sends: PUT,
      body: { email: 'a@b.co', address: { city: 'Berlin' }, id: 'db-1', tags: ['a'], userId: 'u1' },
    },
    ours: {
      type: 'contact',
      messageId: 'id-8',
      userId: 'u1',
      email: 'a@b.co',
      properties: { addressCity: 'Berlin' },
    },
    differs:
      "values sanitized to Loops rules by the relay's validator: flattened, reserved `id` and arrays dropped",
  },
  {
    name: 'identify with `name` only',
    calls: [identify('u1', { email: 'a@b.co', name: 'Alex Smith' })],
    segment: {
      sends: PUT,
      body: {
        email: 'a@b.co',
        name: 'Alex Smith',
        source: 'Segment',
        userId: 'u1',
        mailingLists: {},
      },
    },
    rudder: { sends: PUT, body: { email: 'a@b.co', name: 'Alex Smith', userId: 'u1' } },
    ours: {
      type: 'contact',
      messageId: 'id-9',
      userId: 'u1',
      email: 'a@b.co',
      properties: { name: 'Alex Smith', firstName: 'Alex', lastName: 'Smith' },
    },
    differs: "`name` fills the missing Loops firstName/lastName (in the relay's validator)",
  },
  {
    name: 'identify with subscribed: true',
    calls: [identify('u1', { email: 'a@b.co', subscribed: true })],
    segment: {
      sends: PUT,
      body: {
        email: 'a@b.co',
        subscribed: true,
        source: 'Segment',
        userId: 'u1',
        mailingLists: {},
      },
    },
    rudder: { sends: PUT, body: { email: 'a@b.co', subscribed: true, userId: 'u1' } },
    ours: { type: 'contact', messageId: 'id-10', userId: 'u1', email: 'a@b.co', subscribed: true },
    differs:
      'passed only as a boolean of this call; the relay drops `true` unless re-subscribing is allowed',
  },
  {
    name: 'identify with a new userId after another user (traits not carried over)',
    calls: [identify('u1', { email: 'a@b.co', plan: 'pro' }), identify('u2', {})],
    segment: { sends: PUT, body: { source: 'Segment', userId: 'u2', mailingLists: {} } },
    rudder: { error: 'email is required for identify call.' },
    ours: { type: 'contact', messageId: 'id-12', userId: 'u2' },
  },
  {
    name: 'track after identify (analytics-next: no traits on track)',
    calls: [
      identify('u1', {
        email: 'a@b.co',
        plan: 'pro',
        mailingLists: { l1: true },
        subscribed: true,
      }),
      track('u1', 'Signup', { plan: 'Pro' }),
    ],
    segment: {
      sends: POST,
      body: { eventName: 'Signup', userId: 'u1', eventProperties: { plan: 'Pro' } },
    },
    rudder: {
      sends: POST,
      body: {
        email: 'a@b.co',
        plan: 'pro',
        mailingLists: { l1: true },
        subscribed: true,
        userId: 'u1',
        eventName: 'Signup',
        eventProperties: { plan: 'Pro' },
      },
    },
    ours: {
      type: 'event',
      messageId: 'tr-14',
      userId: 'u1',
      email: 'a@b.co',
      eventName: 'Signup',
      eventProperties: { plan: 'Pro' },
      contactProperties: { plan: 'pro' },
    },
    differs:
      'email on track from stored traits; no re-subscribe from stored traits (no mailingLists/subscribed); Idempotency-Key = messageId (neither vendor sends one)',
  },
  {
    name: 'track with attachTraits restricted to a list',
    attachTraits: ['plan'],
    calls: [identify('u1', { email: 'a@b.co', plan: 'pro', seats: 3 }), track('u1', 'Upgrade')],
    segment: { sends: POST, body: { eventName: 'Upgrade', userId: 'u1', eventProperties: {} } },
    rudder: {
      sends: POST,
      body: {
        email: 'a@b.co',
        plan: 'pro',
        seats: 3,
        userId: 'u1',
        eventName: 'Upgrade',
        eventProperties: {},
      },
    },
    ours: {
      type: 'event',
      messageId: 'tr-16',
      userId: 'u1',
      email: 'a@b.co',
      eventName: 'Upgrade',
      contactProperties: { plan: 'pro' },
    },
  },
  {
    name: 'track with an email in context.traits and properties.email',
    calls: [track(undefined, 'Download', { email: 'p@b.co' }, { traits: { email: 'c@b.co' } })],
    segment: { error: "missing the required field 'userId'." },
    rudder: {
      sends: POST,
      body: { email: 'c@b.co', eventName: 'Download', eventProperties: { email: 'p@b.co' } },
    },
    ours: {
      type: 'event',
      messageId: 'tr-17',
      email: 'p@b.co',
      eventName: 'Download',
      eventProperties: { email: 'p@b.co' },
    },
    differs:
      'properties.email wins over context.traits.email (Segment order; RudderStack prefers traits)',
  },
  {
    name: 'track with a null event property',
    calls: [track('u1', 'Plan Changed', { plan: null, seats: 2 })],
    segment: {
      sends: POST,
      body: { eventName: 'Plan Changed', userId: 'u1', eventProperties: { plan: null, seats: 2 } },
    },
    rudder: {
      sends: POST,
      body: { userId: 'u1', eventName: 'Plan Changed', eventProperties: { plan: null, seats: 2 } },
    },
    ours: {
      type: 'event',
      messageId: 'tr-18',
      userId: 'u1',
      eventName: 'Plan Changed',
      eventProperties: { seats: 2 },
    },
    differs:
      'null dropped from event properties by the relay (Loops event properties have no null)',
  },
  {
    name: 'track with ":" in the event name',
    calls: [track('u1', 'plan:upgraded')],
    segment: {
      sends: POST,
      body: { eventName: 'plan:upgraded', userId: 'u1', eventProperties: {} },
    },
    rudder: {
      sends: POST,
      body: { userId: 'u1', eventName: 'plan:upgraded', eventProperties: {} },
    },
    ours: { rejected: 'eventName must not contain ":"' },
    differs:
      'sent by the browser, then rejected by the relay (Loops forbids ":"); the app gets a RelayRejectedError through onError',
  },
  {
    name: 'anonymous track without any email',
    calls: [track(undefined, 'Viewed')],
    segment: { error: "missing the required field 'userId'." },
    rudder: { error: 'Either email or userId is required for track call.' },
    ours: { skip: /not sent: no email or userId/ },
  },
  {
    name: 'track without an event name',
    calls: [{ type: 'track', messageId: 'tr-x', userId: 'u1' }],
    segment: { error: "missing the required field 'eventName'." },
    rudder: { error: 'event is required for track call.' },
    ours: { skip: /no event name/ },
  },
  {
    name: 'page call',
    calls: [{ type: 'page', messageId: 'pg-1', userId: 'u1' }],
    segment: { error: 'no action subscribed (identify and track only)' },
    rudder: { error: 'message type page is not supported' },
    ours: { skip: /page ignored/ },
  },
]

/** Runs the calls through a fresh trait store with the production path; the last result counts. */
function ours(row: Row) {
  const store = createTraitStore(createStorage(), 't:id', () => {})
  let last: ReturnType<typeof mapCall> = ''
  for (const call of row.calls) last = mapCall(call, store, row.attachTraits, () => {})
  return last
}

/** What the relay's validator makes of a browser message, after the JSON trip over the wire. */
const atRelay = (m: WireMessage) => validateMessage(JSON.parse(JSON.stringify(m)))

describe('mapping table (ours asserted; Segment and RudderStack cloud destinations documented)', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const got = ours(row)
    const want = row.ours
    if ('skip' in want) {
      expect(typeof got).toBe('string')
      expect(got).toMatch(want.skip)
      return
    }
    if (typeof got === 'string') throw new Error(`not sent: ${got}`)
    const relay = atRelay(got)
    if ('rejected' in want) expect(relay).toEqual({ ok: false, error: want.rejected })
    else expect(relay).toEqual({ ok: true, message: want })
  })

  it('documents both vendors in every row', () => {
    for (const row of rows) {
      for (const v of [row.segment, row.rudder]) {
        expect('error' in v ? v.error.length : v.sends.length).toBeGreaterThan(0)
      }
    }
  })
})

describe('mapIdentify / mapTrack details', () => {
  const id = { u: 'u1', e: 'a@b.co', t: { plan: 'pro' } }

  it('turns a Date timestamp into ISO and keeps strings and epoch numbers', () => {
    const at = new Date('2026-11-22T10:00:00.000Z')
    const a = mapIdentify({ type: 'identify', messageId: 'm', timestamp: at }, id, {})
    expect(a).toMatchObject({ timestamp: '2026-11-22T10:00:00.000Z' })
    const b = mapTrack(
      { type: 'track', messageId: 'm', event: 'E', timestamp: 5 },
      id,
      true,
      () => {},
    )
    expect(b).toMatchObject({ timestamp: 5 })
  })

  it('passes subscribed only when it is a boolean in this call', () => {
    for (const subscribed of ['true', 1, null]) {
      const m = mapIdentify({ type: 'identify', messageId: 'm' }, id, { subscribed })
      expect(m).not.toHaveProperty('subscribed')
    }
    const yes = mapIdentify({ type: 'identify', messageId: 'm' }, id, { subscribed: false })
    expect(yes).toMatchObject({ subscribed: false })
  })

  it('attaches no contactProperties with attachTraits: false', () => {
    const m = mapTrack({ type: 'track', messageId: 'm', event: 'E' }, id, false, () => {})
    expect(m).not.toHaveProperty('contactProperties')
  })

  it('sends an event name with ":" as it is; the relay rejects it', () => {
    const m = mapTrack({ type: 'track', messageId: 'm9', event: 'a:b' }, id, true, () => {})
    expect(m).toMatchObject({ type: 'event', messageId: 'm9', eventName: 'a:b' })
    expect(atRelay(m as WireMessage)).toEqual({
      ok: false,
      error: 'eventName must not contain ":"',
    })
  })

  it('contactKey ignores messageId, timestamp and userHash but not the payload', () => {
    const a = { type: 'contact', messageId: 'a', email: 'x@y.co', properties: { p: 1 } } as const
    const b = { ...a, messageId: 'b', timestamp: 1, userHash: 'h' }
    expect(contactKey(a)).toBe(contactKey(b))
    expect(contactKey(a)).not.toBe(contactKey({ ...a, properties: { p: 2 } }))
    expect(contactKey(a)).not.toBe(contactKey({ ...a, subscribed: false }))
    expect(contactKey(a)).not.toBe(contactKey({ ...a, mailingLists: { l: true } }))
  })
})

describe('what the browser sends: a JSON copy of what the app passed', () => {
  const run = (...calls: CdpCall[]) => {
    const lines: string[] = []
    const store = createTraitStore(createStorage(), 't:id', () => {})
    const out = calls.map((c) => mapCall(c, store, true, (m) => lines.push(m)))
    return { out, lines, store }
  }
  const at = new Date('2026-11-22T10:00:00.000Z')

  it('sends traits and properties raw: no flattening, cutting or reserved-name drops', () => {
    const long = 'x'.repeat(600)
    const { out } = run(
      identify('u1', {
        email: 'a@b.co',
        address: { city: 'Berlin' },
        id: 'db-1',
        tags: ['a'],
        long,
      }),
      track('u1', 'E', { nested: { a: 1 }, gone: null, list: [1] }),
    )
    expect(out[0]).toMatchObject({
      properties: { address: { city: 'Berlin' }, id: 'db-1', tags: ['a'], long },
    })
    expect(out[1]).toMatchObject({
      eventProperties: { nested: { a: 1 }, gone: null, list: [1] },
      contactProperties: { address: { city: 'Berlin' }, id: 'db-1', tags: ['a'], long },
    })
  })

  it('turns a Date into its ISO string and drops functions, in traits and in properties', () => {
    const { out, lines } = run(
      identify('u1', { email: 'a@b.co', signedUpAt: at, onClick: () => 1 }),
      track('u1', 'E', { at, handler() {}, n: 1 }),
    )
    expect(out[0]).toEqual({
      type: 'contact',
      messageId: expect.any(String),
      userId: 'u1',
      email: 'a@b.co',
      properties: { signedUpAt: '2026-11-22T10:00:00.000Z' },
    })
    expect(out[1]).toMatchObject({
      eventProperties: { at: '2026-11-22T10:00:00.000Z', n: 1 },
      contactProperties: { signedUpAt: '2026-11-22T10:00:00.000Z' },
    })
    expect(out[1]).not.toHaveProperty('eventProperties.handler')
    expect(lines).toEqual([])
  })

  it('turns cyclic traits or properties into {} with a "dropped: not JSON" debug line', () => {
    const cyclic: Record<string, unknown> = { plan: 'pro' }
    cyclic.self = cyclic
    const { out, lines } = run(
      identify('u1', cyclic), // the email is in the cyclic traits, so nothing identifies it
      identify('u1', { email: 'a@b.co' }),
      track('u1', 'E', cyclic),
    )
    expect(out[0]).toEqual({ type: 'contact', messageId: expect.any(String), userId: 'u1' })
    expect(out[2]).toEqual({
      type: 'event',
      messageId: expect.any(String),
      userId: 'u1',
      email: 'a@b.co',
      eventName: 'E',
    })
    expect(lines).toEqual(['dropped: not JSON', 'dropped: not JSON'])
  })

  it('passes the raw mailingLists (any case) of the identify call, never stored, never on track', () => {
    const lists = [{ id: 'l1', subscribed: true }]
    const { out, store } = run(
      identify('u1', { email: 'a@b.co', MailingLists: lists, plan: 'pro' }),
      identify('u1', { plan: 'team' }),
      track('u1', 'E'),
    )
    expect(out[0]).toMatchObject({ mailingLists: lists, properties: { plan: 'pro' } })
    expect(out[1]).not.toHaveProperty('mailingLists')
    expect(out[2]).not.toHaveProperty('mailingLists')
    expect(out[2]).toMatchObject({ contactProperties: { plan: 'team' } })
    expect(store.load().t).toEqual({ plan: 'team' })
    // Anything but an object or a list is not sent: the relay would reject the whole contact.
    for (const junk of [null, 'newsletter', true, 5]) {
      const { out: o } = run(identify('u1', { email: 'a@b.co', mailingLists: junk }))
      expect(o[0]).not.toHaveProperty('mailingLists')
      expect(atRelay(o[0] as WireMessage)).toMatchObject({ ok: true })
    }
    // At the relay, the array form becomes Loops' object form.
    expect(atRelay(out[0] as WireMessage)).toMatchObject({
      ok: true,
      message: { mailingLists: { l1: true } },
    })
  })

  it('keeps `name` as it is; the relay fills firstName/lastName', () => {
    const { out } = run(identify('u1', { email: 'a@b.co', name: 'Alex Smith' }), track('u1', 'E'))
    expect(out[0]).toMatchObject({ properties: { name: 'Alex Smith' } })
    expect(out[0]).not.toHaveProperty('properties.firstName')
    expect(atRelay(out[1] as WireMessage)).toMatchObject({
      ok: true,
      message: { contactProperties: { name: 'Alex Smith', firstName: 'Alex', lastName: 'Smith' } },
    })
  })
})
