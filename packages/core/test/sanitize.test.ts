import { describe, expect, it } from 'vitest'
import {
  MAX_VALUE_LENGTH,
  MESSAGE_OWNED_KEYS,
  normalizeMailingLists,
  RESERVED_PROPERTY_NAMES,
  sanitizeProperties,
} from '../src/sanitize'

/** Runs the sanitizer with a recording logger. */
function run(input: unknown, kind: 'contact' | 'event' = 'contact', maxDepth?: number) {
  const lines: Array<[string, unknown]> = []
  const out = sanitizeProperties(input, { kind, maxDepth, log: (m, d) => lines.push([m, d]) })
  return { out, lines, messages: lines.map(([m]) => m) }
}

describe('sanitizeProperties: kept values', () => {
  it('keeps strings, finite numbers and booleans as they are, with no log line', () => {
    const { out, lines } = run({
      plan: 'pro',
      seats: 3,
      ratio: 0.5,
      neg: -1,
      trial: false,
      on: true,
    })
    expect(out).toEqual({ plan: 'pro', seats: 3, ratio: 0.5, neg: -1, trial: false, on: true })
    expect(lines).toEqual([])
  })

  it('turns a Date into its ISO string', () => {
    const { out } = run({ signedUpAt: new Date('2026-11-22T10:00:00.000Z') }, 'event')
    expect(out).toEqual({ signedUpAt: '2026-11-22T10:00:00.000Z' })
  })

  it('keeps null for contacts (it clears the value in Loops)', () => {
    const { out, lines } = run({ plan: null }, 'contact')
    expect(out).toEqual({ plan: null })
    expect(lines).toEqual([])
  })

  it('skips undefined values silently, as JSON does', () => {
    const { out, lines } = run({ a: undefined, b: 1 })
    expect(out).toEqual({ b: 1 })
    expect(lines).toEqual([])
  })

  it('returns {} without a log line for null and undefined input', () => {
    expect(run(null)).toMatchObject({ out: {}, lines: [] })
    expect(run(undefined)).toMatchObject({ out: {}, lines: [] })
  })
})

describe('sanitizeProperties: flattening', () => {
  it('flattens nested objects to camelCase keys', () => {
    const { out } = run({ address: { city: 'Berlin', postal: { code: '10115' } } })
    expect(out).toEqual({ addressCity: 'Berlin', addressPostalCode: '10115' })
  })

  it('drops what is deeper than maxDepth (default 3), with a log line', () => {
    const { out, messages } = run({ a: { b: { c: 1, d: { e: 2 } } } })
    expect(out).toEqual({ aBC: 1 })
    expect(messages).toEqual(['dropped aBD: too deep'])
  })

  it('honours a custom maxDepth', () => {
    const { out, messages } = run({ a: { b: 1 }, c: 2 }, 'contact', 1)
    expect(out).toEqual({ c: 2 })
    expect(messages).toEqual(['dropped a: too deep'])
  })

  it('drops a flattened key that collides with an earlier one, and logs it', () => {
    const { out, messages } = run({ addressCity: 'Paris', address: { city: 'Berlin' } })
    expect(out).toEqual({ addressCity: 'Paris' })
    expect(messages).toEqual(['dropped addressCity: duplicate after flattening'])
  })
})

describe('sanitizeProperties: every drop is logged', () => {
  const long = 'k'.repeat(MAX_VALUE_LENGTH + 1)
  const cases: Array<[string, Record<string, unknown>, 'contact' | 'event', string]> = [
    ['an array', { tags: ['a', 'b'] }, 'contact', 'dropped tags: array'],
    ['a function', { fn: () => 1 }, 'contact', 'dropped fn: function'],
    ['a symbol', { s: Symbol('x') }, 'contact', 'dropped s: symbol'],
    ['a bigint', { big: 10n }, 'contact', 'dropped big: bigint'],
    ['NaN', { n: Number.NaN }, 'contact', 'dropped n: not a finite number'],
    ['Infinity', { n: Number.POSITIVE_INFINITY }, 'event', 'dropped n: not a finite number'],
    ['an invalid Date', { d: new Date('nope') }, 'event', 'dropped d: not a finite number'],
    ['null in an event', { plan: null }, 'event', 'dropped plan: null in an event'],
    ['an empty key', { '': 'x' }, 'contact', 'dropped : unusable name'],
    [
      'a key longer than a Loops value',
      { [long]: 'x' },
      'contact',
      `dropped ${long}: unusable name`,
    ],
  ]
  it.each(cases)(
    'drops %s, and names the rule (never the value) in the line',
    (_name, input, kind, line) => {
      const { out, lines } = run(input, kind)
      expect(out).toEqual({})
      expect(lines).toHaveLength(1)
      expect(lines[0]?.[0]).toBe(line)
    },
  )

  it.each(RESERVED_PROPERTY_NAMES)('drops the Loops reserved name %s from both kinds', (name) => {
    for (const kind of ['contact', 'event'] as const) {
      const { out, messages } = run({ [name]: 'x', ok: 1 }, kind)
      expect(out).toEqual({ ok: 1 })
      expect(messages).toEqual([`dropped ${name}: reserved name`])
    }
  })

  it.each(MESSAGE_OWNED_KEYS)(
    'drops the message-owned key %s from contact properties only',
    (key) => {
      const contact = run({ [key]: 'x' }, 'contact')
      expect(contact.out).toEqual({})
      expect(contact.messages).toEqual([`dropped ${key}: owned by the message`])
      // Event properties are nested in Loops' body and cannot clash with the message's own fields.
      expect(run({ [key]: 'x' }, 'event').out).toEqual({ [key]: 'x' })
    },
  )

  it('logs "not an object" for an array, a string or a number as input', () => {
    for (const input of [[1, 2], 'str', 5]) {
      const { out, messages } = run(input)
      expect(out).toEqual({})
      expect(messages).toEqual(['dropped: not an object'])
    }
  })
})

describe('sanitizeProperties: Loops value limits', () => {
  it('cuts strings to 498 characters (500 with the quotes) and logs it', () => {
    const { out, messages } = run({ bio: 'x'.repeat(600), short: 'y'.repeat(MAX_VALUE_LENGTH) })
    expect(out.bio).toBe('x'.repeat(MAX_VALUE_LENGTH))
    expect(out.short).toHaveLength(MAX_VALUE_LENGTH)
    expect(messages).toEqual(['truncated bio'])
  })

  it('never splits a surrogate pair when cutting', () => {
    const value = `${'x'.repeat(MAX_VALUE_LENGTH - 1)}😀tail`
    const { out } = run({ v: value })
    expect(out.v).toBe('x'.repeat(MAX_VALUE_LENGTH - 1))
    expect(JSON.stringify(out.v)).not.toMatch(/\\ud/)
  })
})

describe('sanitizeProperties: hostile input', () => {
  it('never writes __proto__, also not one made by flattening', () => {
    const input = JSON.parse('{"__proto__": 1, "_": {"_proto__": 2}, "ok": true}')
    const { out, messages } = run(input)
    expect(out).toEqual({ ok: true })
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(messages).toEqual([
      'dropped __proto__: unusable name',
      'dropped __proto__: unusable name',
    ])
  })

  it('leaves Object.prototype alone for __proto__/constructor/prototype objects', () => {
    const input = JSON.parse(
      '{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}, "prototype": {"polluted": 3}}',
    )
    const { out } = run(input)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    // Plain own keys on a fresh object are harmless: they are flattened like any other.
    expect(out).toEqual({
      __proto__Polluted: 1,
      constructorPrototypePolluted: 2,
      prototypePolluted: 3,
    })
  })

  it('bounds the work on an object with 100k keys', () => {
    const big: Record<string, number> = {}
    for (let i = 0; i < 100_000; i++) big[`k${i}`] = i
    const { out, messages } = run(big)
    expect(Object.keys(out)).toHaveLength(1000)
    expect(messages).toEqual(['sanitize stopped'])
  })

  it('drops a million-element array and survives 10k-deep nesting', () => {
    let deep: Record<string, unknown> = { leaf: 1 }
    for (let i = 0; i < 10_000; i++) deep = { n: deep }
    const { out, messages } = run({ arr: new Array(1_000_000).fill(1), deep, ok: 'yes' })
    expect(out).toEqual({ ok: 'yes' })
    expect(messages).toEqual(['dropped arr: array', 'dropped deepNN: too deep'])
  })

  it('keeps what it read before a throwing getter and does not throw', () => {
    const input = {
      a: 1,
      get b(): number {
        throw new Error('boom')
      },
    }
    const { out, messages } = run(input)
    expect(out).toEqual({ a: 1 })
    expect(messages).toEqual(['sanitize stopped'])
  })

  it('survives a Proxy whose ownKeys trap throws', () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no keys')
        },
      },
    )
    expect(run(hostile)).toMatchObject({ out: {}, messages: ['sanitize stopped'] })
  })
})

describe('normalizeMailingLists', () => {
  const norm = (v: unknown) => {
    const lines: string[] = []
    return { out: normalizeMailingLists(v, (m) => lines.push(m)), lines }
  }

  it('keeps booleans and the strings "true"/"false" of the object form', () => {
    const { out, lines } = norm({ a: true, b: false, c: 'true', d: 'false' })
    expect(out).toEqual({ a: true, b: false, c: true, d: false })
    expect(lines).toEqual([])
  })

  it('drops anything else, each with a log line', () => {
    const { out, lines } = norm({ a: true, b: 'yes', c: 1, d: null, e: {} })
    expect(out).toEqual({ a: true })
    expect(lines).toEqual([
      'dropped mailing list b',
      'dropped mailing list c',
      'dropped mailing list d',
      'dropped mailing list e',
    ])
  })

  it('accepts the old array form with id or listId', () => {
    const { out, lines } = norm([
      { id: 'a', subscribed: true },
      { listId: 'b', subscribed: 'false' },
      { id: 'c' },
      null,
      'x',
    ])
    expect(out).toEqual({ a: true, b: false })
    expect(lines).toHaveLength(3)
  })

  it('returns undefined (logged) for a non-object, an empty object or no valid entry', () => {
    for (const v of ['list', 5, true, {}, []]) {
      const { out, lines } = norm(v)
      expect(out).toBeUndefined()
      expect(lines).toEqual(['dropped mailingLists'])
    }
    expect(norm({ a: 'maybe' }).out).toBeUndefined()
  })

  it('never sets a __proto__ list and bounds a huge input', () => {
    const { out } = norm(JSON.parse('{"__proto__": true, "ok": true}'))
    expect(out).toEqual({ ok: true })
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    const many: Record<string, boolean> = {}
    for (let i = 0; i < 5000; i++) many[`l${i}`] = true
    expect(Object.keys(norm(many).out ?? {})).toHaveLength(1000)
  })
})
