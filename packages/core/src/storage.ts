// Storage that never throws (DESIGN §2): localStorage when a probe write works, memory otherwise.
// A write that fails later (quota full) is kept in memory, so this page still sees it.
import type { KeyValueStorage } from './types'

export function createStorage(preferred?: KeyValueStorage): KeyValueStorage {
  const mem = new Map<string, string>()
  let s: KeyValueStorage | undefined
  try {
    // Reading `localStorage` itself throws a SecurityError when storage is disabled.
    s = preferred || (globalThis as { localStorage?: KeyValueStorage }).localStorage
    if (s) {
      s.setItem('loops-cdp:probe', '1')
      s.removeItem('loops-cdp:probe')
    }
  } catch {
    s = undefined
  }
  const run = <T>(f: (s: KeyValueStorage) => T): T | undefined => {
    try {
      return s && f(s)
    } catch {}
  }
  return {
    getItem: (k) => (mem.has(k) ? (mem.get(k) as string) : run((s) => s.getItem(k)) || null),
    setItem(k, v) {
      const ok = run((s) => {
        s.setItem(k, v)
        return 1
      })
      if (ok) mem.delete(k)
      else mem.set(k, v) // no storage, quota full or storage gone: this page keeps the value
    },
    removeItem(k) {
      mem.delete(k)
      run((s) => s.removeItem(k))
    },
  }
}
