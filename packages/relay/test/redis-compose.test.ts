// examples/docker-compose cannot be started here (no Docker), so it is checked where it can be:
// the YAML parses, and each relay service's environment, read by the relay's own parser, gives
// the role the README promises, the Redis of the compose file, and the Loops key to the worker
// only. Redis runs with the append-only file and without eviction.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { configFromEnv, resolveConfig } from '../src/config'

const composeFile = fileURLToPath(
  new URL('../../../examples/docker-compose/docker-compose.yml', import.meta.url),
)

interface Service {
  image?: string
  build?: { context: string; dockerfile: string }
  command?: string[]
  environment?: Record<string, string>
  ports?: string[]
}

const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as {
  services: Record<string, Service>
}

/** `${NAME:?message}` / `${NAME:-default}` as compose would fill them from this environment. */
function interpolate(env: Record<string, string>, given: Record<string, string>) {
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [
      key,
      value.replace(
        /\$\{(\w+)(?:(:[?-])([^}]*))?\}/g,
        (_, name: string, op?: string, arg?: string) => {
          const set = given[name]
          if (set !== undefined) return set
          if (op === ':-') return arg ?? ''
          throw new Error(`compose would refuse to start: ${name} is not set`)
        },
      ),
    ]),
  )
}

const given = {
  LOOPS_API_KEY: 'key-from-the-operator',
  RELAY_IDENTITY_SECRET: 'shared-secret-of-32-characters!!',
}
const relayConfig = (name: string) => {
  const env = compose.services[name]?.environment
  if (!env) throw new Error(`service ${name} has no environment`)
  return resolveConfig(configFromEnv(interpolate(env, given)))
}

describe('examples/docker-compose', () => {
  it('has two ingest relays, one worker and one Redis with AOF and no eviction', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['redis', 'relay-1', 'relay-2', 'worker'])
    const redis = compose.services.redis as Service
    expect(redis.command?.join(' ')).toMatch(/--appendonly yes --appendfsync everysec/)
    expect(redis.command?.join(' ')).toMatch(/--maxmemory-policy noeviction/)
    for (const name of ['relay-1', 'relay-2', 'worker']) {
      expect(compose.services[name]?.build?.dockerfile).toBe('examples/docker-compose/Dockerfile')
    }
  })

  it("the relay's own parser reads every relay service as the README says", () => {
    for (const name of ['relay-1', 'relay-2']) {
      expect(relayConfig(name)).toMatchObject({
        mode: 'redis',
        role: 'ingest',
        redisUrl: 'redis://redis:6379',
        identitySecret: 'shared-secret-of-32-characters!!',
        allowedOrigins: ['https://app.example.com'],
      })
      expect(relayConfig(name).loopsApiKey).toBeUndefined() // the key stays with the worker
    }
    expect(relayConfig('worker')).toMatchObject({
      mode: 'redis',
      role: 'worker',
      redisUrl: 'redis://redis:6379',
      loopsApiKey: 'key-from-the-operator',
      loopsRateLimit: 10,
    })
    // The worker is not published on the host; the two relays are, on different ports.
    expect(compose.services.worker?.ports).toBeUndefined()
    expect(compose.services['relay-1']?.ports).toEqual(['8787:8787'])
    expect(compose.services['relay-2']?.ports).toEqual(['8788:8787'])
  })
})
