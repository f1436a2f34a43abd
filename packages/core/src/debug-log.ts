// The `debug` option as a logger: the facade and the plugins log through the same one, so every
// line carries the same '[loops-cdp]' prefix or reaches the app's own function.
import type { DebugLogger } from './types'

export const createDebugLog = (debug: boolean | DebugLogger | undefined): DebugLogger =>
  typeof debug === 'function'
    ? debug
    : debug
      ? (message, ...detail) => console.debug(`[loops-cdp] ${message}`, ...detail)
      : () => {}
