// Storage that never throws: localStorage (or the injected storage), with a memory
// fallback per key: a write that fails (storage disabled, quota full, gone) is kept in memory, so
// this page still sees it, and memory wins over the store for that key until a write succeeds.
import type { KeyValueStorage } from './types'

export function createStorage(preferred?: KeyValueStorage): KeyValueStorage {
  const mem = new Map<string, string>()
  let s: KeyValueStorage | undefined
  try {
    // Reading `localStorage` itself throws a SecurityError when storage is disabled.
    s = preferred || (globalThis as { localStorage?: KeyValueStorage }).localStorage
  } catch {}
  return {
    getItem(k) {
      try {
        if (!mem.has(k)) return (s as KeyValueStorage).getItem(k)
      } catch {}
      return mem.get(k) ?? null
    },
    setItem(k, v) {
      try {
        ;(s as KeyValueStorage).setItem(k, v)
        mem.delete(k)
      } catch {
        mem.set(k, v)
      }
    },
    removeItem(k) {
      mem.delete(k)
      try {
        ;(s as KeyValueStorage).removeItem(k)
      } catch {}
    },
  }
}
