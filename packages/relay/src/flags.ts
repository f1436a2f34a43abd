// CLI flags mirror the environment: each flag names one variable, and a flag wins over
// the variable. Secrets (LOOPS_API_KEY, RELAY_IDENTITY_SECRET) have no flag on purpose: a command
// line is visible to every user of the machine (`ps`), the environment is not.

import { ConfigError } from './config'

/** flag → environment variable; `true` marks a boolean flag that needs no value. */
export const FLAGS: Record<string, [env: string, boolean?]> = {
  '--api-url': ['LOOPS_API_URL'],
  '--port': ['PORT'],
  '--host': ['HOST'],
  '--allowed-origins': ['RELAY_ALLOWED_ORIGINS'],
  '--mode': ['RELAY_MODE'],
  '--data-dir': ['RELAY_DATA_DIR'],
  '--redis-url': ['REDIS_URL'],
  '--loops-rate-limit': ['RELAY_LOOPS_RATE_LIMIT'],
  '--client-rate-limit': ['RELAY_CLIENT_RATE_LIMIT'],
  '--max-body-bytes': ['RELAY_MAX_BODY_BYTES'],
  '--max-batch': ['RELAY_MAX_BATCH'],
  '--event-allowlist': ['RELAY_EVENT_ALLOWLIST'],
  '--property-allowlist': ['RELAY_PROPERTY_ALLOWLIST'],
  '--property-denylist': ['RELAY_PROPERTY_DENYLIST'],
  '--mailing-list-allowlist': ['RELAY_MAILING_LIST_ALLOWLIST'],
  '--allow-resubscribe': ['RELAY_ALLOW_RESUBSCRIBE', true],
  '--allow-unverified': ['RELAY_ALLOW_UNVERIFIED', true],
  '--metrics': ['RELAY_METRICS', true],
  '--debug': ['RELAY_DEBUG', true],
  '--trust-proxy': ['RELAY_TRUST_PROXY', true],
  '--max-queue': ['RELAY_MAX_QUEUE'],
  '--base-path': ['RELAY_BASE_PATH'],
  '--create-properties': ['RELAY_CREATE_PROPERTIES', true],
  '--create-properties-per-hour': ['RELAY_CREATE_PROPERTIES_PER_HOUR'],
  '--catalog-refresh-seconds': ['RELAY_CATALOG_REFRESH_SECONDS'],
  '--role': ['RELAY_ROLE'],
  '--redis-lock-ms': ['RELAY_REDIS_LOCK_MS'],
}

export interface ParsedFlags {
  /** The variables the flags set, to lay over `process.env`. */
  env: Record<string, string>
  help: boolean
}

/** `--port 8787`, `--port=8787`, `--metrics` (= true), `--metrics=false`. Throws `ConfigError`. */
export function parseFlags(argv: readonly string[]): ParsedFlags {
  const env: Record<string, string> = {}
  let help = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--help' || arg === '-h') {
      help = true
      continue
    }
    const eq = arg.indexOf('=')
    const name = eq > 0 ? arg.slice(0, eq) : arg
    const spec = FLAGS[name]
    if (spec === undefined) throw new ConfigError(name, 'unknown flag (see --help)')
    const [variable, boolean] = spec
    if (eq > 0) env[variable] = arg.slice(eq + 1)
    else if (boolean) env[variable] = 'true'
    else {
      const value = argv[++i]
      if (value === undefined || value.startsWith('--')) {
        throw new ConfigError(name, 'needs a value')
      }
      env[variable] = value
    }
  }
  return { env, help }
}

export const USAGE = `loops-relay: forwards loops-cdp browser batches to the Loops API

Usage: loops-relay [flags]
       loops-relay doctor [flags] [--json]   check the set-up against Loops and exit

Secrets come from the environment only: LOOPS_API_KEY, RELAY_IDENTITY_SECRET.
Every flag mirrors an environment variable and wins over it:
${Object.entries(FLAGS)
  .map(([flag, [env, boolean]]) => `  ${`${flag}${boolean ? '' : ' <value>'}`.padEnd(34)}${env}`)
  .join('\n')}
  --help                            this text

Defaults: PORT 8787, RELAY_MODE queue, LOOPS_API_URL https://app.loops.so/api,
RELAY_MAX_QUEUE 100000 (queued messages; past it a batch gets 503 "Relay queue is full").

RELAY_ALLOWED_ORIGINS: an Origin is allowed only when listed with its scheme, host and port
(https://app.example.com, https://*.example.com, or *). A relay served on the app's own origin
lists that origin too: browsers send Origin on same-origin POSTs.

RELAY_TRUST_PROXY: the number of proxies in front of the relay (--trust-proxy=2; alone = 1).
The client is then the N-th address from the right of X-Forwarded-For; 0 (default) = the
socket address, forwarding headers ignored.

Timeouts: request headers within 15 s, the whole request within 30 s (then 408).

Against a non-loopback LOOPS_API_URL the relay needs LOOPS_API_KEY and RELAY_IDENTITY_SECRET
(or RELAY_ALLOW_UNVERIFIED=true). RELAY_MAILING_LIST_ALLOWLIST unset = no list may be changed.
`
