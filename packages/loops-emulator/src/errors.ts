/**
 * A Loops API error: handlers throw it and the router answers
 * `{ "success": false, "message" }` with its status, as Loops does since 2025-09-11.
 */
export class LoopsApiError extends Error {
  override name = 'LoopsApiError'
  readonly status: number
  /** Extra top-level keys some Loops errors still carry (e.g. the deprecated `error`). */
  readonly extra: Record<string, string>

  constructor(status: number, message: string, extra: Record<string, string> = {}) {
    super(message)
    this.status = status
    this.extra = extra
  }
}

/** A malformed fault rule posted to `/_emulator/faults`. */
export class FaultRuleError extends Error {
  override name = 'FaultRuleError'
  readonly rule: unknown

  constructor(message: string, rule: unknown) {
    super(message)
    this.rule = rule
  }
}

/** Bad command-line arguments for the `loops-emulator` CLI. */
export class CliUsageError extends Error {
  override name = 'CliUsageError'
  readonly argument: string

  constructor(message: string, argument: string) {
    super(message)
    this.argument = argument
  }
}
