// npm entry. Named exports only (no `export *`), so what is public stays deliberate.

export {
  type BatchResponse,
  type LoopsCdpEnvironment,
  LoopsCdpError,
  QueueOverflowError,
  RelayHttpError,
  RelayRejectedError,
  type WireMessage,
} from '@loops-cdp/core'
export { IntegrationNotLoadedError } from './init-watch'
export {
  type LoopsIntegration,
  type LoopsIntegrationOptions,
  loopsIntegration,
} from './integration'
export { version } from './version'
