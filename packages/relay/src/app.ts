// The relay's HTTP surface as a hono app. One middleware per concern, in this order for
// POST /v1/batch: origin + CORS (middleware/origin.ts) → per-client limit, checked before the
// body is read (middleware/client-limit.ts) → content type + body cap (middleware/body-limit.ts)
// → the batch handler (batch.ts). Every error is thrown as a RelayHttpError (an HTTPException)
// and answered `{ "error": "…" }` by the one onError below; 404 and 405 (with Allow) too.
// Delivery is behind `submit`, so the same app serves the direct and the queue modes.
import { Hono } from 'hono'
import { type BatchDeps, createBatchHandler } from './batch'
import type { ClientIpResolver } from './client-address'
import type { RelayConfig } from './config'
import type { RelayEnv } from './http-env'
import { errorResponse, httpErrorResponse, RelayHttpError } from './http-error'
import { describeError } from './log'
import { bodyLimit } from './middleware/body-limit'
import { clientLimit } from './middleware/client-limit'
import { originPolicy } from './middleware/origin'

export type { RequestInfo } from './http-env'

export interface HealthInfo {
  /** false while the relay cannot take or deliver messages (`reason` says why). */
  ok: boolean
  reason?: string
  mode: RelayConfig['mode']
  /** redis mode: what this process does (both, ingest or worker). */
  role?: RelayConfig['role']
  /** Result of the start-up key check (`GET /v1/api-key`). */
  loops: 'unknown' | 'ok' | 'unauthorized'
  queueDepth: number
}

export interface AppDeps extends BatchDeps {
  config: RelayConfig
  /** The mount's own way to find the client address (see client-address.ts). */
  clientIp?: ClientIpResolver | undefined
  health(): HealthInfo
}

const BATCH_METHODS = 'OPTIONS, POST'
const READ_METHODS = 'GET, HEAD'

const methodNotAllowed = (allow: string) => () => {
  throw new RelayHttpError(405, 'Method not allowed', { allow })
}

export function createApp(deps: AppDeps): Hono<RelayEnv> {
  const { config, metrics, logger } = deps
  const app = config.basePath
    ? new Hono<RelayEnv>().basePath(config.basePath)
    : new Hono<RelayEnv>()

  // These are API answers: never cached, never sniffed.
  app.use('*', async (c, next) => {
    await next()
    c.res.headers.set('cache-control', 'no-store')
    c.res.headers.set('x-content-type-options', 'nosniff')
  })

  app.use('/v1/batch', originPolicy(config.allowedOrigins))
  // A preflight was answered by cors(); this is an OPTIONS without Origin (no browser).
  app.options('/v1/batch', (c) => c.body(null, 204, { allow: BATCH_METHODS }))
  app.post(
    '/v1/batch',
    clientLimit({
      limit: config.clientRateLimit,
      trustProxy: config.trustProxy,
      clientIp: deps.clientIp,
      onNoClientAddress: () =>
        logger.log(
          'warn',
          'per-client rate limit is off: requests carry no client address. Pass ' +
            'createRelay({ clientIp }) or set RELAY_TRUST_PROXY to the number of proxies in front',
        ),
      onLimited: (count) => metrics.rejected('rate_limited', count),
    }),
    bodyLimit({ maxBytes: config.maxBodyBytes }),
    createBatchHandler(deps),
  )
  app.all('/v1/batch', methodNotAllowed(BATCH_METHODS))

  // 503 while not ok, so a load balancer's health check takes the instance out meanwhile.
  app.get('/health', (c) => {
    const health = deps.health()
    return c.json(health, health.ok ? 200 : 503)
  })
  app.all('/health', methodNotAllowed(READ_METHODS))

  if (config.metrics) {
    app.get('/metrics', (c) =>
      c.body(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
    )
    app.all('/metrics', methodNotAllowed(READ_METHODS))
  }

  app.notFound(() => {
    metrics.request(404)
    return errorResponse(404, 'Not found')
  })
  app.onError((error) => {
    const answer = httpErrorResponse(error)
    if (answer) {
      metrics.request(answer.status)
      return answer
    }
    logger.log('error', 'request failed', { error: describeError(error) })
    metrics.request(500)
    return errorResponse(500, 'Internal error')
  })
  return app
}
