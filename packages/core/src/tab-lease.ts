// Which page load owns which persisted queue. Tabs of a site share localStorage, so each instance
// (tab, page load) keeps its own queue and beats in a shared index { [instanceId]: lastBeat }
// (0 = released at pagehide or close). The queue of an owner that stopped beating (closed tab,
// crash, reload) is adopted by a live instance.
//
// localStorage has no transactions, so a claim is "write your id over the owner's beat, wait,
// re-read": of two instances claiming at once only the last writer still finds its id and adopts.
// A claim lost to the owner's own beat write is simply made again at the next beat.
import { staleAfter } from './queue-timing'
import { readJson, writeJson } from './storage'
import type { KeyValueStorage } from './types'

/** { [instanceId]: last beat (ms), 0 when released, or the id of the instance claiming it }. */
export type LeaseIndex = Record<string, number | string>

/** How long a claimer waits for concurrent claims to land before it re-reads the index. */
export const CLAIM_PAUSE = 100

export interface ClaimOptions {
  storage: KeyValueStorage
  indexKey: string
  /** The instance claiming; it beats in the index too when `beatAt` is given. */
  claimerId: string
  beatAt?: number
  now: () => number
  /** False once the claimer is closed: it then adopts nothing. */
  isLive: () => boolean
  /** Called, after the pause, for each owner whose claim this instance won. */
  adopt: (ownerId: string) => void
}

/**
 * Writes the claimer's beat (when given) and claims every stale entry of the index; after the
 * pause, hands each entry it still holds to `adopt`, then removes it from the index (the index
 * key goes when it is left empty).
 */
export function beatAndClaim(options: ClaimOptions): void {
  const { storage, indexKey, claimerId, now } = options
  const index = readJson<LeaseIndex>(storage, indexKey) || {}
  if (options.beatAt !== undefined) index[claimerId] = options.beatAt
  const isStale = (beat: number | string | undefined) => !((beat as number) > now() - staleAfter)
  const claimed = Object.keys(index).filter((id) => id !== claimerId && isStale(index[id]))
  if (!claimed[0] && options.beatAt === undefined) return // nothing to write
  for (const ownerId of claimed) index[ownerId] = claimerId
  writeJson(storage, indexKey, index)
  if (claimed[0])
    setTimeout(() => {
      const latest = readJson<LeaseIndex>(storage, indexKey) || {}
      const won = claimed.filter((ownerId) => options.isLive() && latest[ownerId] === claimerId)
      // Adopt before the entry goes: a crash in between leaves a claim that is stale in turn.
      for (const ownerId of won) {
        options.adopt(ownerId)
        delete latest[ownerId]
      }
      writeJson(storage, indexKey, Object.keys(latest)[0] ? latest : undefined)
    }, CLAIM_PAUSE)
}

/** Sets this instance's entry: a beat, or 0 to let another instance adopt its queue now. */
export function markBeat(
  storage: KeyValueStorage,
  indexKey: string,
  instanceId: string,
  beat: number,
): void {
  const index = readJson<LeaseIndex>(storage, indexKey) || {}
  index[instanceId] = beat
  writeJson(storage, indexKey, index)
}
