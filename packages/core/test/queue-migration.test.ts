// Upgrade from the queue layout before `:v2`: the test seeds what a page of the old version left
// in storage (its index of beats and one JSON array per tab) and checks that a page of this
// version delivers those messages, once, and leaves a tab of the old version that is still open
// alone until it closes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { event, MapStorage, makeQueue } from './queue-helpers'
import { startRelay, type TestRelay, waitFor } from './relay-server'

let relay: TestRelay
let storage: MapStorage
beforeEach(async () => {
  relay = await startRelay()
  storage = new MapStorage()
})
afterEach(() => relay.close())

const count = (id: string) => relay.accepted().filter((x) => x === id).length

/** What the old version wrote: `${prefix}:q` = { [tab]: lastBeat }, `${prefix}:q:<tab>` = [messages]. */
function seedOldLayout(tabs: Record<string, { beat: number; messages: string[] }>) {
  const index: Record<string, number> = {}
  for (const [tab, { beat, messages }] of Object.entries(tabs)) {
    index[tab] = beat
    storage.setItem(`loops-cdp:q:${tab}`, JSON.stringify(messages.map((id) => event(id))))
  }
  storage.setItem('loops-cdp:q', JSON.stringify(index))
}

describe('upgrade from the old storage layout', () => {
  it('delivers, once, what closed and crashed tabs of the old version left queued', async () => {
    seedOldLayout({
      closed: { beat: 0, messages: ['c1', 'c2'] },
      crashed: { beat: Date.now() - 60_000, messages: ['x1'] },
    })
    const h = makeQueue(relay.url, storage, { heartbeat: 3_600_000 })
    await waitFor(() => relay.accepted().length === 3, 'old messages delivered')
    await h.queue.flush()
    expect(relay.accepted().sort()).toEqual(['c1', 'c2', 'x1'])
    h.queue.close()
    // A second page load of the new version finds nothing more to send.
    const next = makeQueue(relay.url, storage, { heartbeat: 20, staleAfter: 60 })
    await new Promise((r) => setTimeout(r, 300))
    await next.queue.flush()
    for (const id of ['c1', 'c2', 'x1']) expect(count(id)).toBe(1)
  })

  it('leaves a tab of the old version that is still beating alone, and delivers its queue after it closed', async () => {
    seedOldLayout({ open: { beat: Date.now(), messages: ['o1'] } })
    const first = makeQueue(relay.url, storage, { heartbeat: 3_600_000 })
    await new Promise((r) => setTimeout(r, 300))
    await first.queue.flush()
    expect(relay.accepted()).toEqual([]) // the old tab still owns it (and may still send it)
    first.queue.close()
    // The old tab closes (its pagehide releases the queue); the next new-version page load moves it.
    storage.setItem('loops-cdp:q', JSON.stringify({ open: 0 }))
    makeQueue(relay.url, storage, { heartbeat: 3_600_000 })
    await waitFor(() => relay.accepted().length === 1, 'delivered after the old tab closed')
    expect(relay.accepted()).toEqual(['o1'])
  })

  it('new calls and the old queue go out together, the old messages first', async () => {
    seedOldLayout({ closed: { beat: 0, messages: ['old1', 'old2'] } })
    const h = makeQueue(relay.url, storage, { heartbeat: 3_600_000 })
    h.queue.enqueue(event('new1'))
    await waitFor(() => relay.accepted().length === 3, 'all delivered')
    await h.queue.flush()
    expect(relay.accepted()).toEqual(['old1', 'old2', 'new1'])
  })
})
