// The facade (DESIGN §1–2): adapters hand CDP calls to `handle`; identify/track become wire
// messages on the delivery queue. Nothing here throws into the host SDK except bad options.
import { InvalidOptionsError, LoopsCdpError, MappingError } from './errors'
import { contactKey, mapCall } from './mapping'
import { createDeliveryQueue } from './queue'
import { createStorage } from './storage'
import { createTraitStore, str } from './traits'
import type { BatchResponse, CdpCall, DebugLogger, KeyValueStorage, WireMessage } from './types'

export * from './errors'
export { createDeliveryQueue } from './queue'
export { sanitizeProperties } from './sanitize'
export { createStorage } from './storage'
export type * from './types'

export interface LoopsCdpOptions {
  /** e.g. 'https://app.example.com/loops' → POSTs to `${relayUrl}/v1/batch` */
  relayUrl: string
  /** Extra headers on relay requests (non-simple headers trigger a CORS preflight). */
  headers?: Record<string, string>
  /** ms, default 500 */
  flushInterval?: number
  /** Messages per batch / flush trigger, default 20, max 100. */
  flushAt?: number
  /** Default 1000; the oldest messages are dropped first, and reported. */
  maxQueueSize?: number
  /** true → console.debug with a '[loops-cdp]' prefix. */
  debug?: boolean | DebugLogger
  /** contactProperties on track: true (default) all stored traits, false none, or these keys. */
  attachTraits?: boolean | string[]
  /** Identity verification hash provided by the app backend, called per message. */
  userHash?: (identity: { userId?: string; email?: string }) => string | undefined
  onError?: (error: LoopsCdpError) => void
  onDeliver?: (result: { messages: WireMessage[]; response: BatchResponse }) => void
  /** Namespace of every storage key, default 'loops-cdp'. */
  storagePrefix?: string
}

export interface LoopsCdpEnvironment {
  /** Default createStorage() (localStorage or memory). */
  storage?: KeyValueStorage
  /** Default globalThis.fetch. */
  fetch?: typeof fetch
  now?: () => number
}

export interface LoopsCdp {
  /** Never throws; maps and enqueues (or skips with a debug line). */
  handle(call: CdpCall): void
  /** Host SDK reset: forget identity, stored traits and the identify dedupe record. */
  reset(): void
  /** Resolves when everything queued got an answer (or was kept for retry). */
  flush(): Promise<void>
  /** Stop timers and listeners. */
  close(): void
}

export function createLoopsCdp(options: LoopsCdpOptions, env: LoopsCdpEnvironment = {}): LoopsCdp {
  const o = options || ({} as LoopsCdpOptions)
  if (!str(o.relayUrl)) throw new InvalidOptionsError('relayUrl')
  const d = o.debug
  const log: DebugLogger =
    typeof d === 'function'
      ? d
      : d
        ? (m, ...x) => console.debug(`[loops-cdp] ${m}`, ...x)
        : () => {}
  const report = (e: unknown) => {
    const err = e instanceof LoopsCdpError ? e : new LoopsCdpError(String(e))
    log(err.message, err)
    try {
      if (o.onError) o.onError(err)
    } catch {} // a throwing onError must not reach the host SDK
  }
  const storage = createStorage(env.storage)
  const p = o.storagePrefix || 'loops-cdp'
  const ackKey = `${p}:ack`
  const store = createTraitStore(storage, `${p}:id`, log)
  const queue = createDeliveryQueue({
    relayUrl: o.relayUrl.replace(/\/+$/, ''),
    headers: o.headers,
    flushInterval: o.flushInterval ?? 500,
    flushAt: Math.min(o.flushAt || 20, 100),
    maxQueueSize: o.maxQueueSize || 1000,
    storage,
    storageKey: `${p}:q`,
    // Looked up per call: a bare `fetch` reference would lose its `this` (Illegal invocation).
    fetch: env.fetch || ((i, x) => fetch(i, x)),
    now: env.now,
    log,
    onError: report,
    onAcknowledged(messages, response) {
      // The last contact payload the relay took: identify dedupe survives reloads.
      for (const m of messages) if (m.type === 'contact') storage.setItem(ackKey, contactKey(m))
      try {
        if (o.onDeliver) o.onDeliver({ messages, response })
      } catch (e) {
        report(e)
      }
    },
  })

  const send = (m: WireMessage | string | MappingError) => {
    if (typeof m === 'string') return log(m)
    if (m instanceof MappingError) return report(m)
    const h = o.userHash ? o.userHash({ userId: m.userId, email: m.email }) : 0
    if (h) m.userHash = h
    if (m.type === 'contact') {
      // Compared with the newest contact payload on its way (pending), else the last acknowledged
      // one: after A (acked), B (pending), a new A must still go out, or Loops would end on B.
      const last = queue
        .pending()
        .filter((x) => x.type === 'contact')
        .pop()
      if ((last ? contactKey(last) : storage.getItem(ackKey)) === contactKey(m)) {
        return log('identify not sent: contact unchanged', m)
      }
    }
    queue.enqueue(m)
  }

  return {
    handle(call) {
      try {
        send(mapCall(call, store, o.attachTraits, log))
      } catch (e) {
        report(e)
      }
    },
    reset() {
      store.clear()
      storage.removeItem(ackKey)
    },
    flush: () => queue.flush().catch(report),
    close: () => queue.close(),
  }
}
