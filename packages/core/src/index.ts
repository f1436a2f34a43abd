// The facade (docs/architecture.md): adapters hand CDP calls to `handle`; identify/track become
// wire messages on the delivery queue. Nothing here throws into the host SDK except bad options.
import { InvalidOptionsError, type LoopsCdpError, reportError } from './errors'
import { contactKey, mapCall } from './mapping'
import { createDeliveryQueue } from './queue'
import { createStorage } from './storage'
import { createTraitStore, str } from './traits'
import type { BatchResponse, CdpCall, DebugLogger, KeyValueStorage, WireMessage } from './types'

export * from './errors'
export { createDeliveryQueue } from './queue'
export { createStorage } from './storage'
export type * from './types'

export interface LoopsCdpOptions {
  /** e.g. 'https://app.example.com/loops' → POSTs to `${relayUrl}/v1/batch` */
  relayUrl: string
  /** Extra headers on relay requests (non-simple headers trigger a CORS preflight). */
  headers?: Record<string, string>
  /** ms, default 500 */
  flushInterval?: number
  /** Send as soon as this many messages are queued (default 20); a request carries up to 100. */
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
  /** Messages of this tab waiting for the relay. */
  pending(): number
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
    const err = reportError(o.onError, e)
    log(err.message, err)
  }
  const storage = createStorage(env.storage)
  const p = o.storagePrefix || 'loops-cdp'
  // [messageId, contactKey] of the last contact payload queued (the queue delivers at least once,
  // across reloads and tabs); forgotten when that message is refused or dropped.
  const sentKey = `${p}:contact`
  const sent = (): string[] => {
    try {
      return JSON.parse(storage.getItem(sentKey) as string) || []
    } catch {
      return []
    }
  }
  const store = createTraitStore(storage, `${p}:id`, log)
  const queue = createDeliveryQueue({
    ...o,
    relayUrl: o.relayUrl.replace(/\/+$/, ''),
    storage,
    storageKey: `${p}:q`,
    // Looked up per call: a bare `fetch` reference would lose its `this` (Illegal invocation).
    fetch: env.fetch || ((i, x) => fetch(i, x)),
    now: env.now,
    log,
    onError(e) {
      // Not delivered (rejected, refused, dropped): the same identify must be able to go out again.
      const x = (e || {}) as { messageId?: string; messageIds?: string[] }
      if ((x.messageIds || [x.messageId]).includes(sent()[0])) storage.removeItem(sentKey)
      report(e)
    },
  })

  return {
    handle(call) {
      try {
        const m = mapCall(call, store, o.attachTraits, log)
        if (typeof m === 'string') return log(m)
        const h = o.userHash?.({ userId: m.userId, email: m.email })
        if (h) m.userHash = h
        // An identify is compared with the last contact payload queued by any page load or tab:
        // after A, B, a new A must still go out; A twice (reload, another tab) goes out once.
        if (m.type === 'contact') {
          const k = contactKey(m)
          if (sent()[1] === k) return log('identify not sent: contact unchanged', m)
          storage.setItem(sentKey, JSON.stringify([m.messageId, k]))
        }
        queue.enqueue(m)
      } catch (e) {
        report(e)
      }
    },
    reset() {
      store.clear()
      storage.removeItem(sentKey)
    },
    flush: () => queue.flush().catch(report),
    pending: () => queue.pending().length,
    close: () => queue.close(),
  }
}
