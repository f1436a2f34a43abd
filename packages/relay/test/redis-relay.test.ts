// createRelay in redis mode, over its HTTP surface: roles, /health while Redis is away and after
// it returns, the stall counter in /metrics, and the settings that only make sense with Redis.
import { describe, expect, it } from 'vitest'
import { ConfigError, configFromEnv } from '../src/config'
import { parseFlags } from '../src/flags'
import { createRelay, type RelayOptions } from '../src/relay'
import { emulator, event, onCleanup, type TestEmulator, waitFor } from './delivery-helpers'
import { buildRelayIfStale, startRelayProcess } from './helpers/built-cli'
import { type RedisServer, startRedisServer } from './helpers/redis-server'

async function redisServer(): Promise<RedisServer> {
  const server = await startRedisServer()
  onCleanup(() => server.close())
  return server
}

function relay(emu: TestEmulator, redis: RedisServer, options: RelayOptions = {}) {
  const created = createRelay({
    loopsApiUrl: emu.apiUrl,
    mode: 'redis',
    redisUrl: redis.url,
    metrics: true,
    logSink: () => undefined,
    ...options,
  })
  onCleanup(() => created.stop())
  return created
}

const get = async (r: ReturnType<typeof createRelay>, path: string) =>
  r.fetch(new Request(`http://relay.test${path}`))

const health = async (r: ReturnType<typeof createRelay>) =>
  (await (await get(r, '/health')).json()) as { ok: boolean; reason?: string; role?: string }

const postBatch = (r: ReturnType<typeof createRelay>, messageId: string) =>
  r.fetch(
    new Request('http://relay.test/v1/batch', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ batch: [event(messageId, 'ada@example.com')] }),
    }),
  )

describe('createRelay in redis mode', () => {
  it('health says ok: false with the reason while Redis is down, ok: true after; stalls are counted', async () => {
    const [emu, redis] = await Promise.all([emulator(), redisServer()])
    const r = relay(emu, redis)
    await r.start()
    await waitFor(async () => (await health(r)).ok, 10_000, 'redis reachable')
    expect(await health(r)).toMatchObject({ ok: true, mode: 'redis', role: 'both' })
    expect((await postBatch(r, 'e-1')).status).toBe(202)

    await redis.kill()
    await waitFor(async () => !(await health(r)).ok, 5_000, 'health reports the outage')
    expect((await health(r)).reason).toMatch(/^redis unreachable/)
    const refused = await postBatch(r, 'e-2')
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('5')

    await redis.restart()
    await waitFor(async () => (await health(r)).ok, 10_000, 'health ok again')
    expect((await postBatch(r, 'e-2')).status).toBe(202)
    await waitFor(async () => (await emu.events()).length === 2, 15_000, 'both delivered')
    const metrics = await (await get(r, '/metrics')).text()
    expect(metrics).toMatch(/^loops_relay_worker_stalls_total 1$/m) // one outage, one stall
  })

  it('a worker serves only /health and /metrics; an ingest process never calls Loops', async () => {
    const [emu, redis] = await Promise.all([emulator(), redisServer()])
    const ingest = relay(emu, redis, { role: 'ingest' })
    await ingest.start()
    await waitFor(async () => (await health(ingest)).ok, 10_000, 'ingest sees redis')
    expect((await postBatch(ingest, 'e-1')).status).toBe(202)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(await emu.requests()).toEqual([]) // not even the key check

    const worker = relay(emu, redis, { role: 'worker' })
    await worker.start()
    expect((await postBatch(worker, 'e-2')).status).toBe(404)
    expect(await health(worker)).toMatchObject({ role: 'worker', mode: 'redis' })
    expect((await get(worker, '/metrics')).status).toBe(200)
    await waitFor(async () => (await emu.events()).length === 1, 10_000, 'worker drains')
    expect((await emu.events())[0]?.idempotencyKey).toBe('e-1')
  })

  it('RELAY_ROLE and --role: ingest and worker need redis mode; the CLI flag implies it', async () => {
    expect(configFromEnv({ RELAY_ROLE: 'worker', RELAY_MODE: 'redis' })).toMatchObject({
      role: 'worker',
      mode: 'redis',
    })
    expect(() => configFromEnv({ RELAY_ROLE: 'boss' })).toThrow(ConfigError)
    // createRelay never throws for configuration: the problem is its configError (500 on fetch).
    expect(createRelay({ mode: 'queue', role: 'ingest', env: {} }).configError?.message).toMatch(
      /needs RELAY_MODE=redis/,
    )
    expect(parseFlags(['--role', 'worker']).env).toEqual({ RELAY_ROLE: 'worker' })
    // An ingest-only process never calls Loops: it needs no key, even for the real Loops URL
    // (only constructed here, never started, so nothing connects anywhere).
    const ingest = createRelay({
      mode: 'redis',
      role: 'ingest',
      loopsApiUrl: 'https://app.loops.so/api',
      allowUnverified: true,
      env: {},
    })
    expect(ingest.configError).toBeUndefined()
    expect(ingest.config.role).toBe('ingest')
    expect(
      createRelay({
        mode: 'redis',
        loopsApiUrl: 'https://app.loops.so/api',
        allowUnverified: true,
        env: {},
      }).configError?.message,
    ).toMatch(/LOOPS_API_KEY: not set/)
    const defaults = createRelay({ mode: 'redis', loopsApiUrl: 'http://127.0.0.1:9/api', env: {} })
    expect(defaults.config).toMatchObject({ redisUrl: 'redis://127.0.0.1:6379', role: 'both' })

    buildRelayIfStale()
    const redis = await redisServer()
    const cli = await startRelayProcess(
      { PORT: '0', REDIS_URL: redis.url, LOOPS_API_URL: 'http://127.0.0.1:9/api' },
      ['--role', 'worker'],
    )
    expect(cli.output()).toMatch(/"msg":"listening".*"mode":"redis","role":"worker"/)
  }, 200_000)
})
