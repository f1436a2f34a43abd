// createRelay: config → one web-standard `fetch` handler plus start/stop. It wires the hono app
// (app.ts) to a delivery mode (direct or the SQLite queue), the pacer, the Loops client, metrics
// and logs, and runs the start-up key check that /health reports.

import { createApp, type HealthInfo, type RequestInfo } from './app'
import { ADDRESS_LIMIT_FACTOR } from './batch'
import { createClientRateLimiter } from './client-rate-limit'
import { ConfigError, isLoopbackUrl, type RelayConfig, resolveConfig } from './config'
import { createDirectMode } from './delivery/direct'
import type { DeliveryMode, DeliveryModeOptions, DeliveryOutcome } from './delivery/types'
import { createLogger, describeError, type LogSink } from './log'
import { createLoopsClient } from './loops-client'
import { createMetrics } from './metrics'
import { createPacer } from './pacer'
import { createPolicy } from './policy'

export interface RelayOptions extends Partial<RelayConfig> {
  /** Where log lines go (default: JSON lines on stdout/stderr). */
  logSink?: LogSink
  /** fetch used for Loops calls (default: the global one). */
  fetch?: typeof fetch
}

export interface Relay {
  /** The web-standard handler: mount it in any runtime. Starts the relay on first use. */
  fetch(request: Request, info?: RequestInfo): Promise<Response>
  /** Starts delivery and the key check. Idempotent; `fetch` calls it too. */
  start(): Promise<void>
  /** Stops taking work and waits for Loops calls in flight (the queue keeps the rest). */
  stop(): Promise<void>
  health(): HealthInfo
  readonly config: RelayConfig
}

// The emulator accepts any key when started without one; Loops itself never sees this value.
const LOOPBACK_PLACEHOLDER_KEY = 'loops-relay-emulator'

export function createRelay(options: RelayOptions = {}): Relay {
  const { logSink, fetch: customFetch, ...input } = options
  const config = resolveConfig(input)
  if (config.mode === 'redis') {
    throw new ConfigError('mode', 'redis mode is not available yet; use "queue" or "direct"')
  }
  if (config.loopsApiKey === undefined && !isLoopbackUrl(config.loopsApiUrl)) {
    throw new ConfigError(
      'loopsApiKey',
      'LOOPS_API_KEY is required unless LOOPS_API_URL is a loopback address (the emulator)',
    )
  }

  const logger = createLogger({
    ...(logSink ? { sink: logSink } : {}),
    secrets: [config.loopsApiKey, config.identitySecret],
  })
  let loopsStatus: HealthInfo['loops'] = 'unknown'
  let mode: DeliveryMode | undefined
  const metrics = createMetrics({
    queueDepth: () => mode?.depth() ?? 0,
    loopsAuthorized: () => (loopsStatus === 'unknown' ? undefined : loopsStatus === 'ok'),
  })

  const loops = createLoopsClient({
    apiKey: config.loopsApiKey ?? LOOPBACK_PLACEHOLDER_KEY,
    baseUrl: config.loopsApiUrl,
    ...(customFetch ? { fetch: customFetch } : {}),
  })
  const pacer = createPacer({ ratePerSecond: config.loopsRateLimit })
  const onOutcome = (outcome: DeliveryOutcome) => {
    logger.outcome(outcome)
    if (outcome.kind === 'delivered') {
      metrics.delivered(outcome.type)
      metrics.loopsLatency(outcome.latencyMs / 1000)
    } else if (outcome.kind === 'retried') metrics.retried(outcome.type)
    else metrics.deadLettered(outcome.type)
  }
  const modeOptions: DeliveryModeOptions = {
    loops,
    pacer,
    onOutcome,
    onDuplicate: ({ type }) => metrics.duplicateSkipped(type),
    onStall: () => metrics.workerStall(),
    log: ({ level, msg, ...fields }) =>
      logger.log(level === 'error' || level === 'warn' ? level : 'info', String(msg), fields),
  }

  // better-sqlite3 is loaded only in queue mode, so direct mode runs where native modules cannot.
  async function openMode(): Promise<DeliveryMode> {
    if (config.mode === 'direct') return createDirectMode(modeOptions)
    const { createSqliteQueueMode } = await import('./delivery/sqlite-queue')
    return createSqliteQueueMode({ ...modeOptions, dataDir: config.dataDir })
  }

  async function checkKey(): Promise<void> {
    if (!(await pacer.acquire())) return
    const result = await loops.testApiKey()
    pacer.observe(result)
    if (result.ok) loopsStatus = 'ok'
    else if (result.status === 401 || result.status === 403) loopsStatus = 'unauthorized'
    logger.log(result.ok ? 'info' : 'error', 'loops api key check', {
      loops: loopsStatus,
      ...(result.ok ? {} : { reason: result.reason }),
    })
  }

  let starting: Promise<DeliveryMode> | undefined
  let startError: unknown
  let stopped = false
  function start(): Promise<DeliveryMode> {
    starting ??= openMode().then(
      (opened) => {
        startError = undefined
        mode = opened
        opened.start()
        // Not awaited: a slow or unreachable Loops must not hold up serving.
        checkKey().catch((error: unknown) => {
          logger.log('error', 'loops api key check failed', { error: String(error) })
        })
        return opened
      },
      (error: unknown) => {
        // Not cached: the next request tries again (the data dir may become writable).
        startError = error
        starting = undefined
        throw error
      },
    )
    return starting
  }

  const health = (): HealthInfo => {
    const status =
      startError !== undefined
        ? { ok: false, reason: `relay failed to start: ${describeError(startError)}` }
        : (mode?.health?.() ?? { ok: true })
    return {
      ok: status.ok,
      ...(status.reason !== undefined ? { reason: status.reason } : {}),
      mode: config.mode,
      loops: loopsStatus,
      queueDepth: mode?.depth() ?? 0,
    }
  }

  const app = createApp({
    config,
    policy: createPolicy(config),
    limiter: createClientRateLimiter({ limit: config.clientRateLimit }),
    addressLimiter: createClientRateLimiter({
      limit: config.clientRateLimit * ADDRESS_LIMIT_FACTOR,
    }),
    metrics,
    logger,
    emptyStatus: config.mode === 'direct' ? 200 : 202,
    health,
    async submit(items) {
      if (stopped) throw new Error('relay is stopped')
      return (await start()).submit(items)
    },
  })

  return {
    config,
    health,
    async fetch(request, info = {}) {
      // Start lazily so a route handler (Next.js, Workers) needs no explicit start().
      start().catch((error: unknown) => {
        logger.log('error', 'relay failed to start', { error: String(error) })
      })
      return app.fetch(request, info)
    },
    async start() {
      await start()
    },
    async stop() {
      stopped = true
      if (starting === undefined) return
      const opened = await starting.catch(() => undefined)
      await opened?.stop()
    },
  }
}
