// The trait store (docs/architecture.md, "Core"): one identity — userId, email and traits —
// persisted on a KeyValueStorage, so a later track (analytics-next never attaches traits to track)
// can use them. Traits are kept as the app passed them (JSON); Loops' value rules run once, in the
// relay's validator (sanitizeProperties), which must distrust the browser anyway.
import type { DebugLogger, KeyValueStorage } from './types'

export type Json = Record<string, unknown>

export interface Identity {
  u?: string // userId
  e?: string // email
  t: Json // traits
}

/** A non-empty string, or undefined. */
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined)

/** A plain object (not an array, not null), or undefined. */
export const obj = (v: unknown): Json | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined

/**
 * A JSON copy of an object: what the wire can carry (Date → ISO string; functions and undefined
 * gone). A cycle, a BigInt or a throwing getter gives {} and a debug line.
 */
export const json = (v: unknown, log: DebugLogger): Json => {
  try {
    return obj(JSON.parse(JSON.stringify(obj(v) || {}))) || {}
  } catch (e) {
    log('dropped: not JSON', e)
    return {}
  }
}

/** `context.traits.email`: how some apps and SDKs pass the email on every call. */
export const contextEmail = (call: { context?: unknown }) =>
  str(obj(obj(call.context)?.traits)?.email)

/** `mailingLists` in any case: per identify call, never stored. */
export const isListsKey = (k: string) => k.toLowerCase() === 'mailinglists'

// Resolved separately or per call, never stored as contact properties; `__proto__` would set the
// stored object's prototype.
const SKIP = ['email', 'userId', 'subscribed', '__proto__']

export function createTraitStore(storage: KeyValueStorage, key: string, log: DebugLogger) {
  let stored: string | null = null // the text last read or written
  // That text, parsed. Every call loads the identity and few change it, so a loaded identity
  // shares its traits object with this one until merge() copies it (see save()).
  let parsed: Identity = { t: {} }
  return {
    /**
     * The identity for a call with this userId: a different non-empty userId than the stored one
     * starts a fresh identity (as both SDKs do); anonymous → identified keeps the traits.
     */
    load(userId?: string): Identity {
      let id: Identity = { t: {} }
      try {
        const text = storage.getItem(key)
        if (text !== stored) {
          const value = JSON.parse(text || '{}')
          parsed = obj(value.t) ? value : { t: {} }
          stored = text
        }
        id = { ...parsed }
      } catch {}
      if (userId && id.u && id.u !== userId) {
        log('new userId: stored traits cleared')
        id = { t: {} }
      }
      if (userId) id.u = userId
      return id
    },
    /** Merges a call's traits (already a JSON copy) into the identity, on a copy of its traits. */
    merge(id: Identity, traits: Json): void {
      id.t = { ...id.t }
      for (const k in traits) if (!SKIP.includes(k) && !isListsKey(k)) id.t[k] = traits[k]
    },
    /** Writes only a change: most calls (every track of a known user) change nothing. */
    save(id: Identity) {
      if (id.t === parsed.t && id.u === parsed.u && id.e === parsed.e) return // as loaded
      const text = JSON.stringify(id)
      if (text !== stored) storage.setItem(key, text)
      stored = text
      parsed = { ...id }
    },
    clear: () => storage.removeItem(key),
  }
}

export type TraitStore = ReturnType<typeof createTraitStore>
