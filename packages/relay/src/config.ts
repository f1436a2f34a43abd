// Relay configuration: one typed object with defaults, built from explicit options, from the
// environment (LOOPS_API_KEY, LOOPS_API_URL, RELAY_*) or from CLI flags (see flags.ts). Pure: no
// Node imports, so it loads in Workers, Deno and Bun too. Error texts name the setting, never a
// value: a value may be a secret.

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
  /**
   * Shared with the app's server, which signs each user's identity (`signIdentity`); when set,
   * every message needs a valid `userHash`. Required against a real (non-loopback) Loops URL
   * unless `allowUnverified` is set.
   */
  identitySecret?: string
  /**
   * Run without identity verification against a real Loops URL: anyone who can reach the relay
   * may then write any contact. Only on purpose (RELAY_ALLOW_UNVERIFIED=true).
   */
  allowUnverified: boolean
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
  /** Lists a browser may change; `['*']` = every list. Unset = none: lists are dropped. */
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
  /**
   * Proxies in front of the relay (hops): the client is the `trustProxy`-th address from the
   * right of X-Forwarded-For, the one the outermost of your own proxies appended. 0 = no proxy:
   * the socket address (forwarding headers are ignored).
   */
  trustProxy: number
  /** Queue mode: above this many queued messages a batch gets 503 "Relay queue is full". */
  maxQueue: number
  /** Path prefix the relay is mounted under, e.g. `/loops` for a Next.js `app/loops/[...path]`. */
  basePath: string
  /**
   * Create a contact property Loops lacks (typed from the value that introduced it) before the
   * message carrying it goes out. Off by default: without it the property is reported instead.
   */
  createProperties: boolean
  /** Most properties created per hour: a page could invent names. */
  createPropertiesPerHour: number
  /** Age (s) after which a use refreshes the property and list catalog; 0 turns the catalog off. */
  catalogRefreshSeconds: number
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
  allowUnverified: false,
  dataDir: './.loops-relay',
  loopsRateLimit: 10,
  clientRateLimit: 600,
  maxBodyBytes: 512 * 1024,
  maxBatch: 100,
  propertyDenylist: [],
  allowResubscribe: false,
  metrics: false,
  debug: false,
  trustProxy: 0,
  maxQueue: 100_000,
  basePath: '',
  createProperties: false,
  createPropertiesPerHour: 20,
  catalogRefreshSeconds: 600,
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

/** What resolveConfig takes: any setting may be left out; `trustProxy: true` still means 1 hop. */
export type RelayConfigInput = Partial<Omit<RelayConfig, 'trustProxy'>> & {
  trustProxy?: number | boolean
}

/** Fills defaults and checks every value. Throws `ConfigError`. */
export function resolveConfig(input: RelayConfigInput = {}): RelayConfig {
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined))
  const config: RelayConfig = { ...DEFAULT_CONFIG, ...defined } as RelayConfig
  const trust: unknown = config.trustProxy
  if (typeof trust === 'boolean') config.trustProxy = trust ? 1 : 0
  if (!MODES.includes(config.mode)) {
    throw new ConfigError('mode', `must be one of ${MODES.join(', ')}`)
  }
  checkInt('port', config.port, 0, 65535)
  checkInt('loopsRateLimit', config.loopsRateLimit, 1, 10_000)
  checkInt('clientRateLimit', config.clientRateLimit, 0, 10_000_000)
  checkInt('maxBodyBytes', config.maxBodyBytes, 1024, 64 * 1024 * 1024)
  checkInt('maxBatch', config.maxBatch, 1, 10_000)
  checkInt('trustProxy', config.trustProxy, 0, 32)
  checkInt('maxQueue', config.maxQueue, 1, 100_000_000)
  checkInt('createPropertiesPerHour', config.createPropertiesPerHour, 0, 10_000)
  checkInt('catalogRefreshSeconds', config.catalogRefreshSeconds, 0, 86_400)
  if (config.catalogRefreshSeconds > 0 && config.catalogRefreshSeconds < 60) {
    throw new ConfigError('catalogRefreshSeconds', 'must be 0 (off) or at least 60')
  }
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
  if (config.loopsApiKey !== undefined) checkApiKey(config.loopsApiKey)
  if (config.identitySecret !== undefined) checkIdentitySecret(config.identitySecret)
  return config
}

/**
 * Loops does not document a key format; its keys are short tokens of visible ASCII. A key with
 * whitespace or control characters (a pasted newline) would break the Authorization header and
 * end up in error texts, so it is refused here, before any use — by a message without the key.
 */
function checkApiKey(key: unknown): void {
  if (typeof key !== 'string' || key.length < 8 || key.length > 256) {
    throw new ConfigError('LOOPS_API_KEY', 'is not a Loops API key: it must be 8 to 256 characters')
  }
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new ConfigError(
      'LOOPS_API_KEY',
      'is not a Loops API key: it contains whitespace, control or non-ASCII characters ' +
        '(copy it again from Settings → API in Loops)',
    )
  }
}

function checkIdentitySecret(secret: unknown): void {
  if (typeof secret !== 'string' || secret.length < 16) {
    throw new ConfigError(
      'RELAY_IDENTITY_SECRET',
      'is too short: use at least 16 random characters, e.g. `openssl rand -hex 32`',
    )
  }
}

/**
 * What a valid config still lacks before the relay may serve, as one ConfigError naming every
 * missing setting; `undefined` when nothing is missing. Against a loopback Loops URL (the
 * emulator) neither a key nor a secret is needed.
 */
export function missingSettings(config: RelayConfig): ConfigError | undefined {
  if (isLoopbackUrl(config.loopsApiUrl)) return undefined
  const problems: Array<[string, string]> = []
  // An ingest-only process never calls Loops; a worker only drains what ingest verified.
  if (config.loopsApiKey === undefined && config.role !== 'ingest') {
    problems.push([
      'LOOPS_API_KEY',
      `not set. The relay needs your Loops API key to call ${describeUrl(config.loopsApiUrl)}; ` +
        'without one it only starts when LOOPS_API_URL points at a loopback address (the local ' +
        'emulator), or as an ingest-only process (RELAY_ROLE=ingest), which never calls Loops.',
    ])
  }
  if (config.identitySecret === undefined && !config.allowUnverified && config.role !== 'worker') {
    problems.push([
      'RELAY_IDENTITY_SECRET',
      'not set. Against the real Loops API the relay verifies who each message is about: set ' +
        'RELAY_IDENTITY_SECRET (your app server signs each user with signIdentity), or set ' +
        'RELAY_ALLOW_UNVERIFIED=true to let anyone who can reach the relay write any contact.',
    ])
  }
  const [first] = problems
  if (first === undefined) return undefined
  const error = new ConfigError(first[0], first[1])
  if (problems.length > 1) {
    error.message = problems.map(([setting, text]) => `${setting}: ${text}`).join('\n')
  }
  return error
}

/** Scheme, host and path only: a URL with credentials in it must not be printed whole. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`
  } catch {
    return 'LOOPS_API_URL'
  }
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

/** Reads the relay's environment variables. Unset or empty variables are left out. */
export function configFromEnv(env: Env): RelayConfigInput {
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
    allowUnverified: parseBool('RELAY_ALLOW_UNVERIFIED', str('RELAY_ALLOW_UNVERIFIED')),
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
    trustProxy: parseHops('RELAY_TRUST_PROXY', str('RELAY_TRUST_PROXY')),
    maxQueue: parseIntSetting('RELAY_MAX_QUEUE', str('RELAY_MAX_QUEUE')),
    basePath: str('RELAY_BASE_PATH'),
    createProperties: parseBool('RELAY_CREATE_PROPERTIES', str('RELAY_CREATE_PROPERTIES')),
    createPropertiesPerHour: parseIntSetting(
      'RELAY_CREATE_PROPERTIES_PER_HOUR',
      str('RELAY_CREATE_PROPERTIES_PER_HOUR'),
    ),
    catalogRefreshSeconds: parseIntSetting(
      'RELAY_CATALOG_REFRESH_SECONDS',
      str('RELAY_CATALOG_REFRESH_SECONDS'),
    ),
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

/** Proxy hops: an integer, or true / false (1 / 0) as older set-ups wrote it. */
export function parseHops(setting: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (/^\d+$/.test(value)) return Number(value)
  try {
    return parseBool(setting, value) ? 1 : 0
  } catch {
    throw new ConfigError(setting, 'must be a number of proxy hops (0, 1, 2 …) or true / false')
  }
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
