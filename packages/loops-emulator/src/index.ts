export { createEmulator, type Emulator, type RunningEmulator, startEmulator } from './emulator.js'
export { CliUsageError, FaultRuleError, LoopsApiError } from './errors.js'
export { DEFAULT_PROPERTIES, RESERVED_NAMES } from './properties.js'
export { type CliHandle, parseArgs, runCli } from './run-cli.js'
export { DEFAULT_LISTS, EmulatorState } from './state.js'
export type {
  Contact,
  ContactProperty,
  EmulatorOptions,
  EventRecord,
  FaultRule,
  Json,
  JsonObject,
  MailingList,
  PropertyType,
  RequestRecord,
  TransactionalRecord,
} from './types.js'
