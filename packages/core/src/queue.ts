// The browser delivery queue: when to write and when to send. It composes three layers:
// - tab-queue.ts: the persisted per-tab queue and its hand-over between tabs (storage is the
//   source of truth, so nothing is lost on reload or crash);
// - dispatcher.ts: one request to the relay and what its answer means;
// - this file, the scheduler: the write buffer, the flush timer, retries with backoff, and the
//   page's online / visibilitychange / pagehide events.
// Calls are written together at most 50 ms later (and at once when the page is hidden, unloads or
// flushes): analytics-next hands over each event in its own task, and a write per call was most
// of the plugin's main-thread cost. Only a crash inside those 50 ms loses the calls made in them.
import { createDispatcher, type QueueGlobals } from './dispatcher'
import type { LoopsCdpError } from './errors'
import { migrateLegacyQueues } from './queue-migration'
import { backoffDelay, heartbeat } from './queue-timing'
import { createTabQueue } from './tab-queue'
import type { BatchResponse, DebugLogger, KeyValueStorage, WireMessage } from './types'

export type { QueueGlobals } from './dispatcher'

export interface DeliveryQueueOptions {
  relayUrl: string
  headers?: Record<string, string>
  /** The longest a call waits before it is sent, in ms (default 1000). */
  flushInterval?: number
  /**
   * Send as soon as this many are queued, before flushInterval (default 100, the most one request
   * carries: every request costs the page main-thread work, so a steady stream of calls goes out
   * once per flushInterval rather than every few calls).
   */
  flushAt?: number
  /** Default 1000; beyond it the oldest are dropped and reported. */
  maxQueueSize?: number
  storage: KeyValueStorage
  /** Namespace of the queue's storage keys. */
  storagePrefix: string
  fetch: typeof fetch
  now?: () => number
  log: DebugLogger
  /** Every error, once (the facade also writes it to the debug log). */
  onError: (error: LoopsCdpError) => void
  /** Each answered batch: what the relay accepted. A throw is reported to onError. */
  onDeliver?: (result: { messages: WireMessage[]; response: BatchResponse }) => void
  /** Default `globalThis`, looked up on use (never at import: the module also loads in Node). */
  globals?: QueueGlobals
}

export interface DeliveryQueue {
  enqueue(message: WireMessage): void
  flush(): Promise<void>
  pending(): WireMessage[]
  close(): void
}

/** Calls made within this many ms are written to storage together. */
const WRITE_DELAY = 50
/** The most messages in one request (the relay's default batch cap). */
const MAX_BATCH = 100
/** Chromium's keepalive quota is 64 KB for all of a page's keepalive requests together. */
const KEEPALIVE_BYTES = 6e4

export function createDeliveryQueue(options: DeliveryQueueOptions): DeliveryQueue {
  const { log, now = Date.now } = options
  const globals: QueueGlobals = options.globals || globalThis
  const flushInterval = options.flushInterval ?? 1e3
  const flushAt = Math.min(options.flushAt || MAX_BATCH, MAX_BATCH)
  const report = (error: LoopsCdpError) => {
    try {
      options.onError(error)
    } catch {}
  }
  const isOnline = () => globals.navigator?.onLine !== false

  let buffered: WireMessage[] = [] // enqueued, not yet in storage (written within WRITE_DELAY)
  let timer: ReturnType<typeof setTimeout> | undefined
  let holding = false // backing off: only the retry timer or `online` resumes
  let attempts = 0 // failed sends in a row
  let closed = false
  let draining: Promise<void> | undefined

  const dispatcher = createDispatcher({
    ...options,
    now,
    globals,
    report,
    onAnswered: (messageIds) => tabQueue.remove(messageIds),
  })
  const tabQueue = createTabQueue({
    ...options,
    maxSize: options.maxQueueSize || 1e3,
    now,
    report,
    isSending: dispatcher.isSending,
    onAdopted: () => void drain(),
  })

  const writeBuffered = () => {
    if (!buffered[0]) return
    tabQueue.add(buffered)
    buffered = []
    schedule(flushInterval)
    if (tabQueue.waiting().length >= flushAt) void drain()
  }

  // The retry timer, the flush timer and `online` all end up here.
  const resume = () => {
    clearTimeout(timer)
    timer = undefined
    holding = false
    void drain()
  }
  const schedule = (ms: number) => {
    if (!closed) timer ||= setTimeout(resume, ms)
  }
  const retryLater = (status: number, retryAfterMs: number | undefined) => {
    const delay = retryAfterMs ?? backoffDelay(attempts)
    attempts++
    log(`relay ${status}, retry in ${delay | 0} ms`)
    clearTimeout(timer)
    timer = undefined
    holding = true
    schedule(delay)
  }

  // One drain at a time, in order; it re-reads the queue per batch, so a flush() joining a
  // running drain still covers everything queued when it was called.
  const drain = (): Promise<void> =>
    (draining ||= (async () => {
      await 0 // let `draining` be set before the body runs
      try {
        writeBuffered()
        while (!closed && !holding && isOnline()) {
          // Everything waiting, up to 100 per request, whatever flushAt: a backlog drains fast.
          const batch = tabQueue
            .waiting()
            .filter((message) => !dispatcher.isSending(message.messageId))
            .slice(0, MAX_BATCH)
          if (!batch[0]) break
          const retry = await dispatcher.send(batch)
          if (retry) {
            retryLater(retry.status, retry.retryAfterMs)
            break
          }
          attempts = 0
        }
      } catch (error) {
        log('queue error', error)
      }
      draining = undefined
      if (isOnline() && tabQueue.waiting()[0]) schedule(flushInterval)
    })())

  // The page is going away: one keepalive request with what fits the browser's keepalive quota
  // (shared by all of this page's keepalive requests); the rest waits for the next visit.
  const sendBeforeLeaving = () => {
    writeBuffered()
    if (!isOnline()) return
    let bytes = 0
    const batch = tabQueue.waiting().filter((message) => {
      if (dispatcher.isSending(message.messageId) || bytes >= KEEPALIVE_BYTES) return false
      bytes += new Blob([JSON.stringify(message)]).size
      return bytes < KEEPALIVE_BYTES
    })
    if (batch[0]) void dispatcher.send(batch.slice(0, MAX_BATCH), true)
  }

  migrateLegacyQueues({
    ...options,
    claimerId: tabQueue.instanceId,
    now,
    isLive: () => !closed,
    takeOver: (messages) => {
      tabQueue.add(messages, true)
      void drain()
    },
  })
  tabQueue.beat()
  const beating = setInterval(tabQueue.beat, heartbeat)
  // In Node the heartbeat must not keep a script alive (browsers give a number: no unref).
  ;(beating as { unref?: () => void }).unref?.()

  const listeners: Record<string, () => void> = {
    online: resume,
    visibilitychange: () => globals.document?.visibilityState === 'hidden' && sendBeforeLeaving(),
    pagehide() {
      sendBeforeLeaving()
      tabQueue.release()
    },
  }
  for (const type in listeners) globals.addEventListener?.(type, listeners[type] as () => void)

  return {
    enqueue(message) {
      if (buffered.push(message) < 2) {
        setTimeout(writeBuffered, WRITE_DELAY)
        schedule(flushInterval) // counted from the first call waiting
      }
    },
    flush: drain,
    pending: () => tabQueue.waiting().concat(buffered),
    close() {
      writeBuffered()
      closed = true
      clearTimeout(timer)
      clearInterval(beating)
      tabQueue.close()
      for (const type in listeners)
        globals.removeEventListener?.(type, listeners[type] as () => void)
    },
  }
}
