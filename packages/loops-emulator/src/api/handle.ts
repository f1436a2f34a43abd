import { LoopsApiError } from '../errors.js'
import {
  bearerToken,
  type EmuRequest,
  type EmuResponse,
  jsonResponse,
  parseLoose,
  redactHeaders,
} from '../http.js'
import type { EmulatorState } from '../state.js'
import type { FaultRule } from '../types.js'
import { createContext } from './context.js'
import { ROUTES } from './routes.js'

export type Sleep = (ms: number) => Promise<void>

/**
 * One `/api` request: injected fault (optionally after a delay) → auth → rate limit → route.
 * An `after` fault runs the normal path first and then answers with the fault instead.
 * Every request lands in the request log, whatever its answer.
 */
export async function handleApi(
  state: EmulatorState,
  req: EmuRequest,
  sleep: Sleep,
): Promise<EmuResponse> {
  const receivedAt = new Date(state.now()).toISOString()
  const rule = state.faults.take(req.path)
  if (rule?.delayMs) await sleep(rule.delayMs)
  const ignored: string[] = []
  let res: EmuResponse
  let processedStatus: number | undefined
  if (rule?.status && rule.after) {
    // Loops did the work; the answer was lost on the way back (a load balancer's 502).
    processedStatus = answer(state, req, ignored).status
    res = faultResponse(rule, state)
  } else res = rule?.status ? faultResponse(rule, state) : answer(state, req, ignored)
  state.recordRequest({
    method: req.method,
    path: req.path,
    query: req.query,
    status: res.status,
    headers: redactHeaders(req.headers),
    body: parseLoose(req.bodyText),
    response: parseLoose(res.body),
    ignoredProperties: ignored,
    fault: Boolean(rule?.status),
    ...(processedStatus !== undefined ? { processedStatus } : {}),
    receivedAt,
  })
  return res
}

function answer(state: EmulatorState, req: EmuRequest, ignored: string[]): EmuResponse {
  const token = bearerToken(req.headers)
  if (token === undefined || (state.apiKey !== undefined && token !== state.apiKey)) {
    // Loops still sends the deprecated `error` key on this one.
    return jsonResponse(401, {
      success: false,
      message: 'Invalid API key',
      error: 'Invalid API key',
    })
  }
  const limitHeaders: Record<string, string> = {}
  if (state.bucket.enabled) {
    const taken = state.bucket.take()
    limitHeaders['x-ratelimit-limit'] = String(taken.limit)
    limitHeaders['x-ratelimit-remaining'] = String(taken.remaining)
    if (!taken.allowed) {
      return jsonResponse(429, { success: false, message: 'Rate limit exceeded.' }, limitHeaders)
    }
  }
  const methods = ROUTES[req.path.slice('/api'.length)]
  if (!methods) return jsonResponse(404, { success: false, message: 'Not found.' }, limitHeaders)
  const handler = methods[req.method]
  if (!handler) {
    const allow = { ...limitHeaders, allow: Object.keys(methods).join(', ') }
    return jsonResponse(405, { success: false, message: 'Method not allowed.' }, allow)
  }
  const ctx = createContext(state, req)
  try {
    const result = handler(ctx)
    ignored.push(...ctx.ignored)
    return jsonResponse(result.status ?? 200, result.body, limitHeaders)
  } catch (error) {
    if (!(error instanceof LoopsApiError)) throw error
    const body = { success: false, message: error.message, ...error.extra }
    return jsonResponse(error.status, body, limitHeaders)
  }
}

const FAULT_MESSAGES: Record<number, string> = {
  429: 'Rate limit exceeded.',
  500: 'Internal server error.',
  502: 'Bad gateway.',
  503: 'Service unavailable.',
}

/** An injected answer; a string body starting with `<` is served as HTML (a load-balancer 502). */
function faultResponse(rule: FaultRule, state: EmulatorState): EmuResponse {
  const status = rule.status ?? 500
  const headers: Record<string, string> = {}
  if (status === 429) {
    headers['x-ratelimit-limit'] = String(state.bucket.limit || 10)
    headers['x-ratelimit-remaining'] = '0'
  }
  if (rule.body === undefined) {
    return jsonResponse(status, { success: false, message: FAULT_MESSAGES[status] }, headers)
  }
  if (typeof rule.body !== 'string') return jsonResponse(status, rule.body, headers)
  const text = rule.body
  const isJson = text !== '' && parseLoose(text) !== text
  const type = text.trimStart().startsWith('<')
    ? 'text/html; charset=utf-8'
    : isJson
      ? 'application/json; charset=utf-8'
      : 'text/plain; charset=utf-8'
  return { status, headers: { ...headers, 'content-type': type }, body: text }
}
