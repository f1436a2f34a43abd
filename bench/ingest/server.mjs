// Server under test for the ingest bench, in its own process (the load generator runs in the
// parent): `node bench/ingest/server.mjs bare|direct|queue` on PORT.
//   bare   — a hono app whose POST /v1/batch reads the body and answers 202, nothing else
//   direct — createRelay in direct mode, pointed at LOOPS_API_URL (the emulator)
//   queue  — createRelay in queue mode, SQLite in RELAY_DATA_DIR
//   redis  — createRelay in redis mode at REDIS_URL, role `ingest` (a web app's mount: it only
//            stores; workers elsewhere drain)
// The relay's per-client limit is off (every request comes from one client here), and its
// queue cap is lifted: a saturating run queues far more than RELAY_MAX_QUEUE's default.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const kind = process.argv[2]
const port = Number(process.env.PORT)

async function relayApp() {
  const { createRelay } = await import(
    new URL('../../packages/relay/dist/index.js', import.meta.url).href
  )
  const relay = createRelay({
    mode: kind,
    loopsApiUrl: process.env.LOOPS_API_URL,
    dataDir: process.env.RELAY_DATA_DIR,
    allowedOrigins: ['*'],
    clientRateLimit: 0,
    maxQueue: 100_000_000,
    loopsRateLimit: Number(process.env.RELAY_LOOPS_RATE_LIMIT ?? 10),
    // An ingest-only mount never calls Loops; the bench's messages carry no userHash.
    ...(kind === 'redis'
      ? { redisUrl: process.env.REDIS_URL, role: 'ingest', allowUnverified: true }
      : {}),
    env: {},
  })
  await relay.start()
  return relay
}

let app
if (kind === 'bare') {
  const bare = new Hono()
  bare.post('/v1/batch', async (c) => {
    await c.req.text()
    return c.json({ accepted: 0, rejected: [] }, 202)
  })
  bare.get('/health', (c) => c.json({ ok: true }))
  app = bare
} else if (kind === 'direct' || kind === 'queue' || kind === 'redis') {
  app = await relayApp()
} else {
  console.error('usage: server.mjs bare|direct|queue|redis')
  process.exit(2)
}

// the peer address goes to the relay as the CLI passes it (serve.ts), for its per-client logic
const server = serve({
  fetch: (request, env) => app.fetch(request, { clientIp: env.incoming.socket.remoteAddress }),
  port,
  hostname: '127.0.0.1',
})
const stop = () => {
  server.close()
  void Promise.resolve(app.stop?.()).finally(() => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
