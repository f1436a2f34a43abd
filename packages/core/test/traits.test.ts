import { describe, expect, it } from 'vitest'
import { createStorage } from '../src/storage'
import { createTraitStore, isListsKey, json } from '../src/traits'

const setup = () => {
  const storage = createStorage() // memory in Node
  const lines: string[] = []
  const store = createTraitStore(storage, 'p:id', (m) => lines.push(m))
  return { storage, store, lines }
}

describe('trait store', () => {
  it('merges traits as they are (raw JSON) into the stored ones and persists them', () => {
    const { storage, store } = setup()
    const id = store.load('u1')
    // No Loops rules here: nested objects, arrays, long strings and reserved names are kept for
    // the relay's validator, which sanitizes them.
    const long = 'x'.repeat(2000)
    store.merge(id, { plan: 'pro', address: { city: 'Berlin' }, tags: ['a'], id: 'db-1', long })
    store.save(id)
    const again = store.load('u1')
    store.merge(again, { seats: 3, plan: 'team' })
    store.save(again)
    expect(store.load()).toEqual({
      u: 'u1',
      t: { plan: 'team', address: { city: 'Berlin' }, tags: ['a'], id: 'db-1', long, seats: 3 },
    })
    expect(JSON.parse(storage.getItem('p:id') as string)).toEqual(store.load())
  })

  it('writes storage only when the identity changed (every track of a known user changes nothing)', () => {
    const storage = createStorage()
    let writes = 0
    const counting = {
      ...storage,
      setItem(k: string, v: string) {
        writes++
        storage.setItem(k, v)
      },
    }
    const store = createTraitStore(counting, 'p:id', () => {})
    const id = store.load('u1')
    store.merge(id, { plan: 'pro' })
    store.save(id)
    for (let i = 0; i < 5; i++) store.save(store.load('u1')) // tracks
    expect(writes).toBe(1)
    const next = store.load('u1')
    store.merge(next, { plan: 'team' })
    store.save(next)
    expect(writes).toBe(2)
    store.clear()
    store.save(store.load('u1')) // after a reset the identity is written again
    expect(writes).toBe(3)
    expect(JSON.parse(storage.getItem('p:id') as string)).toEqual({ u: 'u1', t: {} })
  })

  it('keeps `name` as it is: no firstName/lastName split in the store (the relay does it)', () => {
    const { store } = setup()
    const id = store.load()
    store.merge(id, { name: '  Alex  van der Berg ' })
    expect(id.t).toEqual({ name: '  Alex  van der Berg ' })
  })

  it('starts a fresh identity for a different non-empty userId', () => {
    const { store, lines } = setup()
    const id = store.load('u1')
    id.e = 'a@b.co'
    store.merge(id, { plan: 'pro' })
    store.save(id)
    expect(store.load('u2')).toEqual({ u: 'u2', t: {} })
    expect(lines).toContain('new userId: stored traits cleared')
    // Same userId, or none: the stored identity.
    expect(store.load('u1')).toEqual({ u: 'u1', e: 'a@b.co', t: { plan: 'pro' } })
    expect(store.load(undefined)).toEqual({ u: 'u1', e: 'a@b.co', t: { plan: 'pro' } })
  })

  it('keeps the traits when an anonymous visitor becomes identified', () => {
    const { store } = setup()
    const anon = store.load()
    anon.e = 'a@b.co'
    store.merge(anon, { plan: 'free' })
    store.save(anon)
    expect(store.load('u1')).toEqual({ u: 'u1', e: 'a@b.co', t: { plan: 'free' } })
  })

  it('never stores email, userId, subscribed, __proto__ or mailingLists (any case) as traits', () => {
    const { store } = setup()
    const id = store.load()
    store.merge(id, {
      ...JSON.parse('{"__proto__": {"polluted": 1}}'),
      email: 'a@b.co',
      userId: 'u1',
      subscribed: true,
      mailingLists: { l1: true },
      MAILINGLISTS: { l2: true },
      mailinglists: [{ id: 'l3', subscribed: true }],
      plan: 'pro',
    })
    expect(id.t).toEqual({ plan: 'pro' })
    expect(Object.getPrototypeOf(id.t)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(['mailingLists', 'MailingLists', 'mailinglists'].every(isListsKey)).toBe(true)
    expect(isListsKey('mailingList')).toBe(false)
  })

  it('keeps null (a clear) in the stored traits', () => {
    const { store } = setup()
    const id = store.load('u1')
    store.merge(id, { plan: 'pro' })
    store.merge(id, { plan: null })
    expect(id.t).toEqual({ plan: null })
  })

  it('treats a corrupt or foreign stored value as no identity', () => {
    for (const junk of ['{not json', '5', 'null', '{"t":[1]}', '{"u":"x"}']) {
      const { storage, store } = setup()
      storage.setItem('p:id', junk)
      expect(store.load()).toEqual({ t: {} })
    }
  })

  it('clear() forgets identity and traits', () => {
    const { store } = setup()
    const id = store.load('u1')
    store.merge(id, { plan: 'pro' })
    store.save(id)
    store.clear()
    expect(store.load()).toEqual({ t: {} })
  })
})

describe('json(): the copy of traits and properties that goes on the wire', () => {
  const run = (v: unknown) => {
    const lines: string[] = []
    return { out: json(v, (m) => lines.push(m)), lines }
  }

  it('turns a Date into its ISO string and drops functions and undefined, as JSON does', () => {
    const at = new Date('2026-11-22T10:00:00.000Z')
    const { out, lines } = run({ at, f: () => 1, u: undefined, n: null, nested: { at, f() {} } })
    expect(out).toEqual({
      at: '2026-11-22T10:00:00.000Z',
      n: null,
      nested: { at: at.toISOString() },
    })
    expect(lines).toEqual([])
  })

  it('is a copy: later changes by the app do not reach it', () => {
    const traits = { plan: 'pro', address: { city: 'Berlin' } }
    const { out } = run(traits)
    traits.address.city = 'Paris'
    expect(out).toEqual({ plan: 'pro', address: { city: 'Berlin' } })
  })

  it('gives {} and a "dropped: not JSON" line for a cycle, a BigInt or a throwing getter', () => {
    const cyclic: Record<string, unknown> = { plan: 'pro' }
    cyclic.self = cyclic
    const getter = {
      get boom(): unknown {
        throw new Error('getter')
      },
    }
    for (const v of [cyclic, { big: 10n }, getter]) {
      const { out, lines } = run(v)
      expect(out).toEqual({})
      expect(lines).toEqual(['dropped: not JSON'])
    }
  })

  it('gives {} without a line for what is not a plain object', () => {
    for (const v of [undefined, null, 'x', 5, [1, 2]])
      expect(run(v)).toEqual({ out: {}, lines: [] })
  })
})
