// Delivery queue against a real HTTP server on loopback with the real fetch: batching, answers,
// retries and flush() semantics.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { QueueOverflowError, RelayHttpError, RelayRejectedError } from '../src/errors'
import { event, fakeWindow, MapStorage, makeQueue } from './queue-helpers'
import { startRelay, type TestRelay, waitFor } from './relay-server'

let relay: TestRelay
let storage: MapStorage
beforeEach(async () => {
  relay = await startRelay()
  storage = new MapStorage()
})
afterEach(() => relay.close())

const ids = (n: number, p = 'm') => Array.from({ length: n }, (_, i) => `${p}${i}`)

describe('batching', () => {
  it('sends a full batch at flushAt, the rest after flushInterval, as text/plain envelopes', async () => {
    const { queue } = makeQueue(relay.url, storage, { flushAt: 3, flushInterval: 100 })
    for (const id of ids(7)) queue.enqueue(event(id))
    await waitFor(() => relay.accepted().length === 7 && !queue.pending()[0], 'all 7 delivered')
    expect(relay.requests.map((r) => r.batch.length)).toEqual([3, 3, 1])
    for (const r of relay.requests) {
      expect(r.method).toBe('POST')
      expect(r.path).toBe('/v1/batch')
      expect(r.headers['content-type']).toBe('text/plain')
      expect(new Date(r.sentAt ?? '').toISOString()).toBe(r.sentAt)
    }
    expect(relay.accepted()).toEqual(ids(7))
    expect(queue.pending()).toEqual([])
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
    expect(h.logs.filter((l) => l.startsWith('Relay rejected'))).toHaveLength(2)
    expect(h.acked[0]?.accepted.map((m) => m.messageId)).toEqual(['a', 'd'])
    expect(h.acked[0]?.response.accepted).toBe(2)
    await h.queue.flush()
    expect(relay.requests).toHaveLength(1) // a rejected message is never retried
  })

  it.each([400, 403])('drops a whole batch answered %i and reports it', async (status) => {
    relay.replies.push({ status })
    const h = makeQueue(relay.url, storage)
    h.queue.enqueue(event('a'))
    h.queue.enqueue(event('b'))
    await h.queue.flush()
    expect(h.queue.pending()).toEqual([])
    const err = h.errors[0] as RelayHttpError
    expect(err).toBeInstanceOf(RelayHttpError)
    expect([err.status, err.messageIds]).toEqual([status, ['a', 'b']])
    expect(h.logs).toContain(`Relay answered ${status}`)
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
    const h = makeQueue(relay.url, storage, { retryBase: 4, retryCap: 20, random: () => 1 })
    h.queue.enqueue(event('a'))
    await h.queue.flush()
    await waitFor(() => relay.accepted().length === 1, 'delivery')
    const delays = h.logs.filter((l) => l.startsWith('relay 502')).map((l) => l.split(' ').at(-2))
    expect(delays).toEqual(['4', '8', '16', '20'])
  })

  it('uses the lower half of the jitter range when random() is 0', async () => {
    relay.replies.push({ status: 502 })
    const h = makeQueue(relay.url, storage, { retryBase: 8, random: () => 0 })
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
    expect(Object.values(JSON.parse(storage.getItem('loops-cdp:q') ?? '{}'))).toEqual([0])
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

  it('drops the oldest messages beyond maxQueueSize and reports each drop', async () => {
    const globals = fakeWindow()
    globals.navigator.onLine = false
    const h = makeQueue(relay.url, storage, { globals, maxQueueSize: 3 })
    for (const id of ids(5)) h.queue.enqueue(event(id))
    expect(h.queue.pending().map((m) => m.messageId)).toEqual(['m2', 'm3', 'm4'])
    expect(h.errors.map((e) => (e as QueueOverflowError).dropped)).toEqual([1, 1])
    expect(h.errors[0]).toBeInstanceOf(QueueOverflowError)
    expect(h.logs.filter((l) => l.startsWith('Queue full'))).toHaveLength(2)
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
