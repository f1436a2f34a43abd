// Named errors (ky style). They ship to browsers, so each is one constructor. `name` is set
// explicitly (minifiers rename classes), so callers can switch on `error.name` across bundles,
// where `instanceof` fails (a CDN build and an npm build on one page).

export class LoopsCdpError extends Error {
  constructor(message: string, name = 'LoopsCdpError') {
    super(message)
    this.name = name
  }
}

/**
 * The relay refused a whole batch with a non-2xx status (e.g. 403: this page's origin is not in
 * RELAY_ALLOWED_ORIGINS). `relayError` is the relay's `{ "error" }` text (cut to 200 characters;
 * '' when the answer had none); the message carries it too.
 */
export class RelayHttpError extends LoopsCdpError {
  constructor(
    readonly status: number,
    readonly messageIds: string[],
    readonly relayError = '',
  ) {
    super(`Relay answered ${status}${relayError && `: ${relayError}`}`, 'RelayHttpError')
  }
}

/** The relay accepted the batch but rejected one message for its content; never retried. */
export class RelayRejectedError extends LoopsCdpError {
  constructor(
    readonly messageId: string,
    readonly reason: string,
  ) {
    super(`Relay rejected ${messageId}: ${reason}`, 'RelayRejectedError')
  }
}

/** The queue hit `maxQueueSize`; the oldest messages (`messageIds`) were discarded. */
export class QueueOverflowError extends LoopsCdpError {
  readonly dropped: number
  constructor(readonly messageIds: string[]) {
    super(`Queue full: dropped ${messageIds.length} oldest`, 'QueueOverflowError')
    this.dropped = messageIds.length
  }
}

/** A programmer error in the options of `createLoopsCdp` (thrown only from there). */
export class InvalidOptionsError extends LoopsCdpError {
  constructor(readonly option: string) {
    super(`Invalid option: ${option}`, 'InvalidOptionsError')
  }
}

/**
 * Hands any thrown value to `onError` as a LoopsCdpError and returns it. Never throws: the facade
 * and both plugins use it so that nothing reaches the host SDK's pipeline.
 */
export function reportError(
  onError: ((error: LoopsCdpError) => void) | undefined,
  thrown: unknown,
): LoopsCdpError {
  const error = thrown instanceof LoopsCdpError ? thrown : new LoopsCdpError(String(thrown))
  try {
    onError?.(error)
  } catch {} // a throwing onError must not reach the host SDK either
  return error
}
