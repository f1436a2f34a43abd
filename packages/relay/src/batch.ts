// POST /v1/batch (docs/protocol.md): content type → capped body → JSON → batch cap → core's
// validator → per-client limit → policy per message → delivery mode. A well-formed envelope always
// gets `{ accepted, rejected }`, even when every entry is rejected.

import { type Rejection, validateEnvelope, type WireMessage } from '@loops-cdp/core/protocol'
import type { Context } from 'hono'
import type { AppDeps, AppEnv, Fail } from './app'
import { BodyTooLargeError, readBodyCapped } from './body'
import type { SubmitResult } from './delivery/types'
import { describeError } from './log'

const CONTENT_TYPES = new Set(['text/plain', 'application/json'])
/** One address (an office NAT) may send this many times the per-client budget. */
export const ADDRESS_LIMIT_FACTOR = 10

export function createBatchHandler(deps: AppDeps, fail: Fail) {
  const { config, metrics, logger } = deps

  async function parse(c: Context<AppEnv>): Promise<{ body: unknown } | Response> {
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
    if (!CONTENT_TYPES.has(type)) {
      return fail(415, 'Content-Type must be text/plain or application/json')
    }
    let text: string
    try {
      const bytes = await readBodyCapped(c.req.raw, config.maxBodyBytes)
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        return fail(413, `Body is larger than ${config.maxBodyBytes} bytes`)
      }
      return fail(400, 'Body is not valid UTF-8')
    }
    try {
      return { body: JSON.parse(text) as unknown }
    } catch {
      return fail(400, 'Body is not valid JSON')
    }
  }

  return async (c: Context<AppEnv>): Promise<Response> => {
    const parsed = await parse(c)
    if (parsed instanceof Response) return parsed
    const { body } = parsed
    // Too many entries is a size problem like a too-large body: 413, so the client splits it.
    const batch = (body as { batch?: unknown } | null)?.batch
    if (Array.isArray(batch) && batch.length > config.maxBatch) {
      return fail(413, `batch has more than ${config.maxBatch} entries`)
    }
    // Drop lines name the key and the reason; the value (personal data) stays out of the log.
    const log = config.debug ? (msg: string) => logger.log('debug', msg) : undefined
    const validation = validateEnvelope(body, { maxBatchSize: config.maxBatch, log })
    if (!validation.ok) return fail(400, validation.error)

    const total = validation.messages.length + validation.rejected.length
    const { ip, client } = clientKeys(c, body, config.trustProxy)
    const limit = deps.limiter.take(client, total)
    const address = limit.ok && client !== ip ? deps.addressLimiter.take(ip, total) : limit
    if (!address.ok) {
      metrics.rejected('rate_limited', total)
      return fail(429, 'Too many messages from this client', {
        'retry-after': String(address.retryAfterSeconds),
      })
    }
    const rejected: Rejection[] = [...validation.rejected]
    if (validation.rejected.length > 0) metrics.rejected('invalid', validation.rejected.length)

    const items: Array<{ index: number; message: WireMessage }> = []
    for (const { index, message } of validation.messages) {
      // The validator rebuilt the message from known fields and re-sanitized its properties.
      const verdict = await deps.policy.apply(message)
      if (!verdict.ok) {
        rejected.push({ index, messageId: message.messageId, error: verdict.error })
        metrics.rejected(verdict.reason)
        continue
      }
      for (const drop of verdict.dropped) metrics.policyDrop(drop)
      items.push({ index, message: verdict.message })
    }

    let result: SubmitResult = { status: deps.emptyStatus, rejected: [] }
    if (items.length > 0) {
      try {
        result = await deps.submit(items)
      } catch (error) {
        logger.log('error', 'submit failed', { error: describeError(error) })
        return fail(503, 'Delivery is unavailable, retry later', { 'retry-after': '5' })
      }
    }
    if (result.status === 503) {
      return fail(503, 'Loops is unavailable or throttled, retry later', {
        'retry-after': String(Math.max(1, Math.ceil(result.retryAfterSeconds ?? 5))),
      })
    }
    const refused = new Set(result.rejected.map((r) => r.index))
    for (const r of result.rejected) rejected.push({ ...r })
    if (result.rejected.length > 0) metrics.rejected('loops_rejected', result.rejected.length)
    for (const { index, message } of items) {
      if (!refused.has(index)) metrics.accepted(message.type)
    }
    rejected.sort((a, b) => a.index - b.index)
    return c.json({ accepted: items.length - refused.size, rejected }, result.status)
  }
}

/** The client is its IP plus the envelope's optional `anonymousId` (users behind one NAT). */
function clientKeys(c: Context<AppEnv>, body: unknown, trustProxy: boolean) {
  const forwarded =
    c.req.header('x-forwarded-for')?.split(',')[0]?.trim() || c.req.header('x-real-ip')?.trim()
  const socket = c.env?.clientIp
  // Without a socket address (a framework route handler) the proxy header is all there is.
  const ip = (trustProxy ? forwarded || socket : socket || forwarded) || 'unknown'
  const anonymousId = (body as { anonymousId?: unknown }).anonymousId
  const valid = typeof anonymousId === 'string' && anonymousId !== '' && anonymousId.length <= 100
  return { ip, client: valid ? `${ip}|${anonymousId}` : ip }
}
