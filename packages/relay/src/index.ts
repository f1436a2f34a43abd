// Public entry of @loops-cdp/relay: the fetch-handler factory, the config helpers, the
// userHash helper for app backends, and the named errors.

export type { HealthInfo, RequestInfo } from './app'
export {
  ConfigError,
  configFromEnv,
  DEFAULT_CONFIG,
  isLoopbackUrl,
  type RelayConfig,
  type RelayMode,
  resolveConfig,
} from './config'
export { SqliteUnavailableError } from './delivery/sqlite-load'
export type { DeliveryMode, DeliveryOutcome, SubmitResult } from './delivery/types'
export {
  LoopsClientError,
  LoopsHttpError,
  LoopsNetworkError,
  LoopsTimeoutError,
} from './errors'
export { computeUserHash, type Identity, verifyUserHash } from './identity'
export type { LogLine, LogSink } from './log'
export { createRelay, type Relay, type RelayOptions } from './relay'
