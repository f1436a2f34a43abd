import { afterEach, describe, expect, it } from 'vitest'
import { createStorage } from '../src/storage'
import type { KeyValueStorage } from '../src/types'

/** A localStorage stand-in (Node 20 has none) with a byte quota and switchable failures. */
function fakeLocalStorage(quota = Number.POSITIVE_INFINITY) {
  const data = new Map<string, string>()
  const state = { failGet: false, failSet: false, failRemove: false }
  const used = () => [...data].reduce((n, [k, v]) => n + k.length + v.length, 0)
  const storage: KeyValueStorage = {
    getItem(k) {
      if (state.failGet) throw new DOMException('The operation is insecure.', 'SecurityError')
      return data.get(k) ?? null
    },
    setItem(k, v) {
      if (state.failSet || used() - (data.get(k)?.length ?? 0) + k.length + v.length > quota) {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
      }
      data.set(k, v)
    },
    removeItem(k) {
      if (state.failRemove) throw new DOMException('The operation is insecure.', 'SecurityError')
      data.delete(k)
    },
  }
  return { storage, data, state }
}

describe('createStorage', () => {
  afterEach(() => {
    Reflect.deleteProperty(globalThis, 'localStorage')
  })

  it('writes through to a usable storage and adds no key of its own', () => {
    const { storage, data } = fakeLocalStorage()
    const s = createStorage(storage)
    s.setItem('k', 'v')
    expect(data.get('k')).toBe('v')
    expect(s.getItem('k')).toBe('v')
    expect([...data.keys()]).toEqual(['k'])
    s.removeItem('k')
    expect(data.size).toBe(0)
    expect(s.getItem('k')).toBeNull()
  })

  it('uses globalThis.localStorage when no storage is given', () => {
    const { storage, data } = fakeLocalStorage()
    Object.defineProperty(globalThis, 'localStorage', { value: storage, configurable: true })
    createStorage().setItem('k', 'v')
    expect(data.get('k')).toBe('v')
  })

  it('falls back to memory when there is no localStorage (Node)', () => {
    expect('localStorage' in globalThis).toBe(false)
    const s = createStorage()
    expect(s.getItem('k')).toBeNull()
    s.setItem('k', 'v')
    expect(s.getItem('k')).toBe('v')
    s.removeItem('k')
    expect(s.getItem('k')).toBeNull()
  })

  it('falls back to memory when reading localStorage itself throws a SecurityError', () => {
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      get() {
        throw new DOMException('Access is denied for this document.', 'SecurityError')
      },
    })
    const s = createStorage()
    s.setItem('k', 'v')
    expect(s.getItem('k')).toBe('v')
  })

  it('keeps values in memory while every write fails (storage disabled / quota 0), and never throws', () => {
    const { storage, data, state } = fakeLocalStorage()
    state.failSet = true
    const s = createStorage(storage)
    expect(() => s.setItem('k', 'v')).not.toThrow()
    expect(s.getItem('k')).toBe('v') // this page still sees it
    expect(data.size).toBe(0)
    // Memory wins over the store for that key until a write succeeds...
    data.set('k', 'stale')
    expect(s.getItem('k')).toBe('v')
    // ...and once one does, the store is the truth again.
    state.failSet = false
    s.setItem('k', 'w')
    expect(data.get('k')).toBe('w')
    data.set('k', 'from another tab')
    expect(s.getItem('k')).toBe('from another tab')
  })

  it('removeItem forgets the memory copy too, even when the store throws', () => {
    const { storage, state } = fakeLocalStorage()
    state.failSet = true
    const s = createStorage(storage)
    s.setItem('k', 'v')
    state.failRemove = true
    s.removeItem('k')
    expect(s.getItem('k')).toBeNull()
  })

  it('keeps a value in memory when setItem later hits the quota, and never throws', () => {
    const { storage, data } = fakeLocalStorage(100)
    const s = createStorage(storage)
    s.setItem('small', 'x')
    expect(() => s.setItem('big', 'y'.repeat(500))).not.toThrow()
    expect(s.getItem('big')).toBe('y'.repeat(500)) // this page still sees it
    expect(data.has('big')).toBe(false)
    // Once a write fits again, storage is the truth again.
    s.setItem('big', 'z')
    expect(data.get('big')).toBe('z')
    expect(s.getItem('big')).toBe('z')
  })

  it('answers null when getItem throws a SecurityError, and never throws on removeItem', () => {
    const { storage, state } = fakeLocalStorage()
    const s = createStorage(storage)
    s.setItem('k', 'v')
    state.failGet = true
    state.failRemove = true
    expect(s.getItem('k')).toBeNull()
    expect(() => s.removeItem('k')).not.toThrow()
  })
})
