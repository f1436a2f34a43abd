// Public entry of @loops-cdp/relay: the fetch-handler factory, the config helpers,
// `signIdentity` for app servers (the plugins' `userHash`), and the named errors.

export type { HealthInfo, RequestInfo } from './app'
export type { ClientIpResolver } from './client-address'
export {
  ConfigError,
  configFromEnv,
  DEFAULT_CONFIG,
  isLoopbackUrl,
  type RelayConfig,
  type RelayConfigInput,
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
export { type Identity, signIdentity } from './identity'
export type { LogLine, LogSink } from './log'
export { createRelay, type Relay, type RelayOptions } from './relay'
