// The facade (docs/architecture.md): adapters hand CDP calls to `handle`; identify/track become
// wire messages on the delivery queue. Nothing here throws into the host SDK except bad options.
import { withoutConsent } from './consent'
import { createContactRecord } from './contact-record'
import { createDebugLog } from './debug-log'
import { InvalidOptionsError, type LoopsCdpError, reportError } from './errors'
import { createIdentityScope } from './identities'
import { mapCall } from './mapping'
import { createDeliveryQueue } from './queue'
import { createStorage } from './storage'
import { createTraitStore, str } from './traits'
import type { BatchResponse, CdpCall, DebugLogger, KeyValueStorage, WireMessage } from './types'

export { createDebugLog } from './debug-log'
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
  /**
   * Identity verification (required when the relay has RELAY_IDENTITY_SECRET): returns the hash
   * your server made for the signed-in user with `signIdentity(secret, { userId, email })` from
   * '@loops-cdp/relay' — both fields exactly as this page sends them — usually `() => hash` with
   * the hash your server put in the page. Called per message with that message's identity;
   * never compute it in the browser (the secret would be public).
   */
  userHash?: (identity: { userId?: string; email?: string }) => string | undefined
  onError?: (error: LoopsCdpError) => void
  onDeliver?: (result: { messages: WireMessage[]; response: BatchResponse }) => void
  /** Namespace of every storage key, default 'loops-cdp'. */
  storagePrefix?: string
  /**
   * Consent categories Loops needs: a call is neither stored, queued nor sent unless the host SDK
   * reports every one of them granted on that call. Default: none needed.
   */
  consentCategories?: string[]
  /**
   * In a server process (no `document`: Node, workers) identity and traits are kept per person
   * (userId, else anonymousId) for this many people, the least recently seen forgotten first.
   * Default 10000.
   */
  maxIdentities?: number
}

export interface LoopsCdpEnvironment {
  /**
   * Default createStorage() (localStorage or memory). Handing one in also means one visitor:
   * identity records are kept per person only when there is neither a `document` nor this.
   */
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
  const log = createDebugLog(config.debug)
  const report = (thrown: unknown) => {
    const error = reportError(config.onError, thrown)
    log(error.message, error)
  }
  const shared = createStorage(env.storage)
  // Identity records (traits, identify and lists record) go through `storage`: the page's storage,
  // or in a server process the records of each call's person. The queue always uses the shared one.
  const people = createIdentityScope(shared, config, env)
  const storage = people.storage
  const prefix = config.storagePrefix || 'loops-cdp'
  const store = createTraitStore(storage, `${prefix}:id`, log)
  const contacts = createContactRecord(storage, prefix)
  const queue = createDeliveryQueue({
    ...config,
    relayUrl: config.relayUrl.replace(/\/+$/, ''),
    storage: shared,
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
        const held = withoutConsent(call, config.consentCategories)
        if (held) return log(held)
        people.use(call)
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
