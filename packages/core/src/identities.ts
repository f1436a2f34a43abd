// Whose records a call reads and writes. In a page there is one visitor: the identity records
// (traits, identify dedupe, lists sent) live in the page's storage. In a server process (Node with
// @segment/analytics-node, a route handler, a worker: no `document`) one process serves many
// people, so each call gets the records of the person it names (userId, else anonymousId) and
// never another's; the least recently seen are forgotten beyond `max`.
import type { CdpCall, KeyValueStorage } from './types'

// The plugins' CDN builds define this (tsup `define`): they only ever run in a page, so the
// per-person branch is left out of them.
declare const LOOPS_CDP_PAGE_ONLY: boolean | undefined

export interface IdentityScope {
  /** Storage for the records of one identity: the page's, or the current call's person's. */
  storage: KeyValueStorage
  /** Selects the person of this call; run before anything reads `storage` for it. */
  use(call: CdpCall): void
}

/**
 * The records of the page's visitor, or — when there is no `document` and no storage was handed
 * in (`env.storage`) — of each call's person, for up to `maxIdentities` people (default 10000).
 */
export function createIdentityScope(
  shared: KeyValueStorage,
  options: { maxIdentities?: number },
  env: { storage?: KeyValueStorage },
): IdentityScope {
  if (
    typeof LOOPS_CDP_PAGE_ONLY === 'boolean' ||
    env.storage ||
    (globalThis as { document?: unknown }).document
  )
    return { storage: shared, use() {} }
  const max = options.maxIdentities || 1e4
  // Map keeps insertion order: re-inserting on use makes the first key the least recently used.
  const people = new Map<string, Map<string, string>>()
  let records = new Map<string, string>()
  return {
    storage: {
      getItem: (key) => records.get(key) ?? null,
      setItem: (key, value) => void records.set(key, value),
      removeItem: (key) => void records.delete(key),
    },
    use(call) {
      const user = call.userId ? `u:${call.userId}` : undefined
      const anonymous = call.anonymousId ? `a:${call.anonymousId}` : undefined
      const key = user || anonymous
      // Nobody named: records that live for this call only.
      if (!key) {
        records = new Map()
        return
      }
      // Anonymous → identified keeps what was recorded for the anonymous id, as in a page.
      const found =
        people.get(key) || (user && anonymous && people.get(anonymous)) || new Map<string, string>()
      if (found === people.get(anonymous as string)) people.delete(anonymous as string)
      people.delete(key)
      people.set(key, found)
      if (people.size > max) people.delete(people.keys().next().value as string)
      records = found
    },
  }
}
