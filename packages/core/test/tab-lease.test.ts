// The claim protocol of tab-lease.ts over one shared storage: a stale owner's queue goes to the
// last claimer only; a beating owner keeps it.
import { afterEach, describe, expect, it } from 'vitest'
import { setQueueTiming } from '../src/queue-timing'
import { beatAndClaim, CLAIM_PAUSE } from '../src/tab-lease'
import { MapStorage } from './queue-helpers'

const pause = () => new Promise((r) => setTimeout(r, CLAIM_PAUSE + 50))
afterEach(() => setQueueTiming())

function claimer(storage: MapStorage, claimerId: string, adopted: string[], now = Date.now) {
  beatAndClaim({
    storage,
    indexKey: 'lease',
    claimerId,
    beatAt: now(),
    now,
    isLive: () => true,
    adopt: (ownerId) => adopted.push(`${claimerId} took ${ownerId}`),
  })
}

describe('beatAndClaim', () => {
  it('of two instances claiming the same released queue, only the last writer adopts it', async () => {
    const storage = new MapStorage()
    storage.setItem('lease', JSON.stringify({ gone: 0 }))
    const adopted: string[] = []
    claimer(storage, 'a', adopted)
    claimer(storage, 'b', adopted) // claims over a's claim before a's pause is over
    await pause()
    expect(adopted).toEqual(['b took gone'])
  })

  it('never claims an owner that is still beating, and adopts one that stopped', async () => {
    setQueueTiming({ staleAfter: 1_000 })
    const storage = new MapStorage()
    const t = Date.now()
    storage.setItem('lease', JSON.stringify({ live: t - 500, silent: t - 5_000 }))
    const adopted: string[] = []
    claimer(storage, 'me', adopted)
    await pause()
    expect(adopted).toEqual(['me took silent'])
    // The next round finds nothing more to take; the live owner keeps its queue.
    claimer(storage, 'me', adopted)
    await pause()
    expect(adopted).toEqual(['me took silent'])
  })

  it('adopts nothing once the claimer is closed', async () => {
    const storage = new MapStorage()
    storage.setItem('lease', JSON.stringify({ gone: 0 }))
    let live = true
    const adopted: string[] = []
    beatAndClaim({
      storage,
      indexKey: 'lease',
      claimerId: 'me',
      now: Date.now,
      isLive: () => live,
      adopt: (ownerId) => adopted.push(ownerId),
    })
    live = false
    await pause()
    expect(adopted).toEqual([])
  })
})
