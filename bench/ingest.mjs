// 3. Relay ingest: autocannon (in this process) against servers in their own processes, one at a
// time, same concurrency and duration: a bare hono endpoint that only reads the body (measured
// first and last, to see drift), the relay in queue mode (SQLite WAL in a tmp dir) and in direct
// mode (pointed at the emulator with its rate limit off, and the relay's Loops pacing raised so
// that the relay itself is measured; real Loops allows 10 requests/s per team, so direct mode's
// real ceiling is Loops'), and in redis mode as an ingest-only mount (a redis-server with AOF on
// its own temp dir; no worker, so the queue only grows). Every request carries a batch of BATCH
// messages with unique ids.
// Budget: queue and redis modes >= 5,000 messages/s with p99 < 20 ms, as a ratio to bare.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { benchDir, outDir, paths, requireBuilt } from './lib/env.mjs'
import { freePort, startNode } from './lib/proc.mjs'
import { nodePlace, summarizeProfile } from './lib/profile.mjs'
import { startRedis } from './lib/redis.mjs'
import { header, saveRaw } from './lib/report.mjs'
import { fmt, table, verdict } from './lib/stats.mjs'

const quick = process.argv.includes('--quick')
const BATCH = 20
const CONNECTIONS = 32
const DURATION_S = quick ? 5 : 15
const WARMUP_S = quick ? 1 : 3
const BUDGET = { messagesPerSecond: 5000, p99Ms: 20 }
// Second pass per target: a fixed offered load of the budget's rate, where latency is read
// (at saturation, latency only measures the length of the connection queue).
const PACED_CONNECTIONS = 10
const PACED_RPS = BUDGET.messagesPerSecond / BATCH

let counter = 0
/** A browser-like batch: one contact update and BATCH-1 events, every messageId unique. */
function body() {
  const run = `${process.pid}-${++counter}`
  const at = new Date().toISOString()
  const batch = [
    {
      type: 'contact',
      messageId: `c-${run}`,
      timestamp: at,
      userId: `user-${counter % 5000}`,
      email: `user-${counter % 5000}@example.com`,
      properties: { firstName: 'Ada', lastName: 'Lovelace', plan: 'pro', seats: 5 },
    },
  ]
  for (let i = 1; i < BATCH; i++) {
    batch.push({
      type: 'event',
      messageId: `e-${run}-${i}`,
      timestamp: at,
      userId: `user-${counter % 5000}`,
      email: `user-${counter % 5000}@example.com`,
      eventName: 'Page Viewed',
      eventProperties: { path: `/docs/${i}`, referrer: 'https://example.com/', index: i },
      contactProperties: { firstName: 'Ada', plan: 'pro' },
    })
  }
  return JSON.stringify({ sentAt: at, batch })
}

function load(url, seconds, { connections = CONNECTIONS, overallRate } = {}) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/v1/batch`,
        connections,
        overallRate,
        duration: seconds,
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin: 'https://app.example.com' },
        requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: body() }) }],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    )
  })
}

export async function measure(name, kind, env) {
  const port = await freePort()
  const server = await startNode(name, join(benchDir, 'ingest/server.mjs'), {
    args: [kind],
    env: { PORT: String(port), ...env },
    readyUrl: `http://127.0.0.1:${port}/health`,
  })
  try {
    const url = `http://127.0.0.1:${port}`
    await load(url, WARMUP_S)
    const r = await load(url, DURATION_S)
    const paced = await load(url, DURATION_S, {
      connections: PACED_CONNECTIONS,
      overallRate: PACED_RPS,
    })
    const ok = r['2xx']
    const row = {
      name,
      requestsPerSecond: ok / r.duration,
      messagesPerSecond: (ok * BATCH) / r.duration,
      p50: r.latency.p50,
      p99: r.latency.p99,
      max: r.latency.max,
      ok,
      non2xx: r.non2xx + paced.non2xx,
      errors: r.errors + r.timeouts + paced.errors + paced.timeouts,
      paced: {
        messagesPerSecond: (paced['2xx'] * BATCH) / paced.duration,
        p50: paced.latency.p50,
        p90: paced.latency.p90,
        p99: paced.latency.p99,
        max: paced.latency.max,
      },
    }
    console.log(
      `  ${name}: ${fmt.int(row.messagesPerSecond)} msg/s (p50 ${row.p50} ms, p99 ${row.p99} ms); at ${fmt.int(BUDGET.messagesPerSecond)} msg/s offered: p50 ${row.paced.p50} ms, p99 ${row.paced.p99} ms; non-2xx ${row.non2xx}, errors ${row.errors}`,
    )
    return row
  } finally {
    await server.stop()
  }
}

/** One more saturating pass of a target under `node --cpu-prof`: where the server's time goes. */
async function profile(kind, env) {
  const dir = join(outDir, 'ingest-profile', kind)
  rmSync(dir, { recursive: true, force: true })
  const port = await freePort()
  const server = await startNode(`${kind}-profiled`, join(benchDir, 'ingest/server.mjs'), {
    args: [kind],
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    env: { PORT: String(port), ...env },
    readyUrl: `http://127.0.0.1:${port}/health`,
  })
  try {
    await load(`http://127.0.0.1:${port}`, DURATION_S)
  } finally {
    await server.stop()
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (!file) return null
  return summarizeProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')), nodePlace)
}

export async function runIngest() {
  requireBuilt('relayDist', 'emulatorCli')
  const dataDir = mkdtempSync(join(tmpdir(), 'loops-bench-queue-'))
  const emulatorPort = await freePort()
  const emulator = await startNode('ingest-emulator', paths.emulatorCli, {
    // The team's properties exist, as they would in Loops (unknown ones would be dropped).
    args: [
      '--port',
      String(emulatorPort),
      '--rate-limit',
      '0',
      '--properties',
      'plan,seats:number',
    ],
    readyUrl: `http://127.0.0.1:${emulatorPort}/_emulator/contacts`,
  })
  const loops = { LOOPS_API_URL: `http://127.0.0.1:${emulatorPort}/api` }
  const rows = []
  let queueProfile = null
  const redis = await startRedis()
  try {
    rows.push(await measure('bare hono (first)', 'bare', {}))
    rows.push(await measure('relay queue (SQLite)', 'queue', { ...loops, RELAY_DATA_DIR: dataDir }))
    rows.push(
      await measure('relay direct → emulator', 'direct', {
        ...loops,
        RELAY_LOOPS_RATE_LIMIT: '10000',
      }),
    )
    rows.push(await measure('relay redis (ingest role)', 'redis', { REDIS_URL: redis.url }))
    rows.push(await measure('bare hono (last)', 'bare', {}))
    queueProfile = await profile('queue', { ...loops, RELAY_DATA_DIR: dataDir })
  } finally {
    await emulator.stop()
    await redis.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
  const bareLast = rows.find((r) => r.name === 'bare hono (last)')
  const bare = {
    messagesPerSecond: (rows[0].messagesPerSecond + bareLast.messagesPerSecond) / 2,
    p99: (rows[0].p99 + bareLast.p99) / 2,
    pacedP99: (rows[0].paced.p99 + bareLast.paced.p99) / 2,
  }
  const queue = rows[1]
  const met = queue.messagesPerSecond >= BUDGET.messagesPerSecond && queue.paced.p99 < BUDGET.p99Ms
  const redisRow = rows.find((r) => r.name.startsWith('relay redis'))
  const redisMet =
    redisRow.messagesPerSecond >= BUDGET.messagesPerSecond && redisRow.paced.p99 < BUDGET.p99Ms
  saveRaw('ingest', {
    batch: BATCH,
    connections: CONNECTIONS,
    durationS: DURATION_S,
    rows,
    bare,
    queueProfile,
  })
  const profileLines = queueProfile
    ? [
        '',
        `Where the relay's time goes in queue mode (one more ${DURATION_S} s saturating pass under \`node --cpu-prof\`; self time, ${fmt.int(queueProfile.totalMs)} ms sampled):`,
        '',
        table(
          ['where', 'self ms', 'share'],
          queueProfile.byPlace
            .slice(0, 10)
            .map(([w, ms]) => [`\`${w}\``, fmt.int(ms), fmt.pct(ms / queueProfile.totalMs)]),
        ),
        '',
        table(
          ['top functions', 'self ms', 'share'],
          queueProfile.topFunctions
            .slice(0, 10)
            .map(([f, ms]) => [`\`${f}\``, fmt.int(ms), fmt.pct(ms / queueProfile.totalMs)]),
        ),
      ]
    : []

  return [
    '## 3. Relay ingest',
    '',
    header('ingest'),
    `- autocannon ${CONNECTIONS} connections, ${DURATION_S} s per target after a ${WARMUP_S} s warm-up, in the bench process; each server in its own Node process (direct mode: plus the emulator's process), one target at a time`,
    `- every request: \`POST /v1/batch\`, text/plain, ${BATCH} messages (1 contact + ${BATCH - 1} events, ~${fmt.int(body().length)} bytes), unique messageIds; messages/s = 2xx requests/s × ${BATCH}`,
    '',
    `Saturation (${CONNECTIONS} connections, as fast as the server answers):`,
    '',
    table(
      [
        'target',
        'messages/s',
        'requests/s',
        'p50 ms',
        'p99 ms',
        'max ms',
        'non-2xx',
        'errors',
        'vs bare (msg/s)',
      ],
      rows.map((r) => [
        r.name,
        fmt.int(r.messagesPerSecond),
        fmt.int(r.requestsPerSecond),
        fmt.int(r.p50),
        fmt.int(r.p99),
        fmt.int(r.max),
        fmt.int(r.non2xx),
        fmt.int(r.errors),
        fmt.pct(r.messagesPerSecond / bare.messagesPerSecond),
      ]),
    ),
    '',
    `Latency at the budget's load (${fmt.int(BUDGET.messagesPerSecond)} messages/s offered = ${PACED_RPS} requests/s over ${PACED_CONNECTIONS} connections, ${DURATION_S} s; non-2xx and errors above include this pass):`,
    '',
    table(
      ['target', 'messages/s served', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'p99 vs bare'],
      rows.map((r) => [
        r.name,
        fmt.int(r.paced.messagesPerSecond),
        fmt.int(r.paced.p50),
        fmt.int(r.paced.p90),
        fmt.int(r.paced.p99),
        fmt.int(r.paced.max),
        `${fmt.num(r.paced.p99 / bare.pacedP99, 2)}×`,
      ]),
    ),
    '',
    `"vs bare" divides by the mean of the two bare runs (${fmt.int(bare.messagesPerSecond)} msg/s).`,
    'Direct mode answers only after the emulator has accepted every message (one Loops call per',
    'message), so it measures the relay plus the emulator sharing the same 2 cores; against real',
    "Loops its ceiling is Loops' rate limit (10 requests/s per team), which is why queue mode is",
    'the default.',
    '',
    `Budget (queue mode >= ${fmt.int(BUDGET.messagesPerSecond)} messages/s, p99 < ${BUDGET.p99Ms} ms): ${fmt.int(queue.messagesPerSecond)} messages/s at saturation, p99 ${fmt.int(queue.paced.p99)} ms at ${fmt.int(BUDGET.messagesPerSecond)} messages/s offered ${verdict(met)}.`,
    '',
    `Budget (redis mode, same): ${fmt.int(redisRow.messagesPerSecond)} messages/s at saturation, p99 ${fmt.int(redisRow.paced.p99)} ms at ${fmt.int(BUDGET.messagesPerSecond)} messages/s offered ${verdict(redisMet)}. The relay process and redis-server share the same 2 cores with the load generator (and, in this run, with other work on the machine).`,
    ...profileLines,
  ].join('\n')
}
