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

/** The JSON stored under `key`, or undefined (missing, unparseable, or storage throws). */
export function readJson<T>(storage: KeyValueStorage, key: string): T | undefined {
  try {
    return JSON.parse(storage.getItem(key) as string) ?? undefined
  } catch {}
}

/**
 * Stores `value` as JSON under `key`, or removes the key when `value` is undefined; returns the
 * text written (null when removed or when storage throws). Never throws.
 */
export function writeJson(storage: KeyValueStorage, key: string, value: unknown): string | null {
  try {
    if (value === undefined) {
      storage.removeItem(key)
      return null
    }
    const text = JSON.stringify(value)
    storage.setItem(key, text)
    return text
  } catch {
    return null
  }
}
