import {
  createLazyClient,
  createLoopsCdp,
  createStorage,
  type LoopsCdpEnvironment,
  type LoopsCdpOptions,
} from '@loops-cdp/core'
import type {
  RSACustomIntegration,
  RSAEvent,
  RSALogger,
  RSAnalytics,
} from '@rudderstack/analytics-js'
import { watchInit } from './init-watch'
import { createResetWatch } from './reset-watch'
import { toCdpCall } from './to-cdp-call'

export interface LoopsIntegrationOptions extends LoopsCdpOptions {
  /**
   * ms to wait for RudderStack to initialise the integration before reporting an
   * IntegrationNotLoadedError (onError and the debug log); default 5000, 0 = never.
   */
  initTimeout?: number
}

/**
 * The integration, plus delivery controls for the page. RudderStack works on a copy of the
 * object; these closures share state with it, so call them on the object you created.
 */
export interface LoopsIntegration extends RSACustomIntegration {
  /** Resolves when everything queued so far got an answer from the relay (or is kept for retry). */
  flush(): Promise<void>
  /** Messages waiting for the relay in this tab (0 when core cannot tell). */
  pending(): number
}

/**
 * The Loops integration for `rudderanalytics.addCustomIntegration(destinationId, …)`: a plain
 * object of closures, because the SDK copies only own enumerable properties of what it is given.
 * RudderStack filters custom integrations by the key 'Custom Device Mode' only, so
 * `integrations: { Loops: false }` is honoured here.
 */
export function loopsIntegration(
  options: LoopsIntegrationOptions,
  env?: LoopsCdpEnvironment,
): LoopsIntegration {
  let resetSeen: ReturnType<typeof createResetWatch> | undefined
  const initialised = watchInit(options, options.initTimeout)
  const loops = createLazyClient(() => {
    const client = createLoopsCdp(options, env)
    resetSeen = createResetWatch(
      createStorage(env?.storage),
      `${options.storagePrefix ?? 'loops-cdp'}:rudder-identity`,
    )
    return client
  }, options.onError)
  const send = (_analytics: RSAnalytics, _logger: RSALogger, { message }: RSAEvent): void =>
    loops.guard(() => {
      if (!enabled(message.integrations)) return
      const client = loops.get()
      if (resetSeen?.(message.anonymousId, message.userId ?? '')) client.reset()
      client.handle(toCdpCall(message))
    })

  return {
    // A throw here (invalid options) makes RudderStack mark the destination as failed and log it.
    init: () => {
      initialised()
      loops.get()
    },
    // Nothing to wait for: no vendor script. The SDK replays events sent before ready.
    isReady: () => true,
    identify: send,
    track: send,
    flush: loops.flush,
    pending: loops.pending,
  }
}

/**
 * RudderStack has already applied `All` / `'Custom Device Mode'` to the whole custom destination;
 * `Loops` is ours to honour, with the same precedence (`Loops` ?? `'Custom Device Mode'` ?? `All`).
 */
function enabled(integrations: RSAEvent['message']['integrations'] | undefined): boolean {
  return (
    (integrations?.Loops ?? integrations?.['Custom Device Mode'] ?? integrations?.All) !== false
  )
}
