// Every error answer of the relay is `{ "error": "…" }` JSON. Middleware and handlers throw a
// RelayHttpError (a hono HTTPException with the headers the answer needs: Allow, Retry-After);
// the app's one `onError` turns it into the response with `httpErrorResponse`.
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

export class RelayHttpError extends HTTPException {
  override name = 'RelayHttpError'
  readonly headers: Readonly<Record<string, string>>

  constructor(status: ContentfulStatusCode, message: string, headers: Record<string, string> = {}) {
    super(status, { message })
    this.headers = headers
  }
}

/** 429 / 503: the client keeps the batch and sends it again after `seconds`. */
export const retryLater = (status: 429 | 503, message: string, seconds: number) =>
  new RelayHttpError(status, message, { 'retry-after': String(Math.max(1, Math.ceil(seconds))) })

export function errorResponse(
  status: number,
  error: string,
  headers: Readonly<Record<string, string>> = {},
): Response {
  return new Response(JSON.stringify({ error }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  })
}

/** The answer for a thrown HTTPException (a RelayHttpError brings its headers); else undefined. */
export function httpErrorResponse(error: unknown): Response | undefined {
  if (!(error instanceof HTTPException)) return undefined
  const headers = error instanceof RelayHttpError ? error.headers : {}
  return errorResponse(error.status, error.message || 'Request refused', headers)
}
