import { createDebugLog, LoopsCdpError, type LoopsCdpOptions, reportError } from '@loops-cdp/core'

/** Where the likely causes are listed (the package README); the message links to it. */
export const NOT_LOADED_HELP =
  'https://github.com/loops-cdp/loops-cdp/tree/main/packages/rudder-plugin#when-rudderstack-never-initialises-it'

/**
 * RudderStack never initialised the integration (called its `init`) within `waitedMs` of its
 * creation: nothing will be delivered. The message links to the likely causes: the text ships in
 * the CDN build, so the list itself lives in the README.
 */
export class IntegrationNotLoadedError extends LoopsCdpError {
  constructor(readonly waitedMs: number) {
    super(
      `RudderStack did not initialise the Loops integration in ${waitedMs} ms; likely causes: ${NOT_LOADED_HELP}`,
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
