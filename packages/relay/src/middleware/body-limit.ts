// Content type and body cap for POST /v1/batch: 415 unless text/plain or application/json, 413
// over `maxBytes`. The body is read here, within the cap, and handed on as bytes (`c.var.body`);
// past the cap nothing more is kept in memory.
//
// A 413 must reach the client. A client that writes its whole body before reading (Node's
// http.request, some proxies) gets a connection reset instead of the answer when the server
// answers and closes mid-upload. So past the cap the rest of the upload is read and discarded,
// up to `drainBytes`; only a body declared or found to be larger than that is answered at once
// (with `Connection: close`). hono's `bodyLimit` stops reading at the cap, hence this module.
import type { MiddlewareHandler } from 'hono'
import type { RelayEnv } from '../http-env'
import { RelayHttpError } from '../http-error'

const CONTENT_TYPES = new Set(['text/plain', 'application/json'])

export interface BodyLimitOptions {
  maxBytes: number
  /** How much of an over-large upload is read and discarded so its 413 arrives. */
  drainBytes?: number
}

/** Default drain bound: 8× the cap, at least 8 MiB. */
export const drainBound = (maxBytes: number) => Math.max(8 * maxBytes, 8 * 1024 * 1024)

export function bodyLimit(options: BodyLimitOptions): MiddlewareHandler<RelayEnv> {
  const { maxBytes } = options
  const drainBytes = options.drainBytes ?? drainBound(maxBytes)
  const tooLarge = (close: boolean) =>
    new RelayHttpError(
      413,
      `Body is larger than ${maxBytes} bytes`,
      close ? { connection: 'close' } : {},
    )

  return async (c, next) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
    if (!CONTENT_TYPES.has(type)) {
      throw new RelayHttpError(415, 'Content-Type must be text/plain or application/json')
    }
    const request = c.req.raw
    const declared = request.headers.get('content-length')
    const length = declared !== null && /^\d+$/.test(declared) ? Number(declared) : undefined
    if (length !== undefined && length > drainBytes) throw tooLarge(true)

    const chunks: Uint8Array[] = []
    let size = 0
    if (request.body !== null) {
      const reader = request.body.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        size += value.byteLength
        if (size > drainBytes) {
          reader.cancel().catch(() => {})
          throw tooLarge(true)
        }
        // Over the cap: keep reading so the client can finish its upload, keep nothing.
        if (size <= maxBytes) chunks.push(value)
        else chunks.length = 0
      }
    }
    if (size > maxBytes) throw tooLarge(false)
    c.set('body', concat(chunks, size))
    await next()
  }
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0]
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}
