import { LoopsApiError } from '../errors.js'
import type { EmuRequest } from '../http.js'
import type { EmulatorState } from '../state.js'
import type { Json, JsonObject } from '../types.js'

/** What a Loops endpoint handler gets. Handlers throw LoopsApiError for 4xx answers. */
export interface ApiContext {
  state: EmulatorState
  req: EmuRequest
  query: URLSearchParams
  /** Custom properties the handler accepted but did not store; shown in the request log. */
  ignored: string[]
  /** The JSON object body, or a 400 like Loops gives for a malformed body. */
  body(): JsonObject
}

export interface ApiResult {
  status?: number
  body: unknown
}

export type ApiHandler = (ctx: ApiContext) => ApiResult

export function createContext(state: EmulatorState, req: EmuRequest): ApiContext {
  let parsed: JsonObject | undefined
  return {
    state,
    req,
    query: new URLSearchParams(req.query),
    ignored: [],
    body() {
      if (parsed) return parsed
      let value: Json
      try {
        value = JSON.parse(req.bodyText === '' ? '{}' : req.bodyText) as Json
      } catch {
        throw new LoopsApiError(400, 'Invalid JSON in request body.')
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new LoopsApiError(400, 'The request body must be a JSON object.')
      }
      parsed = value
      return value
    },
  }
}

/** The body without the keys a message owns, i.e. the top-level contact properties. */
export function withoutKeys(body: JsonObject, keys: readonly string[]): JsonObject {
  const out: JsonObject = {}
  for (const [key, value] of Object.entries(body)) if (!keys.includes(key)) out[key] = value
  return out
}

/** `Idempotency-Key` handling shared by events/send and transactional. */
export function checkIdempotency(ctx: ApiContext): string | null {
  const key = ctx.req.headers['idempotency-key']
  if (key === undefined || key === '') return null
  if (key.length > 100) {
    throw new LoopsApiError(400, 'Idempotency-Key must be 100 characters or fewer.')
  }
  if (ctx.state.idempotencyUsed(key)) {
    throw new LoopsApiError(409, 'Request has already been processed.')
  }
  return key
}
