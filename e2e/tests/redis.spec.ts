// The Segment npm example against a relay in `redis` mode: a real redis-server (started on a free
// loopback port with its own temp dir, stopped by PID) holds the queue; identify and track from
// the page reach Loops, each once, after a 202 from the relay.
import { type RedisServer, startRedisServer } from '../../packages/relay/test/helpers/redis-server'
import { expect, LOOPS_API_KEY, ManagedApp, test, VARIANTS } from '../fixtures'
import { identify, openExample, track, uniqueEmail } from '../helpers/page'

const segmentNpm = VARIANTS.find((v) => v.name === 'segment npm')
if (!segmentNpm) throw new Error('segment npm variant missing')

test.describe('relay in redis mode', () => {
  let redis: RedisServer
  test.beforeAll(async () => {
    redis = await startRedisServer()
  })
  test.afterAll(async () => {
    await redis?.close()
  })

  test('segment npm: identify and track reach Loops through the Redis queue', async ({
    context,
    loops,
    wire,
    relayLog,
  }) => {
    const app = new ManagedApp({
      port: 0,
      loopsApiUrl: `${loops.url}/api`,
      loopsApiKey: LOOPS_API_KEY,
      relayMode: 'direct', // replaced by relayOptions.mode below
      relayOptions: {
        mode: 'redis',
        redisUrl: redis.url,
        logSink: (line: Record<string, unknown>) => relayLog.push(line),
      },
    })
    await app.start()
    try {
      await expect
        .poll(async () => (await (await fetch(`${app.url}/loops/health`)).json()) as unknown)
        .toMatchObject({ ok: true, mode: 'redis', role: 'both' })

      const page = await openExample(context, app, segmentNpm)
      const email = uniqueEmail('redis')
      await identify(page, { userId: 'redis-user', email, firstName: 'Rae', plan: 'pro' })
      await expect.poll(() => loops.contact(email)).toMatchObject({ firstName: 'Rae' })
      await track(page, 'Redis Checkout')
      await expect.poll(() => loops.eventsNamed('Redis Checkout')).toHaveLength(1)
      const [event] = await loops.eventsNamed('Redis Checkout')
      expect(event).toMatchObject({ email, userId: 'redis-user' })

      // The page's batches were accepted once Redis had them (202), not after Loops answered.
      await expect
        .poll(() =>
          wire.batches
            .filter((b) => b.entries.some((e) => e.eventName === 'Redis Checkout'))
            .map((b) => b.status),
        )
        .toEqual([202])
      const [sdkMessageId] = wire.sdkTrackIds('Redis Checkout')
      expect(event?.idempotencyKey).toBe(sdkMessageId)
    } finally {
      await app.stop()
    }
  })
})
