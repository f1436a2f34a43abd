// createRelay: config → one web-standard `fetch` handler plus start/stop. It wires the hono app
// (app.ts) to a delivery mode (direct, the SQLite queue or the Redis queue), the pacer, the Loops
// client, metrics and logs, and runs the start-up key check that /health reports.
//
// Creating a relay never throws for missing or invalid configuration: frameworks evaluate route
// modules at build time, where secrets are absent. Such a relay answers every request 500 with
// what is missing (and logs it once); the CLI checks `configError` and exits instead.

import { createApp, type HealthInfo, type RequestInfo } from './app'
import { openCatalog } from './catalog/open'
import type { ClientIpResolver } from './client-address'
import {
  ConfigError,
  configFromEnv,
  DEFAULT_CONFIG,
  isLoopbackUrl,
  missingSettings,
  type RelayConfig,
  type RelayConfigInput,
  resolveConfig,
} from './config'
import { createDirectMode } from './delivery/direct'
import type { DeliveryMode, DeliveryModeOptions, DeliveryOutcome } from './delivery/types'
import { createLogger, describeError, type LogSink, type RelayLogger } from './log'
import { createLoopsClient } from './loops-client'
import { createMetrics } from './metrics'
import { createPacer, type Pacer } from './pacer'
import { createPolicy } from './policy'

export interface RelayOptions extends RelayConfigInput {
  /**
   * The client address of a request, for the per-client rate limit, where the server passes
   * none (a framework route handler): e.g. `(request) => request.headers.get('x-vercel-forwarded-for')`
   * on a platform that sets that header itself. Without it (and without `trustProxy`) a mount
   * has no per-client limit, and says so in a warning at the first batch.
   */
  clientIp?: ClientIpResolver
  /** Where log lines go (default: JSON lines on stdout/stderr). */
  logSink?: LogSink
  /** fetch used for Loops calls (default: the global one). */
  fetch?: typeof fetch
  /**
   * Where options that are not given come from: LOOPS_API_KEY, LOOPS_API_URL, RELAY_*,
   * REDIS_URL. Default: `process.env` where the runtime has one; `{}` reads nothing.
   */
  env?: Record<string, string | undefined>
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
  /**
   * Why this relay cannot serve — a missing or invalid setting, named, never its value — or
   * `undefined`. While set, every request gets `500 {"error"}` and `start()` rejects with it.
   */
  readonly configError: ConfigError | undefined
}

// The emulator accepts any key when started without one; Loops itself never sees this value.
const LOOPBACK_PLACEHOLDER_KEY = 'loops-relay-emulator'

// Settings only the CLI uses; a mounted relay does not take them from the environment.
const CLI_ONLY = new Set(['port', 'host'])

export function createRelay(options: RelayOptions = {}): Relay {
  const { logSink, fetch: customFetch, env, clientIp, ...explicit } = options
  const source = env ?? runtimeEnv()
  // Every value that could be a secret, valid or not, so no log line can carry it.
  const logger = createLogger({
    ...(logSink ? { sink: logSink } : {}),
    keys: [explicit.loopsApiKey, source.LOOPS_API_KEY?.trim()],
    secrets: [explicit.identitySecret, source.RELAY_IDENTITY_SECRET?.trim()],
  })
  let config: RelayConfig
  let configError: ConfigError | undefined
  try {
    const fromEnv = Object.entries(configFromEnv(source)).filter(([key]) => !CLI_ONLY.has(key))
    config = resolveConfig({ ...Object.fromEntries(fromEnv), ...definedOnly(explicit) })
    configError = missingSettings(config)
  } catch (error) {
    // Only ConfigError is expected; anything else is reported without its text (it could hold
    // an option's value).
    configError =
      error instanceof ConfigError ? error : new ConfigError('options', 'could not be read')
    config = { ...DEFAULT_CONFIG, mode: 'direct' }
  }
  if (configError) return unconfiguredRelay(config, configError, logger)
  let loopsStatus: HealthInfo['loops'] = 'unknown'
  let mode: DeliveryMode | undefined
  const pacer = createPacer({ ratePerSecond: config.loopsRateLimit })
  const loopsAccess = {
    apiKey: config.loopsApiKey ?? LOOPBACK_PLACEHOLDER_KEY,
    baseUrl: config.loopsApiUrl,
    ...(customFetch ? { fetch: customFetch } : {}),
  }
  // Properties and lists Loops has: unknown ones are reported or created, unknown lists dropped.
  // The catalog's calls count against the same budget as deliveries: in redis mode that is the
  // bucket shared by every process, known once the mode is open.
  const budget = (): Pacer => mode?.pacer ?? pacer
  const sharedPacer: Pacer = {
    acquire: (signal) => budget().acquire(signal),
    tryAcquire: (maxWaitMs) => budget().tryAcquire(maxWaitMs),
    release: () => budget().release(),
    observe: (feedback) => budget().observe(feedback),
    stats: () => budget().stats(),
  }
  const catalog = openCatalog({ config, access: loopsAccess, pacer: sharedPacer, logger })
  const metrics = createMetrics({
    queueDepth: () => mode?.depth() ?? 0,
    loopsAuthorized: () => (loopsStatus === 'unknown' ? undefined : loopsStatus === 'ok'),
    extra: catalog.renderMetrics,
  })
  const loops = catalog.wrap(createLoopsClient(loopsAccess))
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

  // better-sqlite3 is loaded only in queue mode, so direct mode runs where native modules cannot;
  // bullmq and ioredis only in redis mode.
  async function openMode(): Promise<DeliveryMode> {
    if (config.mode === 'direct') return createDirectMode(modeOptions)
    if (config.mode === 'redis') {
      const { createRedisMode } = await import('./delivery/redis-mode')
      return createRedisMode({
        ...modeOptions,
        redisUrl: config.redisUrl ?? 'redis://127.0.0.1:6379',
        role: config.role,
        loopsRateLimit: config.loopsRateLimit,
        lockMs: config.redisLockMs,
        onHealth: (problem) => {
          if (problem !== undefined) metrics.workerStall()
        },
      })
    }
    const { createSqliteQueueMode } = await import('./delivery/sqlite-queue')
    return createSqliteQueueMode({
      ...modeOptions,
      dataDir: config.dataDir,
      maxDepth: config.maxQueue,
    })
  }

  async function checkKey(budget: Pacer): Promise<void> {
    if (!(await budget.acquire())) return
    const result = await loops.testApiKey()
    budget.observe(result)
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
    if (starting === undefined) warnIfUnverified(config, logger)
    starting ??= openMode().then(
      (opened) => {
        startError = undefined
        mode = opened
        opened.start()
        // Not awaited: a slow or unreachable Loops must not hold up serving. An ingest-only
        // process never calls Loops, not even for this, and keeps no catalog either.
        if (config.role !== 'ingest') {
          checkKey(opened.pacer ?? pacer).catch((error: unknown) => {
            logger.log('error', 'loops api key check failed', { error: String(error) })
          })
          void catalog.start()
        }
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
      ...(config.mode === 'redis' ? { role: config.role } : {}),
      loops: loopsStatus,
      queueDepth: mode?.depth() ?? 0,
    }
  }

  const app = createApp({
    config,
    policy: createPolicy(config, {
      ...(config.debug ? { debug: (msg, fields) => logger.log('debug', msg, fields) } : {}),
    }),
    clientIp,
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
    configError: undefined,
    health,
    async fetch(request, info = {}) {
      // Start lazily so a route handler (Next.js, Workers) needs no explicit start().
      start().catch((error: unknown) => {
        logger.log('error', 'relay failed to start', { error: String(error) })
      })
      if (config.role === 'worker' && !servedByWorker(request, config.basePath)) {
        metrics.request(404)
        return Response.json({ error: 'Not found' }, { status: 404 })
      }
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
      await catalog.stop()
    },
  }
}

/** Says at start, loudly, when anyone who can reach the relay may write any contact. */
function warnIfUnverified(config: RelayConfig, logger: RelayLogger): void {
  if (config.identitySecret !== undefined) return
  const against = isLoopbackUrl(config.loopsApiUrl)
    ? 'a loopback Loops URL (the emulator)'
    : 'the real Loops API, because RELAY_ALLOW_UNVERIFIED=true'
  logger.log(
    'warn',
    `identity verification is OFF against ${against}: anyone who can reach this relay can ` +
      'create, change and unsubscribe any contact and send events to any address. Set ' +
      'RELAY_IDENTITY_SECRET and sign each user on your server with signIdentity.',
    { identityVerification: false },
  )
}

/** A relay that cannot serve: every request gets 500 naming what is missing; logged once. */
function unconfiguredRelay(config: RelayConfig, problem: ConfigError, logger: RelayLogger): Relay {
  let logged = false
  const body = JSON.stringify({ error: `Relay is not configured. ${problem.message}` })
  return {
    config,
    configError: problem,
    health: () => ({ ok: false, mode: config.mode, loops: 'unknown', queueDepth: 0 }),
    async fetch() {
      if (!logged) {
        logged = true
        logger.log('error', 'relay is not configured; answering 500 to every request', {
          setting: problem.setting,
          problem: problem.message,
        })
      }
      return new Response(body, {
        status: 500,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        },
      })
    },
    start: () => Promise.reject(problem),
    stop: async () => {},
  }
}

/** The runtime's environment, if it has one and lets us read it (Deno may not; Workers have none). */
function runtimeEnv(): Record<string, string | undefined> {
  try {
    const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    const env = proc?.env
    if (env === undefined) return {}
    const out: Record<string, string | undefined> = {}
    for (const key of Object.keys(env)) {
      if (/^(LOOPS_API_KEY|LOOPS_API_URL|REDIS_URL|RELAY_\w+)$/.test(key)) out[key] = env[key]
    }
    return out
  } catch {
    return {}
  }
}

function definedOnly<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** A `worker` process drains the queue; of the HTTP routes it serves only /health and /metrics. */
function servedByWorker(request: Request, basePath: string): boolean {
  const path = new URL(request.url).pathname
  return path === `${basePath}/health` || path === `${basePath}/metrics`
}
