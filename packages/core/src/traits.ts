// The trait store (DESIGN §2): one identity — userId, email and sanitized traits — persisted on a
// KeyValueStorage, so a later track (analytics-next never attaches traits to track) can use them.
import { get, obj, sanitizeProperties } from './sanitize'
import type { DebugLogger, KeyValueStorage, LoopsProperties } from './types'

export interface Identity {
  u?: string // userId
  e?: string // email
  t: LoopsProperties // traits, already sanitized (flat Loops values)
}

/** A non-empty string, or undefined. */
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined)

/** `context.traits.email`: how some apps and SDKs pass the email on every call. */
export const contextEmail = (call: { context?: unknown }) =>
  str(get(get(call.context, 'traits'), 'email'))

/** `mailingLists` in any case: per identify call, never stored. */
export const isListsKey = (k: string) => k.toLowerCase() === 'mailinglists'

// Resolved separately or per call; never stored as contact properties.
const SKIP = ['email', 'userId', 'subscribed']

export function createTraitStore(storage: KeyValueStorage, key: string, log: DebugLogger) {
  return {
    /**
     * The identity for a call with this userId: a different non-empty userId than the stored one
     * starts a fresh identity (as both SDKs do); anonymous → identified keeps the traits.
     */
    load(userId?: string): Identity {
      let id: Identity = { t: {} }
      try {
        const v = JSON.parse(storage.getItem(key) || '{}')
        if (obj(v.t)) id = v
      } catch {}
      if (userId && id.u && id.u !== userId) {
        log('new userId: stored traits cleared')
        id = { t: {} }
      }
      if (userId) id.u = userId
      return id
    },
    /** Merges a call's traits (sanitized); `name` fills missing firstName/lastName. */
    merge(id: Identity, traits: Record<string, unknown>): void {
      const raw: Record<string, unknown> = {}
      for (const k of Object.keys(traits))
        if (!SKIP.includes(k) && !isListsKey(k)) raw[k] = traits[k]
      const t = Object.assign(id.t, sanitizeProperties(raw, { kind: 'contact', log }))
      const [first, ...rest] = typeof t.name === 'string' ? t.name.trim().split(/\s+/) : []
      if (first && t.firstName === undefined) t.firstName = first
      if (rest.length && t.lastName === undefined) t.lastName = rest.join(' ')
    },
    save: (id: Identity) => storage.setItem(key, JSON.stringify(id)),
    clear: () => storage.removeItem(key),
  }
}

export type TraitStore = ReturnType<typeof createTraitStore>
