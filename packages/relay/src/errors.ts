// Named errors of the Loops client (ky style). They carry the method, the path and the status —
// never the request, its headers or the API key — so logging one whole is always safe.

/** Base class: a Loops call that did not succeed. `retryable` says whether a later try may work. */
export class LoopsClientError extends Error {
  override name = 'LoopsClientError'
  readonly method: string
  readonly path: string
  readonly retryable: boolean

  constructor(message: string, context: { method: string; path: string; retryable: boolean }) {
    super(message)
    this.method = context.method
    this.path = context.path
    this.retryable = context.retryable
  }
}

/** Loops (or a load balancer in front of it) answered with a non-success status. */
export class LoopsHttpError extends LoopsClientError {
  override name = 'LoopsHttpError'
  readonly status: number
  /** The `message` of Loops' JSON error body, or a short excerpt of a non-JSON body. */
  readonly detail: string

  constructor(context: {
    method: string
    path: string
    status: number
    detail: string
    retryable: boolean
  }) {
    super(
      `Loops answered ${context.status} to ${context.method} ${context.path}: ${context.detail}`,
      context,
    )
    this.status = context.status
    this.detail = context.detail
  }
}

/** No answer within the client's timeout; the request may or may not have reached Loops. */
export class LoopsTimeoutError extends LoopsClientError {
  override name = 'LoopsTimeoutError'
  readonly timeoutMs: number

  constructor(context: { method: string; path: string; timeoutMs: number }) {
    super(`Loops did not answer ${context.method} ${context.path} within ${context.timeoutMs} ms`, {
      ...context,
      retryable: true,
    })
    this.timeoutMs = context.timeoutMs
  }
}

/** The connection failed (refused, reset, DNS). Only the low-level code is kept, not the cause. */
export class LoopsNetworkError extends LoopsClientError {
  override name = 'LoopsNetworkError'
  readonly code: string | undefined

  constructor(context: { method: string; path: string; code: string | undefined }) {
    const why = context.code ? ` (${context.code})` : ''
    super(`Could not reach Loops for ${context.method} ${context.path}${why}`, {
      ...context,
      retryable: true,
    })
    this.code = context.code
  }
}
