import { describe, expect, it } from 'vitest'
import { createStorage } from '../src/storage'
import { createTraitStore } from '../src/traits'

const setup = () => {
  const storage = createStorage() // memory in Node
  const lines: string[] = []
  const store = createTraitStore(storage, 'p:id', (m) => lines.push(m))
  return { storage, store, lines }
}

describe('trait store', () => {
  it('merges sanitized traits into the stored ones and persists them', () => {
    const { storage, store } = setup()
    const id = store.load('u1')
    store.merge(id, { plan: 'pro', address: { city: 'Berlin' } })
    store.save(id)
    const again = store.load('u1')
    store.merge(again, { seats: 3, plan: 'team' })
    store.save(again)
    expect(store.load()).toEqual({ u: 'u1', t: { plan: 'team', addressCity: 'Berlin', seats: 3 } })
    expect(JSON.parse(storage.getItem('p:id') as string)).toEqual(store.load())
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

  it('never stores email, userId, subscribed or mailingLists (any case) as traits', () => {
    const { store } = setup()
    const id = store.load()
    store.merge(id, {
      email: 'a@b.co',
      userId: 'u1',
      subscribed: true,
      mailingLists: { l1: true },
      MAILINGLISTS: { l2: true },
      mailinglists: [{ id: 'l3', subscribed: true }],
      plan: 'pro',
    })
    expect(id.t).toEqual({ plan: 'pro' })
  })

  it('fills missing firstName/lastName from name, never overwriting them', () => {
    const { store } = setup()
    const a = store.load()
    store.merge(a, { name: '  Alex  van der Berg ' })
    expect(a.t).toMatchObject({ firstName: 'Alex', lastName: 'van der Berg' })
    const b = store.load()
    store.merge(b, { name: 'Alex Smith', firstName: 'Alexander' })
    expect(b.t).toMatchObject({ firstName: 'Alexander', lastName: 'Smith' })
    const c = store.load()
    store.merge(c, { name: 'Cher' })
    expect(c.t).toEqual({ name: 'Cher', firstName: 'Cher' })
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
