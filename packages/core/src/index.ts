// The facade (docs/architecture.md): adapters hand CDP calls to `handle`; identify/track become
// wire messages on the delivery queue. Nothing here throws into the host SDK except bad options.
import { createContactRecord } from './contact-record'
import { InvalidOptionsError, type LoopsCdpError, reportError } from './errors'
import { mapCall } from './mapping'
import { createDeliveryQueue } from './queue'
import { createStorage } from './storage'
import { createTraitStore, str } from './traits'
import type { BatchResponse, CdpCall, DebugLogger, KeyValueStorage, WireMessage } from './types'

export * from './errors'
export { createLazyClient, type LazyClient } from './lazy-client'
export { createDeliveryQueue } from './queue'
export { createStorage } from './storage'
export type * from './types'

export interface LoopsCdpOptions {
  /** e.g. 'https://app.example.com/loops' → POSTs to `${relayUrl}/v1/batch` */
  relayUrl: string
  /** Extra headers on relay requests (non-simple headers trigger a CORS preflight). */
  headers?: Record<string, string>
  /** The longest a call waits before it is sent, in ms (default 1000; pagehide sends at once). */
  flushInterval?: number
  /** Send as soon as this many messages are queued (default 100, the most a request carries). */
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
  /** Host SDK reset: forget identity, stored traits and what identify last sent (lists too). */
  reset(): void
  /** Resolves when everything queued got an answer (or was kept for retry). */
  flush(): Promise<void>
  /** Messages of this tab waiting for the relay. */
  pending(): number
  /** Stop timers and listeners. */
  close(): void
}

export function createLoopsCdp(options: LoopsCdpOptions, env: LoopsCdpEnvironment = {}): LoopsCdp {
  const config = options || ({} as LoopsCdpOptions)
  if (!str(config.relayUrl)) throw new InvalidOptionsError('relayUrl')
  const debug = config.debug
  const log: DebugLogger =
    typeof debug === 'function'
      ? debug
      : debug
        ? (message, ...detail) => console.debug(`[loops-cdp] ${message}`, ...detail)
        : () => {}
  const report = (thrown: unknown) => {
    const error = reportError(config.onError, thrown)
    log(error.message, error)
  }
  const storage = createStorage(env.storage)
  const prefix = config.storagePrefix || 'loops-cdp'
  const store = createTraitStore(storage, `${prefix}:id`, log)
  const contacts = createContactRecord(storage, prefix)
  const queue = createDeliveryQueue({
    ...config,
    relayUrl: config.relayUrl.replace(/\/+$/, ''),
    storage,
    storagePrefix: prefix,
    // Looked up per call: a bare `fetch` reference would lose its `this` (Illegal invocation).
    fetch: env.fetch || ((input, init) => fetch(input, init)),
    now: env.now,
    log,
    onError(error) {
      // Not delivered (rejected, refused, dropped): what it carried must be able to go out again.
      const failed = (error || {}) as { messageId?: string; messageIds?: string[] }
      contacts.forget(failed.messageIds || [failed.messageId as string])
      report(error)
    },
  })

  return {
    handle(call) {
      try {
        const message = mapCall(call, store, config.attachTraits, log)
        if (typeof message === 'string') return log(message)
        const hash = config.userHash?.({ userId: message.userId, email: message.email })
        if (hash) message.userHash = hash
        // Compared with what the last identify queued by any page load or tab: after A, B, a new
        // A still goes out; A twice (reload, another tab) goes out once; lists and `subscribed`
        // go out only when they changed.
        if (message.type === 'contact' && !contacts.admit(message))
          return log('identify not sent: contact unchanged', message)
        queue.enqueue(message)
      } catch (error) {
        report(error)
      }
    },
    reset() {
      store.clear()
      contacts.clear()
    },
    flush: () => queue.flush().catch(report),
    pending: () => queue.pending().length,
    close: () => queue.close(),
  }
}
