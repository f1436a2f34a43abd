// The client as both plugins hold it: created on first use, synchronously. The host SDKs may call
// a hook before the plugin's own load/init ran (analytics-next does not await a destination's
// load()), so whoever comes first creates it; that is all "loaded" means here.
import { type LoopsCdpError, reportError } from './errors'
import type { LoopsCdp } from './index'

export interface LazyClient {
  /** The client, created now if needed; throws InvalidOptionsError for bad options. */
  get(): LoopsCdp
  /** Whether the client exists. */
  isCreated(): boolean
  /**
   * Runs `work` and hands anything it throws to onError: nothing may reach the host SDK's
   * pipeline.
   */
  guard(work: () => void): void
  /** Resolves when everything queued so far got an answer (or is kept for a retry). */
  flush(): Promise<void>
  /** Messages waiting for the relay in this tab (0 before the client exists). */
  pending(): number
  /** The host SDK's reset: the client (if any) forgets the identity. */
  reset(): void
  /** Closes the client; a later get() creates a new one. */
  close(): void
}

export function createLazyClient(
  create: () => LoopsCdp,
  onError?: (error: LoopsCdpError) => void,
): LazyClient {
  let client: LoopsCdp | undefined
  return {
    get: () => {
      client ??= create()
      return client
    },
    isCreated: () => client !== undefined,
    guard(work) {
      try {
        work()
      } catch (error) {
        reportError(onError, error)
      }
    },
    flush: () => client?.flush() ?? Promise.resolve(),
    pending: () => client?.pending() ?? 0,
    reset: () => client?.reset(),
    close() {
      client?.close()
      client = undefined
    },
  }
}
