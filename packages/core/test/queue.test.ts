// Delivery queue against a real HTTP server on loopback with the real fetch: batching, answers,
// retries and flush() semantics.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { QueueOverflowError, RelayHttpError, RelayRejectedError } from '../src/errors'
import * as timing from '../src/queue-timing'
import { setQueueTiming } from '../src/queue-timing'
import { event, fakeWindow, MapStorage, makeQueue, written } from './queue-helpers'
import { startRelay, type TestRelay, waitFor } from './relay-server'

let relay: TestRelay
let storage: MapStorage
beforeEach(async () => {
  relay = await startRelay()
  storage = new MapStorage()
})
afterEach(() => {
  vi.restoreAllMocks()
  return relay.close()
})

const offlineWindow = () => {
  const w = fakeWindow()
  w.navigator.onLine = false
  return w
}
const ids = (n: number, p = 'm') => Array.from({ length: n }, (_, i) => `${p}${i}`)

describe('batching', () => {
  it('sends at flushAt without waiting for flushInterval, everything queued in one text/plain request (fetch labels the string body)', async () => {
    const { queue } = makeQueue(relay.url, storage, { flushAt: 3 }) // flushInterval: one minute
    for (const id of ids(3)) queue.enqueue(event(id))
    await waitFor(() => relay.accepted().length === 3, 'first 3 delivered at flushAt')
    for (const id of ids(4, 'n')) queue.enqueue(event(id))
    await waitFor(() => relay.accepted().length === 7 && !queue.pending()[0], 'all 7 delivered')
    expect(relay.requests.map((r) => r.batch.length)).toEqual([3, 4])
    for (const r of relay.requests) {
      expect(r.method).toBe('POST')
      expect(r.path).toBe('/v1/batch')
      expect(r.headers['content-type']).toBe('text/plain;charset=UTF-8')
      expect(new Date(r.sentAt ?? '').toISOString()).toBe(r.sentAt)
    }
    expect(relay.accepted()).toEqual([...ids(3), ...ids(4, 'n')])
    expect(queue.pending()).toEqual([])
  })

  it('drains a backlog 100 per request, whatever flushAt', async () => {
    const { queue } = makeQueue(relay.url, storage, { flushAt: 5, globals: offlineWindow() })
    for (const id of ids(230)) queue.enqueue(event(id))
    await queue.flush() // offline: nothing sent, all kept
    expect(relay.requests).toEqual([])
    const h = makeQueue(relay.url, storage, { flushAt: 5, heartbeat: 20, staleAfter: 60 })
    await waitFor(() => relay.accepted().length === 230, 'backlog delivered by the next page load')
    await h.queue.flush()
    expect(relay.requests.map((r) => r.batch.length)).toEqual([100, 100, 30])
  })

  it('sends what is queued once flushInterval passes, in one request', async () => {
    const { queue } = makeQueue(relay.url, storage, { flushInterval: 30 })
    queue.enqueue(event('a'))
    queue.enqueue(event('b'))
    await waitFor(() => relay.requests.length === 1, 'one request')
    expect(relay.requests[0]?.batch.map((m) => m.messageId)).toEqual(['a', 'b'])
  })

  it('never puts more than 100 messages in one request', async () => {
    const { queue } = makeQueue(relay.url, storage, { flushAt: 500 })
    for (const id of ids(250)) queue.enqueue(event(id))
    await queue.flush()
    expect(relay.requests.map((r) => r.batch.length)).toEqual([100, 100, 50])
    expect(relay.accepted()).toEqual(ids(250))
  })

  it('adds the extra headers to every request', async () => {
    const { queue } = makeQueue(relay.url, storage, { headers: { 'x-site': 'demo' } })
    queue.enqueue(event('a'))
    await queue.flush()
    expect(relay.requests[0]?.headers['x-site']).toBe('demo')
  })
})

describe('answers', () => {
  it('drops and reports rejected entries, acknowledges the others', async () => {
    relay.replies.push({
      status: 200,
      rejected: [
        { index: 1, messageId: 'b', error: 'eventName contains ":"' },
        { index: 2, error: 'not an object' },
      ],
    })
    const h = makeQueue(relay.url, storage)
    for (const id of ['a', 'b', 'c', 'd']) h.queue.enqueue(event(id))
    await h.queue.flush()
    expect(h.queue.pending()).toEqual([])
    expect(h.errors).toHaveLength(2)
    const [e1, e2] = h.errors as [RelayRejectedError, RelayRejectedError]
    expect(e1).toBeInstanceOf(RelayRejectedError)
    expect([e1.messageId, e1.reason]).toEqual(['b', 'eventName contains ":"'])
    expect(e2.messageId).toBe('c')
    // Reported once, through onError; the debug log is only the default for onError.
    expect(h.logs.filter((l) => l.startsWith('Relay rejected'))).toEqual([])
    expect(h.acked[0]?.accepted.map((m) => m.messageId)).toEqual(['a', 'd'])
    expect(h.acked[0]?.response.accepted).toBe(2)
    await h.queue.flush()
    expect(relay.requests).toHaveLength(1) // a rejected message is never retried
  })

  it.each([400, 403])(
    "drops a whole batch answered %i and reports it with the relay's text",
    async (status) => {
      relay.replies.push({ status, body: JSON.stringify({ error: `refused (${status})` }) })
      const h = makeQueue(relay.url, storage)
      h.queue.enqueue(event('a'))
      h.queue.enqueue(event('b'))
      await h.queue.flush()
      expect(h.queue.pending()).toEqual([])
      const err = h.errors[0] as RelayHttpError
      expect(err).toBeInstanceOf(RelayHttpError)
      expect([err.status, err.messageIds]).toEqual([status, ['a', 'b']])
      expect(err.relayError).toBe(`refused (${status})`)
      expect(err.message).toBe(`Relay answered ${status}: refused (${status})`)
      expect(h.errors).toHaveLength(1)
      expect(h.logs).not.toContain(`Relay answered ${status}`) // once, through onError
    },
  )

  it('cuts a long relay text to 200 characters, and copes with an answer without one', async () => {
    relay.replies.push(
      { status: 403, body: JSON.stringify({ error: 'x'.repeat(5_000) }) },
      { status: 400, body: '<html>Bad Request</html>' },
    )
    const h = makeQueue(relay.url, storage)
    h.queue.enqueue(event('a'))
    await h.queue.flush()
    h.queue.enqueue(event('b'))
    await h.queue.flush()
    const [long, html] = h.errors as [RelayHttpError, RelayHttpError]
    expect(long.relayError).toBe('x'.repeat(200))
    expect([html.relayError, html.message]).toEqual(['', 'Relay answered 400'])
  })

  it('answers like the relay by default: an eventName with ":" is rejected, the rest delivered', async () => {
    const h = makeQueue(relay.url, storage)
    h.queue.enqueue(event('a', { eventName: 'plan:upgraded' }))
    h.queue.enqueue(event('b'))
    await h.queue.flush()
    expect(relay.accepted()).toEqual(['b'])
    expect(h.errors).toHaveLength(1)
    const e = h.errors[0] as RelayRejectedError
    expect(e).toBeInstanceOf(RelayRejectedError)
    expect([e.messageId, e.reason]).toEqual(['a', 'eventName must not contain ":"'])
    expect(h.queue.pending()).toEqual([])
  })

  it('splits a batch answered 413 into halves until it fits', async () => {
    relay.respond = (r) => (r.batch.length > 2 ? { status: 413 } : undefined)
    const h = makeQueue(relay.url, storage)
    for (const id of ids(5)) h.queue.enqueue(event(id))
    await h.queue.flush()
    expect(relay.accepted().sort()).toEqual(ids(5))
    expect(relay.requests.filter((r) => r.status === 200).every((r) => r.batch.length <= 2)).toBe(
      true,
    )
    expect(h.errors).toEqual([])
  })

  it('drops and reports a single message answered 413', async () => {
    relay.respond = (r) =>
      r.batch.some((m) => m.messageId === 'big') ? { status: 413 } : undefined
    const h = makeQueue(relay.url, storage)
    for (const id of ['a', 'big', 'c']) h.queue.enqueue(event(id))
    await h.queue.flush()
    expect(relay.accepted().sort()).toEqual(['a', 'c'])
    expect(h.errors).toHaveLength(1)
    expect((h.errors[0] as RelayHttpError).messageIds).toEqual(['big'])
    expect(h.queue.pending()).toEqual([])
  })
})

describe('retries', () => {
  it('keeps the batch through 500, 503, 408, 429 and a dropped socket, then delivers it once', async () => {
    relay.replies.push({ status: 500 }, { status: 503 }, 'drop', { status: 408 }, { status: 429 })
    const h = makeQueue(relay.url, storage, { retryBase: 1 })
    for (const id of ids(3)) h.queue.enqueue(event(id))
    await h.queue.flush()
    expect(h.queue.pending()).toHaveLength(3) // flush resolves once the batch is kept for retry
    await waitFor(() => !h.queue.pending()[0], 'delivery after the failures')
    expect(relay.requests.map((r) => r.status)).toEqual([500, 503, 0, 408, 429, 200])
    expect(relay.accepted()).toEqual(ids(3))
    expect(h.errors).toEqual([]) // a retried batch is not an error
    expect(h.queue.pending()).toEqual([])
  })

  it('backs off exponentially with jitter, capped', async () => {
    for (let i = 0; i < 4; i++) relay.replies.push({ status: 502 })
    vi.spyOn(Math, 'random').mockReturnValue(1) // the (exclusive) top of the jitter range
    const h = makeQueue(relay.url, storage, { retryBase: 4, retryCap: 20 })
    h.queue.enqueue(event('a'))
    await h.queue.flush()
    await waitFor(() => relay.accepted().length === 1, 'delivery')
    const delays = h.logs.filter((l) => l.startsWith('relay 502')).map((l) => l.split(' ').at(-2))
    expect(delays).toEqual(['4', '8', '16', '20'])
  })

  it('by default retries first within 0.5–1 s and caps the backoff at 5 minutes', async () => {
    const { retryBase, retryCap, heartbeat, staleAfter } = timing
    expect({ retryBase, retryCap, heartbeat, staleAfter }).toEqual({
      retryBase: 1_000,
      retryCap: 300_000,
      heartbeat: 2_000, // tab hand-over: a closed tab's queue is adopted after 8 s
      staleAfter: 8_000,
    })
    relay.replies.push({ status: 502 })
    const h = makeQueue(relay.url, storage)
    setQueueTiming() // the shipped timing, in place of the harness's 5 ms
    h.queue.enqueue(event('a'))
    await h.queue.flush()
    const delay = Number(
      h.logs
        .find((l) => l.startsWith('relay 502'))
        ?.split(' ')
        .at(-2),
    )
    expect(delay).toBeGreaterThanOrEqual(500)
    expect(delay).toBeLessThan(1_000)
    await waitFor(() => relay.accepted().length === 1, 'delivered after the default backoff')
  })

  it('uses the lower half of the jitter range when Math.random() is 0', async () => {
    relay.replies.push({ status: 502 })
    vi.spyOn(Math, 'random').mockReturnValue(0)
    const h = makeQueue(relay.url, storage, { retryBase: 8 })
    h.queue.enqueue(event('a'))
    await h.queue.flush()
    expect(h.logs).toContain('relay 502, retry in 4 ms')
  })

  it('honours Retry-After in seconds over a long backoff', async () => {
    relay.replies.push({ status: 429, headers: { 'retry-after': '0' } })
    const h = makeQueue(relay.url, storage, { retryBase: 3_600_000 })
    h.queue.enqueue(event('a'))
    await h.queue.flush()
    expect(h.logs).toContain('relay 429, retry in 0 ms')
    await waitFor(() => relay.accepted().length === 1, 'retry right after Retry-After: 0')
  })

  it('honours a long Retry-After over a short backoff', async () => {
    relay.replies.push({ status: 503, headers: { 'retry-after': '120' } })
    const h = makeQueue(relay.url, storage, { retryBase: 1 })
    h.queue.enqueue(event('a'))
    await h.queue.flush()
    expect(h.logs).toContain('relay 503, retry in 120000 ms')
    await h.queue.flush() // still held: flush keeps it for the retry instead of sending early
    expect(relay.requests).toHaveLength(1)
    expect(h.queue.pending()).toHaveLength(1)
  })

  it('honours Retry-After as an HTTP date', async () => {
    const t = Date.UTC(2026, 10, 22, 10, 0, 0)
    relay.replies.push({
      status: 429,
      headers: { 'retry-after': new Date(t + 90_000).toUTCString() },
    })
    relay.replies.push({ status: 429, headers: { 'retry-after': new Date(t).toUTCString() } })
    const h = makeQueue(relay.url, storage, { retryBase: 3_600_000, now: () => t })
    h.queue.enqueue(event('a'))
    await h.queue.flush()
    expect(h.logs).toContain('relay 429, retry in 90000 ms')
    h.queue.close()
    // A fresh queue over the same storage: the date that has arrived means "now".
    const h2 = makeQueue(relay.url, storage, { retryBase: 3_600_000, now: () => t })
    await waitFor(() => relay.accepted().length === 1, 'delivery after the date')
    expect(h2.logs).toContain('relay 429, retry in 0 ms')
  })
})

describe('flush()', () => {
  it('resolves once everything queued at call time got an answer', async () => {
    const h = makeQueue(relay.url, storage)
    for (const id of ids(3)) h.queue.enqueue(event(id))
    await h.queue.flush()
    expect(relay.accepted()).toEqual(ids(3))
    expect(h.queue.pending()).toEqual([])
  })

  it('joins a running drain and still covers messages queued meanwhile', async () => {
    const h = makeQueue(relay.url, storage, { flushAt: 1 })
    h.queue.enqueue(event('a')) // starts a drain
    h.queue.enqueue(event('b'))
    const done = h.queue.flush()
    h.queue.enqueue(event('c'))
    await Promise.all([done, h.queue.flush()])
    expect(relay.accepted()).toEqual(['a', 'b', 'c'])
  })

  it('resolves with nothing to send, and after close()', async () => {
    const h = makeQueue(relay.url, storage)
    await h.queue.flush()
    h.queue.close()
    h.queue.enqueue(event('late')) // kept in storage for the next page load, not sent
    await h.queue.flush()
    expect(relay.requests).toEqual([])
    expect(h.queue.pending().map((m) => m.messageId)).toEqual(['late'])
  })
})

describe('close()', () => {
  it('sends nothing after close(), even on pagehide or online; messages stay stored', async () => {
    const globals = fakeWindow()
    const h = makeQueue(relay.url, storage, { globals, flushInterval: 20 })
    h.queue.enqueue(event('a'))
    h.queue.close()
    globals.fire('pagehide')
    globals.fire('online')
    await h.queue.flush()
    expect(relay.requests).toEqual([])
    expect(h.queue.pending().map((m) => m.messageId)).toEqual(['a'])
    // Released at close: the next page load takes it over at once, without waiting for staleness.
    makeQueue(relay.url, storage, { heartbeat: 3_600_000, staleAfter: 3_600_000 })
    await waitFor(() => relay.accepted().length === 1, 'delivered by the next page load')
    expect(relay.accepted()).toEqual(['a'])
  })
})

describe('offline and overflow', () => {
  it('sends nothing while offline and delivers on the online event', async () => {
    const globals = fakeWindow()
    globals.navigator.onLine = false
    const h = makeQueue(relay.url, storage, { globals, flushAt: 1 })
    h.queue.enqueue(event('a'))
    await h.queue.flush()
    globals.fire('pagehide') // no keepalive sends while offline either
    expect(relay.requests).toEqual([])
    globals.navigator.onLine = true
    globals.fire('online')
    await waitFor(() => relay.accepted().length === 1, 'delivery after online')
  })

  it('drops the oldest messages beyond maxQueueSize when it writes, and reports each drop', async () => {
    const globals = fakeWindow()
    globals.navigator.onLine = false
    const h = makeQueue(relay.url, storage, { globals, maxQueueSize: 3 })
    for (const id of ids(5)) h.queue.enqueue(event(id))
    await written() // the calls of 50 ms are written in one go
    expect(h.queue.pending().map((m) => m.messageId)).toEqual(['m2', 'm3', 'm4'])
    expect(h.errors.map((e) => (e as QueueOverflowError).dropped)).toEqual([2])
    expect(h.errors[0]).toBeInstanceOf(QueueOverflowError)
    // One more in a later task: one more drop, reported on its own.
    h.queue.enqueue(event('m5'))
    await written()
    expect(h.queue.pending().map((m) => m.messageId)).toEqual(['m3', 'm4', 'm5'])
    expect(h.errors.map((e) => (e as QueueOverflowError).dropped)).toEqual([2, 1])
  })
})

describe('overflow while sending', () => {
  it('never drops a message inside a request (it may still be delivered): the oldest of the rest go', async () => {
    let release = () => {}
    const gate = new Promise<void>((r) => {
      release = r
    })
    const h = makeQueue(relay.url, storage, {
      maxQueueSize: 3,
      fetch: async (url, init) => {
        await gate
        return fetch(url, init)
      },
    })
    h.queue.enqueue(event('a'))
    h.queue.enqueue(event('b'))
    const sending = h.queue.flush() // a and b go into one request, held at the gate
    await written()
    for (const id of ['c', 'd', 'e']) h.queue.enqueue(event(id))
    await written()
    const dropped = h.errors.map((e) => (e as QueueOverflowError).messageIds)
    expect(dropped).toEqual([['c', 'd']])
    release()
    await sending
    await h.queue.flush()
    expect(relay.accepted()).toEqual(['a', 'b', 'e'])
  })
})

describe('writes to storage', () => {
  /** MapStorage that counts setItem calls and bytes per key. */
  class CountingStorage extends MapStorage {
    writes: Array<{ key: string; bytes: number }> = []
    override setItem(key: string, value: string) {
      this.writes.push({ key, bytes: value.length })
      super.setItem(key, value)
    }
    /** Writes other than the tabs' heartbeats (the lease index, written every beat). */
    queueWrites() {
      return this.writes.filter((w) => !w.key.endsWith(':tabs'))
    }
  }

  it('writes the calls of 50 ms together (analytics-next hands over each event in its own task); pending() sees them before', async () => {
    const counting = new CountingStorage()
    const globals = fakeWindow()
    globals.navigator.onLine = false
    const h = makeQueue(relay.url, counting, { globals, heartbeat: 3_600_000 })
    for (const id of ids(25)) h.queue.enqueue(event(id))
    await new Promise((r) => setTimeout(r, 0)) // the next task, as analytics-next does
    for (const id of ids(50).slice(25)) h.queue.enqueue(event(id))
    expect(counting.queueWrites()).toEqual([]) // buffered, not written yet
    expect(h.queue.pending().map((m) => m.messageId)).toEqual(ids(50))
    await written()
    const once = counting.queueWrites().length
    expect(once).toBeGreaterThan(0)
    expect(once).toBeLessThanOrEqual(2) // the calls, and the list of what this tab holds
    expect(h.queue.pending().map((m) => m.messageId)).toEqual(ids(50))
    // What was written survives the page: a crash now, and the next page load delivers all 50.
    makeQueue(relay.url, counting, { heartbeat: 20, staleAfter: 60 })
    await waitFor(() => relay.accepted().length === 50, 'delivered by the next page load')
    expect(relay.accepted()).toEqual(ids(50))
  })

  it('the bytes written per call do not grow with the waiting queue', async () => {
    const counting = new CountingStorage()
    const globals = fakeWindow()
    globals.navigator.onLine = false
    const h = makeQueue(relay.url, counting, { globals, heartbeat: 3_600_000 })
    const bytesFor = async (id: string) => {
      const before = counting.queueWrites().length
      h.queue.enqueue(event(id))
      await written()
      return counting
        .queueWrites()
        .slice(before)
        .reduce((sum, w) => sum + w.bytes, 0)
    }
    const first = await bytesFor('first')
    for (const id of ids(300)) h.queue.enqueue(event(id))
    await written()
    const later = await bytesFor('later') // 301 messages are waiting now
    expect(later).toBeLessThan(first * 2)
    expect(h.queue.pending()).toHaveLength(302)
  })
})

describe('never throws', () => {
  it('survives a throwing storage, fetch and callbacks', async () => {
    const broken = {
      getItem: () => {
        throw new Error('SecurityError')
      },
      setItem: () => {
        throw new Error('QuotaExceededError')
      },
      removeItem: () => {
        throw new Error('SecurityError')
      },
    }
    const h = makeQueue(relay.url, broken, {
      fetch: () => {
        throw new TypeError('no fetch')
      },
      onError: () => {
        throw new Error('app bug')
      },
    })
    expect(() => h.queue.enqueue(event('a'))).not.toThrow()
    await expect(h.queue.flush()).resolves.toBeUndefined()
    expect(h.queue.pending()).toEqual([])
    expect(() => h.queue.close()).not.toThrow()
  })

  it('works with the default globals in Node (no window, navigator or document)', async () => {
    const h = makeQueue(relay.url, storage, { globals: undefined })
    h.queue.enqueue(event('a'))
    await h.queue.flush()
    expect(relay.accepted()).toEqual(['a'])
  })
})
