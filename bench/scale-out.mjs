// 5. Scale-out (redis mode): the drain rate of 1, 2 and 4 worker processes (`loops-relay --role
// worker`, each its own Node process) sharing one redis-server and one Loops budget, against the
// emulator at Loops' real rate limit (10 requests/s, a token bucket like Loops'). For each count:
// a fresh Redis (AOF, everysec), the emulator reset, MESSAGES messages stored first through an
// ingest-only relay process (PEOPLE people, each a contact update then events, so per-contact
// order is in play), then the workers started together. Measured from the emulator's request
// log: every /api call (the workers' start-up key checks included) from the first to the last,
// the 429s, and each worker's share from its own /metrics.
// Goal: >= 95 % of the limit and 0 × 429, whatever the number of workers.
import { paths, requireBuilt } from './lib/env.mjs'
import { freePort, startNode } from './lib/proc.mjs'
import { startRedis } from './lib/redis.mjs'
import { header, saveRaw } from './lib/report.mjs'
import { fmt, table, verdict } from './lib/stats.mjs'

const quick = process.argv.includes('--quick')
const RATE = 10
const MESSAGES = quick ? 120 : 300
const PEOPLE = MESSAGES / 5
const WORKER_COUNTS = [1, 2, 4]
const GOAL_SHARE = 0.95

function messages(run) {
  const at = new Date().toISOString()
  const out = []
  for (let step = 0; step < 5; step++) {
    for (let p = 0; p < PEOPLE; p++) {
      const email = `person${p}@example.com`
      const messageId = `${run}-${p}-${step}`
      out.push(
        step === 0
          ? { type: 'contact', messageId, timestamp: at, email, properties: { plan: 'pro' } }
          : {
              type: 'event',
              messageId,
              timestamp: at,
              email,
              eventName: 'Page Viewed',
              eventProperties: { step },
            },
      )
    }
  }
  return out
}

async function relayProcess(name, role, env) {
  const port = await freePort()
  return startNode(name, paths.relayCli, {
    args: ['--role', role, '--metrics'],
    env: { ...env, PORT: String(port), RELAY_CLIENT_RATE_LIMIT: '0' },
    readyUrl: `http://127.0.0.1:${port}/health`,
  }).then((proc) => ({ ...proc, url: `http://127.0.0.1:${port}` }))
}

async function waitUntil(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`)
}

const delivered = (metricsText) =>
  [...metricsText.matchAll(/^loops_relay_messages_delivered_total\{[^}]*\} (\d+)$/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  )

async function runCount(workers, emulatorUrl) {
  const redis = await startRedis()
  const started = []
  try {
    await fetch(`${emulatorUrl}/_emulator/reset`, { method: 'POST' })
    const env = {
      RELAY_MODE: 'redis',
      REDIS_URL: redis.url,
      LOOPS_API_URL: `${emulatorUrl}/api`,
      RELAY_LOOPS_RATE_LIMIT: String(RATE),
    }
    const ingest = await relayProcess(`scale-out-ingest-${workers}`, 'ingest', env)
    started.push(ingest)
    await waitUntil(
      async () => (await (await fetch(`${ingest.url}/health`)).json()).ok,
      10_000,
      'ingest sees redis',
    )
    const all = messages(`w${workers}`)
    for (let i = 0; i < all.length; i += 50) {
      const res = await fetch(`${ingest.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ sentAt: new Date().toISOString(), batch: all.slice(i, i + 50) }),
      })
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}`)
    }
    const pool = await Promise.all(
      Array.from({ length: workers }, (_, i) =>
        relayProcess(`scale-out-worker-${workers}-${i + 1}`, 'worker', env),
      ),
    )
    started.push(...pool)
    const calls = async () => await (await fetch(`${emulatorUrl}/_emulator/requests`)).json()
    const loopsCalls = (list) => list.filter((r) => r.path !== '/api/v1/api-key')
    await waitUntil(
      async () => loopsCalls(await calls()).filter((r) => r.status < 300).length >= all.length,
      all.length * 300 + 30_000,
      'queue drained',
    )
    const requests = await calls()
    const times = requests.map((r) => Date.parse(r.receivedAt)).sort((a, b) => a - b)
    const seconds = (times.at(-1) - times[0]) / 1000
    const perWorker = []
    for (const w of pool) perWorker.push(delivered(await (await fetch(`${w.url}/metrics`)).text()))
    const row = {
      workers,
      messages: all.length,
      loopsCalls: requests.length,
      seconds,
      // n calls span n - 1 intervals of the bucket's refill
      callsPerSecond: (requests.length - 1) / seconds,
      throttled: requests.filter((r) => r.status === 429).length,
      duplicates409: requests.filter((r) => r.status === 409).length,
      perWorker,
    }
    row.share = row.callsPerSecond / RATE
    console.log(
      `  ${workers} worker(s): ${fmt.num(row.callsPerSecond, 2)} calls/s (${fmt.pct(row.share)} of ${RATE}), 429s ${row.throttled}, per worker ${perWorker.join('/')}`,
    )
    return row
  } finally {
    for (const proc of started.reverse()) await proc.stop()
    await redis.stop()
  }
}

export async function runScaleOut() {
  requireBuilt('relayCli', 'emulatorCli')
  const emulatorPort = await freePort()
  const emulator = await startNode('scale-out-emulator', paths.emulatorCli, {
    args: ['--port', String(emulatorPort), '--rate-limit', String(RATE), '--auto-properties'],
    readyUrl: `http://127.0.0.1:${emulatorPort}/_emulator/contacts`,
  })
  const rows = []
  try {
    for (const workers of WORKER_COUNTS) {
      rows.push(await runCount(workers, `http://127.0.0.1:${emulatorPort}`))
    }
  } finally {
    await emulator.stop()
  }
  saveRaw('scale-out', { rate: RATE, messages: MESSAGES, rows })
  const met = rows.every((r) => r.share >= GOAL_SHARE && r.throttled === 0)
  return [
    '## 5. Scale-out: workers sharing one Loops budget (redis mode)',
    '',
    header('scale-out'),
    `- emulator at \`--rate-limit ${RATE}\` (a token bucket: ${RATE} capacity, ${RATE}/s, as Loops); every relay \`RELAY_LOOPS_RATE_LIMIT=${RATE}\`, the team's total`,
    `- per worker count: a fresh redis-server (AOF, everysec), ${MESSAGES} messages (${PEOPLE} people × 1 contact update + 4 events, in that order) stored through one \`--role ingest\` process, then N \`loops-relay --role worker\` processes started together`,
    "- calls/s = (calls − 1) / (last − first `receivedAt` in the emulator's request log); every /api call counts, the workers' start-up key checks included",
    '',
    table(
      [
        'workers',
        'messages',
        'Loops calls',
        'seconds',
        'calls/s',
        'of the limit',
        '429s',
        '409s',
        'delivered per worker',
      ],
      rows.map((r) => [
        String(r.workers),
        fmt.int(r.messages),
        fmt.int(r.loopsCalls),
        fmt.num(r.seconds, 1),
        fmt.num(r.callsPerSecond, 2),
        fmt.pct(r.share),
        fmt.int(r.throttled),
        fmt.int(r.duplicates409),
        r.perWorker.join(' / '),
      ]),
    ),
    '',
    `Goal (>= ${fmt.pct(GOAL_SHARE)} of the limit, 0 × 429, for every worker count) ${verdict(met)}. The shared bucket refills at 97 % of the limit and starts full with a burst of half of it (the in-process pacer's figures), so a drain reads 97 % plus that burst spread over its length; the emulator's bucket (capacity 10) absorbs the burst, hence 0 × 429.`,
  ].join('\n')
}
