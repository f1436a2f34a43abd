// The relay's HTTP surface (DESIGN §3) as a hono app: routes, CORS and the Origin allow list,
// body and batch caps, validation through core, per-message rejections, JSON errors. Delivery
// itself is behind `submit`, so the same app serves the direct and the queue modes.

import { type Rejection, validateEnvelope, type WireMessage } from '@loops-cdp/core/protocol'
import { type Context, Hono } from 'hono'
import { BodyTooLargeError, readBodyCapped } from './body'
import type { ClientRateLimiter } from './client-rate-limit'
import type { RelayConfig } from './config'
import type { SubmitResult } from './delivery/types'
import type { RelayLogger } from './log'
import type { RelayMetrics } from './metrics'
import { createOriginCheck } from './origin'
import type { Policy } from './policy'

export interface RequestInfo {
  /** The peer address when the server knows it (the CLI passes the socket's). */
  clientIp?: string
}

export interface HealthInfo {
  ok: true
  mode: RelayConfig['mode']
  /** Result of the start-up key check (`GET /v1/api-key`). */
  loops: 'unknown' | 'ok' | 'unauthorized'
  queueDepth: number
}

export interface AppDeps {
  config: RelayConfig
  policy: Policy
  limiter: ClientRateLimiter
  metrics: RelayMetrics
  logger: RelayLogger
  /** Hands accepted messages to the delivery mode; may throw (the client then retries). */
  submit(items: Array<{ index: number; message: WireMessage }>): Promise<SubmitResult>
  /** Status for an envelope whose messages were all rejected (200 direct, 202 queue). */
  emptyStatus: 200 | 202
  health(): HealthInfo
}

type Env = { Bindings: RequestInfo }

const BATCH_METHODS = 'OPTIONS, POST'
const READ_METHODS = 'GET, HEAD'
const CONTENT_TYPES = new Set(['text/plain', 'application/json'])

export function createApp(deps: AppDeps): Hono<Env> {
  const { config, metrics, logger } = deps
  const origins = createOriginCheck(config.allowedOrigins)
  const app = config.basePath ? new Hono<Env>().basePath(config.basePath) : new Hono<Env>()

  const fail = (status: number, error: string, headers?: Record<string, string>) => {
    metrics.request(status)
    return new Response(JSON.stringify({ error }), {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    })
  }

  // Security headers on every answer; these are API responses, never cached or sniffed.
  app.use('*', async (c, next) => {
    await next()
    c.res.headers.set('cache-control', 'no-store')
    c.res.headers.set('x-content-type-options', 'nosniff')
  })

  // Origin check and CORS headers for the batch endpoint (the only one browsers call).
  app.use('/v1/batch', async (c, next) => {
    const origin = c.req.header('origin')
    if (origin === undefined) return next() // same-origin GETs, servers, curl
    const host = c.req.header('host') ?? new URL(c.req.url).host
    if (!origins.allows(origin, host)) return fail(403, 'Origin not allowed')
    await next()
    const headers = c.res.headers
    headers.set('access-control-allow-origin', origin)
    headers.append('vary', 'Origin')
    // The browser queue reads Retry-After on 429/503 to time its next try.
    headers.set('access-control-expose-headers', 'Retry-After')
  })

  app.options('/v1/batch', (c) => {
    if (c.req.header('origin') === undefined) {
      return c.body(null, 204, { allow: BATCH_METHODS })
    }
    const requested = c.req.header('access-control-request-headers') ?? ''
    // Echo only header-name tokens: the plugin may add custom headers (`headers` option).
    const allowHeaders = /^[\w-]+(\s*,\s*[\w-]+)*$/.test(requested) ? requested : 'Content-Type'
    return c.body(null, 204, {
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': allowHeaders,
      'access-control-max-age': '86400',
      vary: 'Access-Control-Request-Headers',
    })
  })

  app.post('/v1/batch', async (c) => {
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
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return fail(400, 'Body is not valid JSON')
    }
    // Too many entries is a size problem like a too-large body: 413, so the client splits it.
    const batch = (body as { batch?: unknown } | null)?.batch
    if (Array.isArray(batch) && batch.length > config.maxBatch) {
      return fail(413, `batch has more than ${config.maxBatch} entries`)
    }
    const validation = validateEnvelope(body, { maxBatchSize: config.maxBatch })
    if (!validation.ok) return fail(400, validation.error)

    const total = validation.messages.length + validation.rejected.length
    const limit = deps.limiter.take(clientKey(c, body, config.trustProxy), total)
    if (!limit.ok) {
      metrics.rejected('rate_limited', total)
      return fail(429, 'Too many messages from this client', {
        'retry-after': String(limit.retryAfterSeconds),
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
        logger.log('error', 'submit failed', { error: describe(error) })
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
  })

  app.all('/v1/batch', () => fail(405, 'Method not allowed', { allow: BATCH_METHODS }))

  app.get('/health', (c) => c.json(deps.health()))
  app.all('/health', () => fail(405, 'Method not allowed', { allow: READ_METHODS }))

  if (config.metrics) {
    app.get('/metrics', (c) =>
      c.body(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
    )
    app.all('/metrics', () => fail(405, 'Method not allowed', { allow: READ_METHODS }))
  }

  app.notFound(() => fail(404, 'Not found'))
  app.onError((error) => {
    logger.log('error', 'request failed', { error: describe(error) })
    return fail(500, 'Internal error')
  })
  return app
}

/** IP plus the envelope's optional `anonymousId`, so users behind one NAT get separate budgets. */
function clientKey(c: Context<Env>, body: unknown, trustProxy: boolean): string {
  const forwarded =
    c.req.header('x-forwarded-for')?.split(',')[0]?.trim() || c.req.header('x-real-ip')?.trim()
  const socket = c.env?.clientIp
  // Without a socket address (a framework route handler) the proxy header is all there is.
  const ip = (trustProxy ? forwarded || socket : socket || forwarded) || 'unknown'
  const anonymousId = (body as { anonymousId?: unknown }).anonymousId
  const anon =
    typeof anonymousId === 'string' && anonymousId.length <= 100 ? anonymousId : undefined
  return anon === undefined ? ip : `${ip}|${anon}`
}

/** Name and message only: stack traces and causes can carry request data. */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error'
}
