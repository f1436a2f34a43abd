// Named errors (ky style). They ship to browsers, so each is a few lines; `code` lets callers
// switch without `instanceof` across bundles.

export type LoopsCdpErrorCode =
  | 'relay_http'
  | 'relay_rejected'
  | 'queue_overflow'
  | 'invalid_options'
  | 'mapping'
  | 'internal'

export class LoopsCdpError extends Error {
  override name = 'LoopsCdpError'
  constructor(
    message: string,
    readonly code: LoopsCdpErrorCode = 'internal',
  ) {
    super(message)
  }
}

/** The relay answered a whole batch with a non-2xx status (0 = network error, no answer). */
export class RelayHttpError extends LoopsCdpError {
  override name = 'RelayHttpError'
  constructor(
    readonly status: number,
    readonly messageIds: string[],
    message = `Relay answered ${status}`,
  ) {
    super(message, 'relay_http')
  }
}

/** The relay accepted the batch but rejected one message for its content; never retried. */
export class RelayRejectedError extends LoopsCdpError {
  override name = 'RelayRejectedError'
  constructor(
    readonly messageId: string,
    readonly reason: string,
  ) {
    super(`Relay rejected ${messageId}: ${reason}`, 'relay_rejected')
  }
}

/** The queue hit `maxQueueSize`; the oldest `dropped` messages were discarded. */
export class QueueOverflowError extends LoopsCdpError {
  override name = 'QueueOverflowError'
  constructor(readonly dropped: number) {
    super(`Queue full: dropped ${dropped} oldest`, 'queue_overflow')
  }
}

/** A programmer error in the options of `createLoopsCdp` (thrown only from there). */
export class InvalidOptionsError extends LoopsCdpError {
  override name = 'InvalidOptionsError'
  constructor(
    readonly option: string,
    message = `Invalid option: ${option}`,
  ) {
    super(message, 'invalid_options')
  }
}

/** A call that cannot become a Loops message, e.g. an event name containing `:`. */
export class MappingError extends LoopsCdpError {
  override name = 'MappingError'
  constructor(
    message: string,
    readonly messageId?: string,
  ) {
    super(message, 'mapping')
  }
}
