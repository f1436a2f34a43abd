// The scale-out set-up end to end: two relay processes (ingest + worker) and one ingest-only
// process of the built CLI share one redis-server, in front of the Loops emulator at Loops' real
// rate limit (10/s). 300 events sent to all three must each reach Loops once, without a 429 —
// while one worker is SIGKILLed mid-drain and restarted, and Redis itself is SIGKILLed and
// restarted from its append-only file.
import type { WireMessage } from '@loops-cdp/core/protocol'
import { beforeAll, describe, expect, it } from 'vitest'
import { emulator, event, onCleanup, waitFor } from './delivery-helpers'
import { buildRelayIfStale, type RelayProcess, startRelayProcess } from './helpers/built-cli'
import { startRedisServer } from './helpers/redis-server'

const RATE = 10
const EVENTS = 300
const PEOPLE = 60

beforeAll(() => buildRelayIfStale(), 200_000)

interface Health {
  ok: boolean
  reason?: string
  role?: string
  queueDepth: number
}

const health = async (relay: RelayProcess): Promise<Health> =>
  (await (await fetch(`${relay.url}/health`)).json()) as Health

const post = (relay: RelayProcess, batch: WireMessage[]) =>
  fetch(`${relay.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ sentAt: new Date().toISOString(), batch }),
  })

describe('redis mode: several relay processes, one Redis, one Loops budget', () => {
  it('300 events over three processes: each delivered once, 0 × 429, through a worker kill and a Redis kill', async () => {
    const emu = await emulator({ rateLimit: RATE })
    const redis = await startRedisServer()
    onCleanup(() => redis.close())
    const env = (role: string) => ({
      PORT: '0',
      RELAY_MODE: 'redis',
      RELAY_ROLE: role,
      REDIS_URL: redis.url,
      LOOPS_API_URL: emu.apiUrl,
      RELAY_LOOPS_RATE_LIMIT: String(RATE),
      RELAY_REDIS_LOCK_MS: '4000', // a killed worker's job is taken over after ~4 s
      RELAY_CLIENT_RATE_LIMIT: '0',
    })
    let workerA = await startRelayProcess(env('both'))
    const workerB = await startRelayProcess(env('both'))
    const ingest = await startRelayProcess(env('ingest'))
    for (const relay of [workerA, workerB, ingest]) {
      await waitFor(async () => (await health(relay)).ok, 10_000, 'relay sees redis')
    }

    const messages = Array.from({ length: EVENTS }, (_, i) =>
      event(`e-${i}`, `person${i % PEOPLE}@example.com`, 'Visit', { n: i }),
    )
    const batches: WireMessage[][] = []
    for (let i = 0; i < messages.length; i += 10) batches.push(messages.slice(i, i + 10))
    const held = batches.pop() as WireMessage[] // sent while Redis is down
    const started = Date.now()
    for (const [i, batch] of batches.entries()) {
      const relay = [workerA, workerB, ingest][i % 3] as RelayProcess
      const answer = await post(relay, batch)
      expect(answer.status).toBe(202)
    }

    const delivered = async () => new Set((await emu.events()).map((e) => e.idempotencyKey)).size
    // A worker dies mid-drain (SIGKILL: no goodbye, its jobs stay locked) and comes back.
    await waitFor(async () => (await delivered()) >= 60, 30_000, 'drain under way')
    // Hold the next event calls in "Loops" so some are in flight (sent, answer not yet read)
    // when the worker dies: its jobs must be taken over and those calls made again.
    await emu.fault({ delayMs: 1_500, times: 4, path: '/api/v1/events/send' })
    await waitFor(async () => (await emu.faults()).length === 0, 10_000, 'calls held')
    workerA.child.kill('SIGKILL')
    expect(await workerA.exited).toBeNull()
    const afterWorkerKill = await delivered()
    workerA = await startRelayProcess(env('both'))

    // Redis dies (SIGKILL) and comes back from its append-only file.
    await waitFor(async () => (await delivered()) >= 150, 40_000, 'drain goes on')
    await redis.kill()
    const beforeRedisKill = await delivered()
    for (const relay of [workerB, ingest]) {
      await waitFor(async () => !(await health(relay)).ok, 5_000, 'health reports redis down')
      expect(await health(relay)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/redis/),
      })
    }
    const refused = await post(ingest, held)
    expect(refused.status).toBe(503)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    await redis.restart()
    for (const relay of [workerA, workerB, ingest]) {
      await waitFor(async () => (await health(relay)).ok, 15_000, 'health ok again')
    }
    // The browser sends the refused batch again.
    expect((await post(ingest, held)).status).toBe(202)

    await waitFor(async () => (await delivered()) >= EVENTS, 90_000, 'all delivered')
    const drainedAt = Date.now()
    await waitFor(async () => (await health(workerB)).queueDepth === 0, 15_000, 'queue empty')

    const events = await emu.events()
    const keys = events.map((e) => e.idempotencyKey)
    expect([...keys].sort()).toEqual(messages.map((m) => m.messageId).sort()) // each once
    const requests = await emu.requests()
    const throttled = requests.filter((r) => r.status === 429).length
    expect(throttled).toBe(0)
    const sends = requests.filter((r) => r.path === '/api/v1/events/send')
    const metrics = {
      events: EVENTS,
      deliveredOnce: new Set(keys).size,
      eventsSendCalls: sends.length,
      repeated409: sends.filter((r) => r.status === 409).length,
      throttled429: throttled,
      deliveredBeforeWorkerKill: afterWorkerKill,
      deliveredBeforeRedisKill: beforeRedisKill,
      secondsToDrain: (drainedAt - started) / 1000,
    }
    console.log(JSON.stringify({ redisCluster: metrics }))
  }, 240_000)
})
