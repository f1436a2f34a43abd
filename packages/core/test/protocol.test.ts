import { describe, expect, it } from 'vitest'
import { fillNames, PROTOCOL_LIMITS, validateEnvelope, validateMessage } from '../src/protocol'

const contact = { type: 'contact', messageId: 'm-1', email: 'a@b.co' }
const event = { type: 'event', messageId: 'm-2', userId: 'u1', eventName: 'Signup' }

/** The error of a one-entry envelope whose entry is rejected. */
function entryError(entry: unknown): string | undefined {
  const r = validateEnvelope({ batch: [entry] })
  if (!r.ok) throw new Error(`envelope rejected: ${r.error}`)
  expect(r.messages).toEqual([])
  return r.rejected[0]?.error
}

describe('validateEnvelope: the envelope (400 cases)', () => {
  it('parses a string body and accepts a well-formed batch', () => {
    const r = validateEnvelope(
      JSON.stringify({ sentAt: '2026-11-22T10:00:00.000Z', batch: [contact, event] }),
    )
    expect(r).toEqual({
      ok: true,
      messages: [
        { index: 0, message: contact },
        { index: 1, message: event },
      ],
      rejected: [],
    })
  })

  it.each([
    ['unparseable JSON', '{"batch": [', 'body is not valid JSON'],
    ['an empty body', '', 'body is not valid JSON'],
    ['a JSON array', '[]', 'body must be a JSON object'],
    ['JSON null', 'null', 'body must be a JSON object'],
    ['a JSON number', '5', 'body must be a JSON object'],
    ['no batch', '{}', 'batch must be a non-empty array'],
    ['an empty batch', '{"batch": []}', 'batch must be a non-empty array'],
    ['a batch object', '{"batch": {"0": {}}}', 'batch must be a non-empty array'],
    ['a batch string', '{"batch": "x"}', 'batch must be a non-empty array'],
    ['a numeric sentAt', '{"sentAt": 5, "batch": [{}]}', 'sentAt must be a string'],
  ])('rejects %s', (_name, body, error) => {
    expect(validateEnvelope(body)).toEqual({ ok: false, error })
  })

  it('caps the batch at 100 entries, or the configured size', () => {
    expect(PROTOCOL_LIMITS).toEqual({
      maxBatchSize: 100,
      maxBodyBytes: 512 * 1024,
      maxMessageIdLength: 100,
    })
    const batch = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ ...contact, messageId: `m${i}` }))
    expect(validateEnvelope({ batch: batch(100) }).ok).toBe(true)
    expect(validateEnvelope({ batch: batch(101) })).toEqual({
      ok: false,
      error: 'batch has more than 100 entries',
    })
    expect(validateEnvelope({ batch: batch(3) }, { maxBatchSize: 2 })).toEqual({
      ok: false,
      error: 'batch has more than 2 entries',
    })
  })

  it('lists bad entries in rejected (with index and messageId) and lets the others go on', () => {
    const r = validateEnvelope({
      batch: [contact, 'nope', { ...event, eventName: 'a:b' }, { type: 'x' }, event],
    })
    expect(r).toEqual({
      ok: true,
      messages: [
        { index: 0, message: contact },
        { index: 4, message: event },
      ],
      rejected: [
        { index: 1, error: 'entry must be an object' },
        { index: 2, messageId: 'm-2', error: 'eventName must not contain ":"' },
        { index: 3, error: 'type must be "contact" or "event"' },
      ],
    })
  })
})

describe('validateMessage: each entry', () => {
  it.each([
    ['null', null, 'entry must be an object'],
    ['an array', [contact], 'entry must be an object'],
    ['a missing type', { messageId: 'm', email: 'a@b.co' }, 'type must be "contact" or "event"'],
    ['an unknown type', { ...contact, type: 'identify' }, 'type must be "contact" or "event"'],
    [
      'a missing messageId',
      { type: 'contact', email: 'a@b.co' },
      'messageId must be 1-100 printable ASCII characters',
    ],
    [
      'an empty messageId',
      { ...contact, messageId: '' },
      'messageId must be 1-100 printable ASCII characters',
    ],
    [
      'a 101-char messageId',
      { ...contact, messageId: 'x'.repeat(101) },
      'messageId must be 1-100 printable ASCII characters',
    ],
    [
      'a non-ASCII messageId',
      { ...contact, messageId: 'mé' },
      'messageId must be 1-100 printable ASCII characters',
    ],
    [
      'a messageId with a newline',
      { ...contact, messageId: 'a\nb' },
      'messageId must be 1-100 printable ASCII characters',
    ],
    [
      'a numeric messageId',
      { ...contact, messageId: 5 },
      'messageId must be 1-100 printable ASCII characters',
    ],
    [
      'neither email nor userId',
      { type: 'contact', messageId: 'm' },
      'email or userId is required',
    ],
    [
      'a numeric userId',
      { type: 'contact', messageId: 'm', userId: 42 },
      'userId must be a non-empty string',
    ],
    ['an empty userId', { ...contact, userId: '' }, 'userId must be a non-empty string'],
    [
      'a numeric email',
      { type: 'contact', messageId: 'm', email: 1 },
      'email must be a non-empty string',
    ],
    [
      'a garbage timestamp',
      { ...contact, timestamp: 'yesterday' },
      'timestamp must be an ISO date string or epoch milliseconds',
    ],
    [
      'an impossible date',
      { ...contact, timestamp: '2026-13-45' },
      'timestamp must be an ISO date string or epoch milliseconds',
    ],
    [
      'a negative epoch',
      { ...contact, timestamp: -1 },
      'timestamp must be an ISO date string or epoch milliseconds',
    ],
    [
      'a boolean timestamp',
      { ...contact, timestamp: true },
      'timestamp must be an ISO date string or epoch milliseconds',
    ],
    ['a numeric userHash', { ...contact, userHash: 1 }, 'userHash must be a string'],
    ['a string subscribed', { ...contact, subscribed: 'true' }, 'subscribed must be a boolean'],
    ['array properties', { ...contact, properties: [1] }, 'properties must be an object'],
    ['string mailingLists', { ...contact, mailingLists: 'l1' }, 'mailingLists must be an object'],
    [
      'null eventProperties',
      { ...event, eventProperties: null },
      'eventProperties must be an object',
    ],
    [
      'numeric contactProperties',
      { ...event, contactProperties: 3 },
      'contactProperties must be an object',
    ],
    [
      'a missing eventName',
      { ...event, eventName: undefined },
      'eventName must be a non-empty string',
    ],
    ['an empty eventName', { ...event, eventName: '' }, 'eventName must be a non-empty string'],
    ['a numeric eventName', { ...event, eventName: 7 }, 'eventName must be a non-empty string'],
    [
      'an eventName with ":"',
      { ...event, eventName: 'plan:upgraded' },
      'eventName must not contain ":"',
    ],
  ])('rejects %s', (_name, entry, error) => {
    expect(validateMessage(entry)).toEqual({ ok: false, error })
    expect(entryError(entry)).toBe(error)
  })

  it('accepts a 100-char printable messageId, ISO and epoch timestamps, email-only and userId-only', () => {
    for (const entry of [
      { ...contact, messageId: `${'~'.repeat(99)} `.trimEnd().padEnd(100, '!') },
      { ...contact, timestamp: '2026-11-22T10:00:00.000Z' },
      { ...contact, timestamp: '2026-11-22' },
      { ...contact, timestamp: '2026-11-22T10:00:00+02:00' },
      { ...contact, timestamp: 1_795_000_000_000 },
      { type: 'contact', messageId: 'm', userId: 'u1' },
      { ...event, subscribed: 'ignored on events' },
    ]) {
      expect(validateMessage(entry)).toMatchObject({ ok: true })
    }
  })

  it('rebuilds accepted messages from known fields, sanitized', () => {
    const r = validateMessage({
      ...contact,
      userId: 'u1',
      subscribed: false,
      userHash: 'h',
      extra: 'dropped',
      eventName: 'not for contacts',
      properties: {
        plan: 'pro',
        tags: ['x'],
        id: 'reserved',
        address: { city: 'Berlin' },
        email: 'x',
      },
      mailingLists: { l1: 'true', l2: 'maybe' },
    })
    expect(r).toEqual({
      ok: true,
      message: {
        type: 'contact',
        messageId: 'm-1',
        userId: 'u1',
        email: 'a@b.co',
        userHash: 'h',
        subscribed: false,
        properties: { plan: 'pro', addressCity: 'Berlin' },
        mailingLists: { l1: true },
      },
    })
    const e = validateMessage({
      ...event,
      eventProperties: { plan: 'Pro', gone: null },
      contactProperties: { firstName: 'Alex', cleared: null, email: 'owned' },
      properties: { ignored: true },
    })
    expect(e).toEqual({
      ok: true,
      message: {
        ...event,
        eventProperties: { plan: 'Pro' },
        contactProperties: { firstName: 'Alex', cleared: null },
      },
    })
  })
})

describe('validateMessage: Loops rules applied at the relay', () => {
  it('normalizes mailingLists in the object form and in the old array form', () => {
    const lines: string[] = []
    const log = (m: string) => lines.push(m)
    const a = validateMessage(
      {
        ...contact,
        mailingLists: [
          { listId: 'l1', subscribed: true },
          { id: 'l2', subscribed: 'false' },
          { id: 'l3' },
          'junk',
        ],
      },
      { log },
    )
    expect(a).toEqual({ ok: true, message: { ...contact, mailingLists: { l1: true, l2: false } } })
    expect(lines).toHaveLength(2) // the two entries that are not a list subscription
    const b = validateMessage({ ...contact, mailingLists: { l1: 'true', l2: false } })
    expect(b).toEqual({ ok: true, message: { ...contact, mailingLists: { l1: true, l2: false } } })
  })

  it('omits mailingLists with no valid entry (array or object) and still accepts the message', () => {
    for (const mailingLists of [[], [{ id: 'l1' }], {}, { l1: 'maybe' }]) {
      expect(validateMessage({ ...contact, mailingLists })).toEqual({ ok: true, message: contact })
    }
  })

  it('fills missing firstName/lastName from `name` in contact properties', () => {
    const r = validateMessage({ ...contact, properties: { name: '  Alex  van der Berg ' } })
    expect(r).toEqual({
      ok: true,
      message: {
        ...contact,
        properties: { name: '  Alex  van der Berg ', firstName: 'Alex', lastName: 'van der Berg' },
      },
    })
  })

  it('fills names in event contactProperties, never in eventProperties', () => {
    const r = validateMessage({
      ...event,
      eventProperties: { name: 'Alex Smith' },
      contactProperties: { name: 'Alex Smith', plan: 'pro' },
    })
    expect(r).toEqual({
      ok: true,
      message: {
        ...event,
        eventProperties: { name: 'Alex Smith' },
        contactProperties: {
          name: 'Alex Smith',
          plan: 'pro',
          firstName: 'Alex',
          lastName: 'Smith',
        },
      },
    })
  })

  it('never overwrites a firstName or lastName the app sent, also not a null (a clear)', () => {
    const props = (properties: Record<string, unknown>) => {
      const r = validateMessage({ ...contact, properties })
      if (!r.ok || r.message.type !== 'contact') throw new Error('rejected')
      return r.message.properties
    }
    expect(props({ name: 'Alex Smith', firstName: 'Alexander' })).toEqual({
      name: 'Alex Smith',
      firstName: 'Alexander',
      lastName: 'Smith',
    })
    expect(props({ name: 'Alex Smith', lastName: null })).toEqual({
      name: 'Alex Smith',
      firstName: 'Alex',
      lastName: null,
    })
    // One word: a firstName only.
    expect(props({ name: 'Cher' })).toEqual({ name: 'Cher', firstName: 'Cher' })
  })

  it('splits only a string name that has words; other values stay as they are', () => {
    expect(fillNames({ name: 42 })).toEqual({ name: 42 })
    expect(fillNames({ name: '   ' })).toEqual({ name: '   ' })
    expect(fillNames({ name: null })).toEqual({ name: null })
    expect(fillNames({ plan: 'pro' })).toEqual({ plan: 'pro' })
    expect(fillNames({ name: 'Ada King Lovelace' })).toEqual({
      name: 'Ada King Lovelace',
      firstName: 'Ada',
      lastName: 'King Lovelace',
    })
  })

  it('splits the name after sanitizing: a nested `name` object is flattened, not split', () => {
    const r = validateMessage({ ...contact, properties: { name: { first: 'Alex' } } })
    expect(r).toEqual({ ok: true, message: { ...contact, properties: { nameFirst: 'Alex' } } })
  })
})

describe('hostile input: never throws, never hangs, never pollutes', () => {
  it('answers a million-entry batch with a 400 error', () => {
    const batch = new Array(1_000_000).fill(contact)
    expect(validateEnvelope({ batch })).toEqual({
      ok: false,
      error: 'batch has more than 100 entries',
    })
    expect(validateEnvelope(JSON.stringify({ batch }))).toMatchObject({ ok: false })
    // Building and parsing ~60 MB of JSON takes seconds on a loaded 2-core machine: the bound
    // is "does not hang", not a speed.
  }, 60_000)

  it('handles million-element arrays and 10k-deep nesting inside properties', () => {
    let deep = '1'
    for (let i = 0; i < 10_000; i++) deep = `{"n":${deep}}`
    const body = `{"batch":[{"type":"contact","messageId":"m","email":"a@b.co","properties":{"big":[${'1,'.repeat(999_999)}1],"deep":${deep},"ok":true}}]}`
    const r = validateEnvelope(body)
    expect(r).toEqual({
      ok: true,
      messages: [
        {
          index: 0,
          message: { type: 'contact', messageId: 'm', email: 'a@b.co', properties: { ok: true } },
        },
      ],
      rejected: [],
    })
  })

  it('rejects (does not crash on) a 10k-deep batch entry', () => {
    let deep: unknown = contact
    for (let i = 0; i < 10_000; i++) deep = [deep]
    expect(validateEnvelope({ batch: [deep] })).toMatchObject({
      ok: true,
      rejected: [{ index: 0, error: 'entry must be an object' }],
    })
  })

  it('ignores __proto__, constructor and prototype keys at every level', () => {
    const body = `{
      "__proto__": {"polluted": 1, "batch": [{"type": "contact", "messageId": "p", "email": "p@x.co"}]},
      "constructor": {"prototype": {"polluted": 2}},
      "batch": [
        {"__proto__": {"polluted": 3, "type": "contact"}, "messageId": "a", "email": "a@b.co"},
        {"type": "contact", "messageId": "b", "email": "a@b.co",
         "properties": {"__proto__": {"polluted": 4}, "constructor": {"prototype": {"polluted": 5}}},
         "mailingLists": {"__proto__": true, "constructor": true}},
        {"type": "event", "messageId": "c", "email": "a@b.co", "eventName": "E",
         "eventProperties": {"__proto__": 1, "prototype": {"polluted": 6}}}
      ]
    }`
    const r = validateEnvelope(body)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('type')
    if (!r.ok) throw new Error(r.error)
    expect(r.rejected).toEqual([
      { index: 0, messageId: 'a', error: 'type must be "contact" or "event"' },
    ])
    for (const { message } of r.messages) {
      for (const o of Object.values(message)) {
        if (o && typeof o === 'object') expect(Object.getPrototypeOf(o)).toBe(Object.prototype)
      }
    }
    expect(r.messages.map((m) => m.message)).toEqual([
      {
        type: 'contact',
        messageId: 'b',
        email: 'a@b.co',
        properties: { __proto__Polluted: 4, constructorPrototypePolluted: 5 },
        mailingLists: { constructor: true },
      },
      {
        type: 'event',
        messageId: 'c',
        email: 'a@b.co',
        eventName: 'E',
        eventProperties: { prototypePolluted: 6 },
      },
    ])
  })

  it('gives an error, never an exception, for wrong types at every level', () => {
    const junk: unknown[] = [
      undefined,
      null,
      0,
      -1,
      Number.NaN,
      '',
      'x',
      true,
      [],
      [null],
      {},
      () => 1,
      Symbol('s'),
      10n,
      new Date(0),
      new Map([['batch', []]]),
      Object.create(null),
      new Proxy(
        {},
        {
          get: () => {
            throw new Error('trap')
          },
          ownKeys: () => {
            throw new Error('trap')
          },
        },
      ),
    ]
    const fields = [
      'type',
      'messageId',
      'email',
      'userId',
      'timestamp',
      'subscribed',
      'userHash',
      'properties',
      'mailingLists',
      'eventName',
      'eventProperties',
      'contactProperties',
    ]
    let results = 0
    for (const j of junk) {
      const top = validateEnvelope(j)
      expect(top.ok).toBe(false)
      // `[null]` is a well-formed envelope whose one entry is rejected.
      expect(validateEnvelope({ batch: j }).ok).toBe(Array.isArray(j) && j.length > 0)
      expect(validateEnvelope({ batch: [contact], sentAt: j }).ok).toBe(
        j === undefined || typeof j === 'string',
      )
      expect(validateEnvelope({ batch: [j] })).toMatchObject({ ok: true, messages: [] })
      for (const base of [contact, event]) {
        for (const f of fields) {
          const r = validateMessage({ ...base, [f]: j })
          expect(typeof r.ok).toBe('boolean')
          if (!r.ok) expect(typeof r.error).toBe('string')
          results++
        }
      }
    }
    expect(results).toBe(junk.length * fields.length * 2)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('survives getters that throw on the envelope and on entries', () => {
    const envelope = {
      get batch(): unknown {
        throw new Error('getter')
      },
    }
    expect(validateEnvelope(envelope)).toEqual({ ok: false, error: 'invalid envelope' })
    const entry = {
      ...contact,
      get properties(): unknown {
        throw new Error('getter')
      },
    }
    expect(validateMessage(entry)).toEqual({ ok: false, error: 'invalid entry' })
  })
})
