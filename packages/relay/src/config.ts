// Relay configuration: one typed object with defaults, built from explicit options, from the
// environment (the names the relay README lists) or from CLI flags (see flags.ts). Pure: no
// Node imports, so it loads in Workers, Deno and Bun too.

export type RelayMode = 'direct' | 'queue' | 'redis'

/** `redis` mode only: `ingest` accepts batches and never calls Loops; `worker` only drains. */
export type RelayRole = 'both' | 'ingest' | 'worker'

export interface RelayConfig {
  /** Loops API key. Absent only when `loopsApiUrl` is a loopback address (the emulator). */
  loopsApiKey?: string
  loopsApiUrl: string
  port: number
  /** Interface the CLI listens on; `undefined` = every interface. */
  host?: string
  /** Exact origins (`https://app.example.com`), `https://*.example.com` wildcards, or `*`. */
  allowedOrigins: string[]
  mode: RelayMode
  dataDir: string
  /** Shared with the app backend; when set every message needs a valid `userHash`. */
  identitySecret?: string
  redisUrl?: string
  /** Loops requests per second (Loops allows 10 per team). */
  loopsRateLimit: number
  /** Messages per minute per client (IP + anonymous id); 0 turns the limit off. */
  clientRateLimit: number
  maxBodyBytes: number
  maxBatch: number
  /** `undefined` = every event name allowed. */
  eventAllowlist?: string[]
  propertyAllowlist?: string[]
  propertyDenylist: string[]
  mailingListAllowlist?: string[]
  /** Forward `subscribed: true` (re-subscribes people who unsubscribed). Off by default. */
  allowResubscribe: boolean
  /** Serve `GET /metrics` (Prometheus text). */
  metrics: boolean
  /**
   * Log a `debug` line for every value the validator drops or cuts to Loops' rules (the key name
   * and the reason, never the value): the browser sends traits as the app passed them, so this
   * is where an app developer sees why a property did not reach Loops.
   */
  debug: boolean
  /** Take the client IP from X-Forwarded-For / X-Real-IP even when the socket address is known. */
  trustProxy: boolean
  /** Path prefix the relay is mounted under, e.g. `/loops` for a Next.js `app/loops/[...path]`. */
  basePath: string
  /** What this process does in `redis` mode (other modes: `both` only). */
  role: RelayRole
  /**
   * `redis` mode: how long a job stays with a worker that stopped answering before another
   * worker takes it over (BullMQ's job lock). Must exceed the Loops client timeout.
   */
  redisLockMs: number
}

export const DEFAULT_CONFIG: Readonly<RelayConfig> = Object.freeze({
  loopsApiUrl: 'https://app.loops.so/api',
  port: 8787,
  allowedOrigins: [],
  mode: 'direct',
  dataDir: './.loops-relay',
  loopsRateLimit: 10,
  clientRateLimit: 600,
  maxBodyBytes: 512 * 1024,
  maxBatch: 100,
  propertyDenylist: [],
  allowResubscribe: false,
  metrics: false,
  debug: false,
  trustProxy: false,
  basePath: '',
  redisUrl: 'redis://127.0.0.1:6379',
  role: 'both',
  redisLockMs: 30_000,
})

/** A setting that cannot be used; `setting` names the env var / option, never its secret value. */
export class ConfigError extends Error {
  override name = 'ConfigError'
  readonly setting: string
  constructor(setting: string, message: string) {
    super(`${setting}: ${message}`)
    this.setting = setting
  }
}

const MODES: readonly RelayMode[] = ['direct', 'queue', 'redis']
const ROLES: readonly RelayRole[] = ['both', 'ingest', 'worker']

/** Fills defaults and checks every value. Throws `ConfigError`. */
export function resolveConfig(input: Partial<RelayConfig> = {}): RelayConfig {
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined))
  const config: RelayConfig = { ...DEFAULT_CONFIG, ...defined }
  if (!MODES.includes(config.mode)) {
    throw new ConfigError('mode', `must be one of ${MODES.join(', ')}`)
  }
  checkInt('port', config.port, 0, 65535)
  checkInt('loopsRateLimit', config.loopsRateLimit, 1, 10_000)
  checkInt('clientRateLimit', config.clientRateLimit, 0, 10_000_000)
  checkInt('maxBodyBytes', config.maxBodyBytes, 1024, 64 * 1024 * 1024)
  checkInt('maxBatch', config.maxBatch, 1, 10_000)
  try {
    new URL(config.loopsApiUrl)
  } catch {
    throw new ConfigError('loopsApiUrl', 'must be an absolute URL')
  }
  config.basePath = normalizeBasePath(config.basePath)
  if (!ROLES.includes(config.role)) {
    throw new ConfigError('role', `must be one of ${ROLES.join(', ')}`)
  }
  if (config.role !== 'both' && config.mode !== 'redis') {
    throw new ConfigError('role', `"${config.role}" needs RELAY_MODE=redis (a shared queue)`)
  }
  checkInt('redisLockMs', config.redisLockMs, 1_000, 3_600_000)
  if (config.loopsApiKey === '') config.loopsApiKey = undefined
  if (config.identitySecret === '') config.identitySecret = undefined
  return config
}

function checkInt(setting: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(setting, `must be an integer from ${min} to ${max}`)
  }
}

function normalizeBasePath(path: string): string {
  const trimmed = path.trim().replace(/\/+$/, '')
  if (trimmed === '') return ''
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`
}

type Env = Record<string, string | undefined>

/** Reads the environment variables the relay README lists. Unset or empty ones are left out. */
export function configFromEnv(env: Env): Partial<RelayConfig> {
  const str = (name: string) => {
    const value = env[name]?.trim()
    return value === undefined || value === '' ? undefined : value
  }
  const mode = str('RELAY_MODE')
  return {
    loopsApiKey: str('LOOPS_API_KEY'),
    loopsApiUrl: str('LOOPS_API_URL'),
    port: parseIntSetting('PORT', str('PORT')),
    host: str('HOST'),
    allowedOrigins: parseList(str('RELAY_ALLOWED_ORIGINS')),
    mode: mode === undefined ? undefined : parseMode('RELAY_MODE', mode),
    dataDir: str('RELAY_DATA_DIR'),
    identitySecret: str('RELAY_IDENTITY_SECRET'),
    redisUrl: str('REDIS_URL'),
    loopsRateLimit: parseIntSetting('RELAY_LOOPS_RATE_LIMIT', str('RELAY_LOOPS_RATE_LIMIT')),
    clientRateLimit: parseIntSetting('RELAY_CLIENT_RATE_LIMIT', str('RELAY_CLIENT_RATE_LIMIT')),
    maxBodyBytes: parseIntSetting('RELAY_MAX_BODY_BYTES', str('RELAY_MAX_BODY_BYTES')),
    maxBatch: parseIntSetting('RELAY_MAX_BATCH', str('RELAY_MAX_BATCH')),
    eventAllowlist: parseList(str('RELAY_EVENT_ALLOWLIST')),
    propertyAllowlist: parseList(str('RELAY_PROPERTY_ALLOWLIST')),
    propertyDenylist: parseList(str('RELAY_PROPERTY_DENYLIST')),
    mailingListAllowlist: parseList(str('RELAY_MAILING_LIST_ALLOWLIST')),
    allowResubscribe: parseBool('RELAY_ALLOW_RESUBSCRIBE', str('RELAY_ALLOW_RESUBSCRIBE')),
    metrics: parseBool('RELAY_METRICS', str('RELAY_METRICS')),
    debug: parseBool('RELAY_DEBUG', str('RELAY_DEBUG')),
    trustProxy: parseBool('RELAY_TRUST_PROXY', str('RELAY_TRUST_PROXY')),
    basePath: str('RELAY_BASE_PATH'),
    role: parseRole(str('RELAY_ROLE')),
    redisLockMs: parseIntSetting('RELAY_REDIS_LOCK_MS', str('RELAY_REDIS_LOCK_MS')),
  }
}

export function parseList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

export function parseIntSetting(setting: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new ConfigError(setting, 'must be a non-negative integer')
  return Number(value)
}

export function parseBool(setting: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined
  const lower = value.toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true
  if (['0', 'false', 'no', 'off'].includes(lower)) return false
  throw new ConfigError(setting, 'must be true or false')
}

export function parseMode(setting: string, value: string): RelayMode {
  if ((MODES as readonly string[]).includes(value)) return value as RelayMode
  throw new ConfigError(setting, `must be one of ${MODES.join(', ')}`)
}

function parseRole(value: string | undefined): RelayRole | undefined {
  if (value === undefined) return undefined
  if ((ROLES as readonly string[]).includes(value)) return value as RelayRole
  throw new ConfigError('RELAY_ROLE', `must be one of ${ROLES.join(', ')}`)
}

/** True for http(s) URLs on 127.0.0.0/8, ::1 or localhost: the emulator needs no real key. */
export function isLoopbackUrl(url: string): boolean {
  let host: string
  try {
    host = new URL(url).hostname.toLowerCase()
  } catch {
    return false
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(host)
  )
}
