// The relay's HTTP surface as a hono app: routes, CORS and the Origin allow list,
// 404/405 with Allow, JSON errors. The batch endpoint itself is in batch.ts; delivery is behind
// `submit`, so the same app serves the direct and the queue modes.

import type { WireMessage } from '@loops-cdp/core/protocol'
import { Hono } from 'hono'
import { createBatchHandler } from './batch'
import type { ClientRateLimiter } from './client-rate-limit'
import type { RelayConfig } from './config'
import type { SubmitResult } from './delivery/types'
import { describeError, type RelayLogger } from './log'
import type { RelayMetrics } from './metrics'
import { createOriginCheck } from './origin'
import type { Policy } from './policy'

export interface RequestInfo {
  /** The peer address when the server knows it (the CLI passes the socket's). */
  clientIp?: string
}

export interface HealthInfo {
  /** False while the relay cannot store or deliver (queue modes: its store fails). */
  ok: boolean
  /** Why not, while `ok` is false. */
  reason?: string
  mode: RelayConfig['mode']
  /** Result of the start-up key check (`GET /v1/api-key`). */
  loops: 'unknown' | 'ok' | 'unauthorized'
  queueDepth: number
}

export interface AppDeps {
  config: RelayConfig
  policy: Policy
  /** Per client (IP + anonymous id). */
  limiter: ClientRateLimiter
  /** Per IP, looser: rotating anonymous ids must not lift the limit. */
  addressLimiter: ClientRateLimiter
  metrics: RelayMetrics
  logger: RelayLogger
  /** Hands accepted messages to the delivery mode; may throw (the client then retries). */
  submit(items: Array<{ index: number; message: WireMessage }>): Promise<SubmitResult>
  /** Status for an envelope whose messages were all rejected (200 direct, 202 queue). */
  emptyStatus: 200 | 202
  health(): HealthInfo
}

export type AppEnv = { Bindings: RequestInfo }

/** Builds a JSON `{ error }` answer and counts it. */
export type Fail = (status: number, error: string, headers?: Record<string, string>) => Response

const BATCH_METHODS = 'OPTIONS, POST'
const READ_METHODS = 'GET, HEAD'

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { config, metrics, logger } = deps
  const origins = createOriginCheck(config.allowedOrigins)
  const app = config.basePath ? new Hono<AppEnv>().basePath(config.basePath) : new Hono<AppEnv>()

  const fail: Fail = (status, error, headers) => {
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

  app.post('/v1/batch', createBatchHandler(deps, fail))

  app.all('/v1/batch', () => fail(405, 'Method not allowed', { allow: BATCH_METHODS }))

  // 503 while not ok, so a load balancer's health check takes the instance out meanwhile.
  app.get('/health', (c) => {
    const health = deps.health()
    return c.json(health, health.ok ? 200 : 503)
  })
  app.all('/health', () => fail(405, 'Method not allowed', { allow: READ_METHODS }))

  if (config.metrics) {
    app.get('/metrics', (c) =>
      c.body(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
    )
    app.all('/metrics', () => fail(405, 'Method not allowed', { allow: READ_METHODS }))
  }

  app.notFound(() => fail(404, 'Not found'))
  app.onError((error) => {
    logger.log('error', 'request failed', { error: describeError(error) })
    return fail(500, 'Internal error')
  })
  return app
}
