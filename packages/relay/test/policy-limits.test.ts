// Per-client rate limit, the start-up key check and the modes, over real HTTP against the real
// emulator.
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../src/config'
import { createRelay } from '../src/relay'
import { emulator, event, post, relayFor, served, tempDir, waitFor } from './http-harness'

describe('per-client rate limit', () => {
  it('answers 429 with Retry-After once a client used its messages per minute', async () => {
    const emu = await emulator()
    const { url } = await served(relayFor(emu, { clientRateLimit: 5 }).relay)
    const first = await post(url, { batch: [event('l1'), event('l2'), event('l3')] })
    expect(first.status).toBe(200)
    const second = await post(url, { batch: [event('l4'), event('l5')] })
    expect(second.status).toBe(200)
    // A full budget's worth: refilling that takes a minute, however slow this machine is.
    const third = await post(url, { batch: ['l6', 'l7', 'l8', 'l9', 'l10'].map((id) => event(id)) })
    expect(third.status).toBe(429)
    expect(await third.json()).toEqual({ error: 'Too many messages from this client' })
    const retryAfter = Number(third.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect((await emu.events()).map((e) => e.idempotencyKey)).not.toContain('l6')
  })

  it('gives each anonymous id behind one address its own budget', async () => {
    const emu = await emulator()
    const { url } = await served(relayFor(emu, { clientRateLimit: 2 }).relay)
    const as = (anonymousId: string, id: string) =>
      post(url, { anonymousId, batch: [event(`${id}a`), event(`${id}b`)] })
    expect((await as('anon-1', 'x1')).status).toBe(200)
    expect((await as('anon-1', 'x2')).status).toBe(429)
    expect((await as('anon-2', 'x3')).status).toBe(200)
  })

  it('caps one address at 10× the budget, so rotating anonymous ids does not lift the limit', async () => {
    const emu = await emulator()
    const { url } = await served(relayFor(emu, { clientRateLimit: 2, loopsRateLimit: 1000 }).relay)
    const statuses: number[] = []
    for (let i = 0; i < 10; i++) {
      const res = await post(url, {
        anonymousId: `rotating-${i}`,
        batch: [event(`r${i}a`), event(`r${i}b`)],
      })
      statuses.push(res.status)
    }
    expect(statuses).toEqual(Array(10).fill(200))
    // A new anonymous id has its own full client budget, but the address has none left.
    const burst = Array.from({ length: 20 }, (_, k) => event(`burst${k}`))
    const res = await post(url, { anonymousId: 'rotating-new', batch: burst })
    expect(res.status).toBe(429)
  })

  it('is off with clientRateLimit 0', async () => {
    const emu = await emulator()
    const { url } = await served(relayFor(emu, { clientRateLimit: 0 }).relay)
    for (let i = 0; i < 3; i++) {
      expect((await post(url, { batch: [event(`free${i}`)] })).status).toBe(200)
    }
  })
})

describe('start-up key check (GET /v1/api-key)', () => {
  it('shows "ok" in /health when Loops accepts the key', async () => {
    const emu = await emulator({ apiKey: 'sk_right_key' })
    const { relay } = relayFor(emu, { loopsApiKey: 'sk_right_key' })
    const { url } = await served(relay)
    await relay.start()
    await waitFor(async () => {
      const health = (await (await fetch(`${url}/health`)).json()) as { loops: string }
      return health.loops === 'ok'
    }, 'loops: ok')
  })

  it('shows "unauthorized" when Loops rejects the key, and never logs the key', async () => {
    const emu = await emulator({ apiKey: 'sk_right_key' })
    const { relay, logs } = relayFor(emu, { loopsApiKey: 'sk_wrong_key_value' })
    const { url } = await served(relay)
    await relay.start()
    await waitFor(async () => {
      const health = (await (await fetch(`${url}/health`)).json()) as { loops: string }
      return health.loops === 'unauthorized'
    }, 'loops: unauthorized')
    const line = logs.find((l) => l.msg === 'loops api key check')
    expect(line).toMatchObject({ level: 'error', loops: 'unauthorized' })
    expect(JSON.stringify(logs)).not.toContain('sk_wrong_key_value')
    // Messages are not lost for a key problem: Loops' 401 is answered 503 so the client retries.
    const res = await post(url, { batch: [event('k1')] })
    expect(res.status).toBe(503)
    expect(JSON.stringify(await res.json())).not.toContain('sk_wrong_key_value')
  })
})

describe('modes', () => {
  it('queue mode answers 202 once stored and a worker delivers it', async () => {
    const emu = await emulator()
    const { relay } = relayFor(emu, { mode: 'queue', dataDir: tempDir() })
    const { url } = await served(relay)
    const res = await post(url, { batch: [event('q1'), { type: 'event' }] })
    expect(res.status).toBe(202)
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1 }] })
    await waitFor(async () => (await emu.events()).some((e) => e.idempotencyKey === 'q1'), 'q1')
    const health = (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>
    expect(health).toMatchObject({ ok: true, mode: 'queue', queueDepth: 0 })
  })

  it('refuses an ingest or worker role outside redis mode with a ConfigError, never a throw', async () => {
    const emu = await emulator()
    const worker = createRelay({ mode: 'queue', role: 'worker', loopsApiUrl: emu.apiUrl, env: {} })
    expect(worker.configError).toBeInstanceOf(ConfigError)
    const ingest = createRelay({ mode: 'direct', role: 'ingest', loopsApiUrl: emu.apiUrl, env: {} })
    expect(ingest.configError?.message).toMatch(/needs RELAY_MODE=redis/)
    expect((await ingest.fetch(new Request('http://relay.test/health'))).status).toBe(500)
  })

  it('answers 500 without a key against a non-loopback Loops URL; a loopback URL needs none', async () => {
    const relay = createRelay({
      loopsApiUrl: 'https://app.loops.so/api',
      env: {},
      logSink: () => {},
    })
    expect(relay.configError?.message).toMatch(/LOOPS_API_KEY: not set/)
    expect((await relay.fetch(new Request('http://relay.test/health'))).status).toBe(500)
    const local = createRelay({ mode: 'direct', loopsApiUrl: 'http://127.0.0.1:9/api', env: {} })
    expect(local.configError).toBeUndefined()
  })
})
