// Delivery queue across page loads and tabs (several queue instances over one storage, as tabs
// share localStorage), and the keepalive/sendBeacon flush when the page is hidden or unloaded.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { WireMessage } from '../src/types'
import { event, fakeWindow, MapStorage, makeQueue, written } from './queue-helpers'
import { startRelay, type TestRelay, waitFor } from './relay-server'

let relay: TestRelay
let storage: MapStorage
beforeEach(async () => {
  relay = await startRelay()
  storage = new MapStorage()
})
afterEach(() => relay.close())

const ids = (n: number, p = 'm') => Array.from({ length: n }, (_, i) => `${p}${i}`)
const offline = () => {
  const w = fakeWindow()
  w.navigator.onLine = false
  return w
}
const count = (id: string) => relay.accepted().filter((x) => x === id).length

describe('persistence', () => {
  it('calls written within 50 ms survive a crash: the next page load delivers them', async () => {
    const crashed = makeQueue(relay.url, storage, { globals: offline(), heartbeat: 3_600_000 })
    crashed.queue.enqueue(event('a'))
    await written()
    // No close() and no pagehide: the page is gone; its queue is adopted once it stops beating.
    makeQueue(relay.url, storage, { heartbeat: 20, staleAfter: 60 })
    await waitFor(() => relay.accepted().length === 1, 'delivered by the next page load')
    expect(relay.requests[0]?.batch).toEqual([event('a')])
  })

  it('a fresh queue over the same storage sends what a closed one left, once', async () => {
    const h1 = makeQueue(relay.url, storage, { globals: offline() })
    for (const id of ids(3)) h1.queue.enqueue(event(id))
    h1.queue.close() // releases its queue (pagehide does the same)
    const h2 = makeQueue(relay.url, storage)
    await waitFor(() => relay.accepted().length === 3, 'hand-over delivery')
    await h2.queue.flush() // joins the running drain: the answer has been handled after this
    expect(relay.accepted()).toEqual(ids(3))
    expect(h2.logs.some((l) => l.startsWith('adopted 3'))).toBe(true)
    h2.queue.close()
    // Nothing is left behind to be sent again by a later page load.
    const h3 = makeQueue(relay.url, storage, { heartbeat: 20, staleAfter: 60 })
    await new Promise((r) => setTimeout(r, 300))
    await h3.queue.flush()
    expect(relay.accepted()).toEqual(ids(3))
    expect(h3.queue.pending()).toEqual([])
  })
})

describe('tab hand-over', () => {
  it('a live tab adopts the queue of a tab that stopped beating; the old one sends nothing', async () => {
    const w1 = offline()
    const dead = makeQueue(relay.url, storage, { globals: w1, heartbeat: 3_600_000 })
    for (const id of ids(3)) dead.queue.enqueue(event(id))
    makeQueue(relay.url, storage, { heartbeat: 20, staleAfter: 150 })
    await waitFor(() => relay.accepted().length === 3, 'adopted queue delivered')
    expect(dead.queue.pending()).toEqual([])
    // The "dead" tab wakes up (e.g. from a frozen state): it has nothing left to send.
    w1.navigator.onLine = true
    w1.fire('online')
    await dead.queue.flush()
    expect(relay.accepted()).toEqual(ids(3))
  })

  it('never takes the queue of a tab that keeps beating', async () => {
    const w1 = offline()
    const live = makeQueue(relay.url, storage, { globals: w1, heartbeat: 20 })
    for (const id of ids(3)) live.queue.enqueue(event(id))
    const other = makeQueue(relay.url, storage, { heartbeat: 20, staleAfter: 300 })
    // Let both tabs beat on for several stale periods.
    await new Promise((r) => setTimeout(r, 1200))
    expect(relay.requests).toEqual([])
    expect(other.queue.pending()).toEqual([])
    expect(live.queue.pending().map((m) => m.messageId)).toEqual(ids(3))
    w1.navigator.onLine = true
    w1.fire('online')
    await waitFor(() => relay.accepted().length === 3, 'live tab delivers its own')
    expect(relay.accepted()).toEqual(ids(3))
  })

  it('two live tabs claiming the same dead queue deliver it once', async () => {
    const dead = makeQueue(relay.url, storage, {
      globals: offline(),
      heartbeat: 3_600_000,
    })
    for (const id of ids(4)) dead.queue.enqueue(event(id))
    const a = makeQueue(relay.url, storage, { heartbeat: 20, staleAfter: 100 })
    const b = makeQueue(relay.url, storage, { heartbeat: 20, staleAfter: 100 })
    await waitFor(() => relay.accepted().length >= 4, 'adopted queue delivered')
    // Wait until every claim has been settled (no index entry holds a claimer's id) and both
    // queues are empty.
    await waitFor(() => !a.queue.pending()[0] && !b.queue.pending()[0], 'both queues empty')
    await new Promise((r) => setTimeout(r, 300)) // any claim still pausing has settled
    await Promise.all([a.queue.flush(), b.queue.flush()])
    for (const id of ids(4)) expect(count(id)).toBe(1)
  })
})

describe('page hidden or unloaded', () => {
  const big = (id: string) =>
    event(id, { eventProperties: { note: 'x'.repeat(3000), accent: 'é'.repeat(1500) } })

  it('pagehide sends one keepalive body under 64 KB (the browser quota); the rest waits for the next page load', async () => {
    const inits: RequestInit[] = []
    const w = fakeWindow()
    const h = makeQueue(relay.url, storage, {
      globals: w,
      flushAt: 100,
      fetch: (url, init) => {
        inits.push(init ?? {})
        return fetch(url, init)
      },
    })
    for (const id of ids(40)) h.queue.enqueue(big(id)) // ~240 KB of UTF-8
    expect(relay.requests).toEqual([])
    w.fire('pagehide')
    expect(inits.length).toBe(1) // started synchronously, inside the event
    expect(inits[0]?.keepalive).toBe(true)
    await waitFor(() => relay.requests.length === 1, 'the keepalive request')
    await waitFor(() => h.queue.pending().length < 40, 'its answer')
    const sent = relay.accepted()
    expect(relay.requests[0]?.bytes).toBeLessThan(64 * 1024)
    expect(sent).toEqual(ids(40).slice(0, sent.length)) // the oldest first
    expect(sent.length).toBeGreaterThan(5)
    h.queue.close()
    // The next page load adopts the rest and sends each message once.
    const next = makeQueue(relay.url, storage)
    await waitFor(() => relay.accepted().length === 40, 'the rest, on the next page load')
    expect(relay.accepted().sort()).toEqual(ids(40).sort())
    next.queue.close()
  })

  it('visibilitychange to hidden flushes with keepalive; visible does nothing', async () => {
    const inits: RequestInit[] = []
    const w = fakeWindow()
    const h = makeQueue(relay.url, storage, {
      globals: w,
      fetch: (url, init) => {
        inits.push(init ?? {})
        return fetch(url, init)
      },
    })
    h.queue.enqueue(event('a'))
    w.fire('visibilitychange')
    expect(inits).toEqual([])
    w.document.visibilityState = 'hidden'
    w.fire('visibilitychange')
    w.fire('pagehide') // usually follows; the batch is already in flight, so not sent twice
    await waitFor(() => !h.queue.pending()[0], 'keepalive delivery and its answer')
    expect(inits.map((i) => i.keepalive)).toEqual([true])
    expect(h.queue.pending()).toEqual([])
  })

  it('falls back to sendBeacon with the JSON as a string and keeps the batch until acknowledged', async () => {
    const beacons: string[] = []
    const w = fakeWindow()
    w.navigator.sendBeacon = (url, data) => {
      beacons.push(data)
      void fetch(url, { method: 'POST', body: data })
      return true
    }
    const h = makeQueue(relay.url, storage, {
      globals: w,
      fetch: (url, init) => {
        if (init?.keepalive) throw new TypeError('keepalive is not supported')
        return fetch(url, init)
      },
    })
    h.queue.enqueue(event('a'))
    h.queue.enqueue(event('b'))
    w.fire('pagehide')
    expect(beacons).toHaveLength(1)
    // A string: sendBeacon labels it text/plain;charset=UTF-8 (CORS-simple), as fetch does.
    expect(typeof beacons[0]).toBe('string')
    const body = JSON.parse(beacons[0] as string) as { batch: WireMessage[] }
    expect(body.batch.map((m) => m.messageId)).toEqual(['a', 'b'])
    await waitFor(() => relay.accepted().length === 2, 'beacon reached the relay')
    expect(h.queue.pending()).toHaveLength(2) // a beacon has no answer: kept (at least once)
    await h.queue.flush() // the page lived on: the next send acknowledges them
    expect(h.queue.pending()).toEqual([])
  })

  it('uses sendBeacon when a keepalive fetch is refused (over the browser quota)', async () => {
    const beacons: string[] = []
    const w = fakeWindow()
    w.navigator.sendBeacon = (url, data) => {
      beacons.push(data)
      void fetch(url, { method: 'POST', body: data })
      return true
    }
    const h = makeQueue(relay.url, storage, {
      globals: w,
      fetch: (url, init) =>
        init?.keepalive
          ? Promise.reject(new TypeError('keepalive quota exceeded'))
          : fetch(url, init),
    })
    h.queue.enqueue(event('a'))
    w.fire('pagehide')
    await waitFor(() => relay.accepted().length === 1, 'beacon reached the relay')
    expect(beacons).toHaveLength(1)
    expect(h.queue.pending().map((m) => m.messageId)).toEqual(['a'])
  })

  it('after an unload mid-request the next page load resends the same messageIds', async () => {
    const w = fakeWindow()
    const h1 = makeQueue(relay.url, storage, {
      globals: w,
      // The page is gone: the keepalive request goes out but its answer never reaches the page.
      fetch: (url, init) => {
        void fetch(url, init)
        return new Promise<Response>(() => {})
      },
    })
    for (const id of ids(3)) h1.queue.enqueue(event(id))
    w.fire('pagehide')
    await waitFor(() => relay.accepted().length === 3, 'keepalive reached the relay')
    h1.queue.close()
    makeQueue(relay.url, storage) // the next page load
    await waitFor(() => relay.accepted().length === 6, 'resent by the next page load')
    // Same messageIds → same Idempotency-Keys at Loops, so each event is recorded once there.
    for (const id of ids(3)) expect(count(id)).toBe(2)
    expect(relay.requests.map((r) => r.batch.map((m) => m.messageId))).toEqual([ids(3), ids(3)])
  })
})
