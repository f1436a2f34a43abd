import { createDebugLog, LoopsCdpError, type LoopsCdpOptions, reportError } from '@loops-cdp/core'

/**
 * RudderStack never initialised the integration (called its `init`) within `waitedMs` of its
 * creation: nothing will be delivered. The message lists the likely causes.
 */
export class IntegrationNotLoadedError extends LoopsCdpError {
  constructor(readonly waitedMs: number) {
    super(
      `RudderStack did not initialise the Loops integration in ${waitedMs} ms. Likely: addCustomIntegration() after the SDK loaded ("Cannot add custom integration"), the destination id is not a Custom Device Mode destination of this source, the SDK plugins did not load (use @rudderstack/analytics-js/bundled), or no consent`,
      'IntegrationNotLoadedError',
    )
  }
}

/**
 * Starts waiting for RudderStack to initialise the integration; the returned function marks it
 * initialised. Only in a page: an integration created during server rendering is never loaded.
 */
export function watchInit(options: LoopsCdpOptions, waitMs = 5e3): () => void {
  const timer =
    waitMs > 0 && (globalThis as { document?: unknown }).document
      ? setTimeout(() => {
          const error = reportError(options.onError, new IntegrationNotLoadedError(waitMs))
          createDebugLog(options.debug)(error.message, error)
        }, waitMs)
      : undefined
  return () => clearTimeout(timer)
}
