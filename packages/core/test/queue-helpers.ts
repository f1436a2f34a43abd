// Shared set-up for the delivery-queue tests: a Map-backed storage (the localStorage interface),
// window-shaped globals on a real EventTarget, and a queue factory that closes what it opened.
import { afterEach } from 'vitest'
import type { LoopsCdpError } from '../src/errors'
import { createDeliveryQueue, type DeliveryQueue, type DeliveryQueueOptions } from '../src/queue'
import { type QueueTiming, setQueueTiming } from '../src/queue-timing'
import type { BatchResponse, KeyValueStorage, WireMessage } from '../src/types'

export class MapStorage implements KeyValueStorage {
  readonly map = new Map<string, string>()
  getItem(key: string) {
    return this.map.get(key) ?? null
  }
  setItem(key: string, value: string) {
    this.map.set(key, value)
  }
  removeItem(key: string) {
    this.map.delete(key)
  }
}

export interface FakeWindow extends EventTarget {
  navigator: { onLine: boolean; sendBeacon?: (url: string, data: string) => boolean }
  document: { visibilityState: string }
  fire(type: string): void
}

export function fakeWindow(): FakeWindow {
  const w = new EventTarget() as FakeWindow
  w.navigator = { onLine: true }
  w.document = { visibilityState: 'visible' }
  w.fire = (type) => w.dispatchEvent(new Event(type))
  return w
}

export const event = (id: string, extra: Partial<WireMessage> = {}): WireMessage =>
  ({ type: 'event', messageId: id, email: 'a@b.co', eventName: 'Signup', ...extra }) as WireMessage

/** Waits past the queue's write delay (calls are written to storage within 50 ms). */
export const written = () => new Promise((r) => setTimeout(r, 60))

export interface Harness {
  queue: DeliveryQueue
  errors: LoopsCdpError[]
  logs: string[]
  acked: Array<{ accepted: WireMessage[]; response: BatchResponse }>
}

const open: DeliveryQueue[] = []
afterEach(() => {
  for (const q of open.splice(0)) q.close()
  setQueueTiming() // the defaults
})

/**
 * A queue with test-friendly defaults (long interval, fast retries); closed after each test.
 * Timing is module-wide (queue-timing.ts): it is set here for the queue being made, and applies to
 * every queue from then on (retries, staleness) until the next makeQueue or the end of the test.
 */
export function makeQueue(
  relayUrl: string,
  storage: KeyValueStorage,
  options: Partial<DeliveryQueueOptions> & QueueTiming = {},
): Harness {
  const { retryBase = 5, retryCap, heartbeat, staleAfter, ...rest } = options
  setQueueTiming({ retryBase, retryCap, heartbeat, staleAfter })
  const h: Omit<Harness, 'queue'> = { errors: [], logs: [], acked: [] }
  const queue = createDeliveryQueue({
    relayUrl,
    flushInterval: 60_000,
    flushAt: 20,
    maxQueueSize: 1000,
    storage,
    storagePrefix: 'loops-cdp',
    fetch,
    globals: fakeWindow(),
    log: (message) => h.logs.push(message),
    onError: (e) => h.errors.push(e),
    onDeliver: ({ messages, response }) => h.acked.push({ accepted: messages, response }),
    ...rest,
  })
  open.push(queue)
  return { ...h, queue }
}
