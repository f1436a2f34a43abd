// 4. Loops-call efficiency: USERS simulated browsers × LOADS page loads through core's real
// createLoopsCdp (Node; per-user memory storage; injected fetch), the real relay CLI in queue mode
// (its own process) and the emulator (its own process, rate limit = the relay's). Each page load
// calls identify with mostly unchanged traits and TRACKS tracks. 5 % of relay requests fail in
// the injected fetch: half answered 503 (Retry-After: 1) without reaching the relay, half reach
// the relay and lose their answer (a network error after delivery — the case idempotency is for).
// Reported: Loops calls per 1,000 SDK calls (against the budget of 600 and the floor with
// folding: one call per unique event, every contact change travelling in an event), duplicates
// (events delivered twice under one idempotency key), re-sends the relay recognised by messageId and did not send again, losses,
// 429s, drain rate against the configured limit; and, computed from the
// same workload, what the vendors' cloud destinations do (one Loops call per CDP call).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  contactChanges,
  MemoryStorage,
  pageLoad,
  pendingCount,
  prng,
  revisit,
  traitsFor,
} from './efficiency/workload.mjs'
import { paths, requireBuilt } from './lib/env.mjs'
import { freePort, startNode } from './lib/proc.mjs'
import { header, saveRaw } from './lib/report.mjs'
import { fmt, median, table, verdict } from './lib/stats.mjs'

const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`))
  return hit ? Number(hit.split('=')[1]) : fallback
}
const quick = process.argv.includes('--quick')
const USERS = arg('users', quick ? 40 : 200)
const LOADS = arg('loads', quick ? 5 : 10)
const TRACKS = arg('tracks', 2)
/** Loops requests/s for the relay and the emulator alike (Loops' own limit is 10). */
const RATE = arg('rate', 40)
const FAILURE_RATE = 0.05
const CONCURRENCY = 25
const SEED = 20261122

/** fetch towards the relay with injected failures; counts what happened. */
function faultyFetch(random, stats) {
  return async (url, init) => {
    stats.requests++
    const roll = random()
    if (roll < FAILURE_RATE / 2) {
      stats.failedBefore++
      return new Response(JSON.stringify({ error: 'injected' }), {
        status: 503,
        headers: { 'content-type': 'application/json', 'retry-after': '1' },
      })
    }
    const res = await fetch(url, init)
    if (roll < FAILURE_RATE) {
      stats.failedAfter++
      await res.arrayBuffer()
      throw new TypeError('fetch failed (injected: answer lost after the relay took the batch)')
    }
    stats.statuses[res.status] = (stats.statuses[res.status] ?? 0) + 1
    return res
  }
}

async function json(url) {
  const res = await fetch(url)
  return res.json()
}

/** Requests per whole second of the drain, from the emulator's request log. */
function drainStats(calls) {
  const times = calls.map((r) => Date.parse(r.receivedAt)).sort((a, b) => a - b)
  if (times.length < 2) return { overall: Number.NaN, medianSecond: Number.NaN, seconds: 0 }
  const first = times[0]
  const last = times[times.length - 1]
  const buckets = new Map()
  for (const t of times) {
    const s = Math.floor((t - first) / 1000)
    buckets.set(s, (buckets.get(s) ?? 0) + 1)
  }
  // whole seconds only: drop the last, partial one
  const full = [...buckets.entries()].filter(([s]) => s < Math.floor((last - first) / 1000))
  return {
    overall: (times.length - 1) / ((last - first) / 1000),
    medianSecond: median(full.map(([, n]) => n)),
    maxSecond: Math.max(...full.map(([, n]) => n)),
    seconds: (last - first) / 1000,
  }
}

export async function runEfficiency() {
  requireBuilt('coreNpm', 'relayCli', 'emulatorCli')
  const { createLoopsCdp } = await import(paths.coreNpm)
  const dataDir = mkdtempSync(join(tmpdir(), 'loops-bench-efficiency-'))
  const emulatorPort = await freePort()
  const relayPort = await freePort()
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`
  const emulator = await startNode('efficiency-emulator', paths.emulatorCli, {
    // The workload's custom properties exist, as they would in Loops (unknown ones are dropped).
    args: [
      '--port',
      String(emulatorPort),
      '--rate-limit',
      String(RATE),
      '--properties',
      'plan,companyName,companySize:number',
    ],
    readyUrl: `${emulatorUrl}/_emulator/contacts`,
  })
  let relay
  const stats = { requests: 0, failedBefore: 0, failedAfter: 0, statuses: {} }
  const errors = []
  const sent = new Set()
  const started = Date.now()
  let workloadS = 0
  let settledS = 0
  let leftInBrowsers = 0
  let relayMetrics = ''
  let requests = []
  let events = []
  let contacts = []
  try {
    relay = await startNode('efficiency-relay', paths.relayCli, {
      env: {
        LOOPS_API_URL: `${emulatorUrl}/api`,
        PORT: String(relayPort),
        RELAY_MODE: 'queue',
        RELAY_DATA_DIR: dataDir,
        RELAY_LOOPS_RATE_LIMIT: String(RATE),
        // every simulated browser shares one IP and the wire carries no anonymous id
        RELAY_CLIENT_RATE_LIMIT: '0',
        RELAY_METRICS: 'true',
      },
      readyUrl: `http://127.0.0.1:${relayPort}/health`,
    })
    const relayUrl = `http://127.0.0.1:${relayPort}`
    const random = prng(SEED)
    const ctxFor = (storage) => ({
      createLoopsCdp,
      relayUrl,
      storage,
      fetch: faultyFetch(random, stats),
      errors,
    })
    const storages = Array.from({ length: USERS }, () => new MemoryStorage())

    // 1. the workload: CONCURRENCY users browsing at once, each user's loads in sequence
    let next = 0
    const worker = async () => {
      while (next < USERS) {
        const user = next++
        for (let load = 0; load < LOADS; load++) {
          const dwellMs = 300 + Math.floor(random() * 1200)
          const ids = await pageLoad(ctxFor(storages[user]), {
            user,
            load,
            loads: LOADS,
            tracks: TRACKS,
            dwellMs,
          })
          for (const id of ids) sent.add(id)
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    workloadS = (Date.now() - started) / 1000
    console.log(`  workload done in ${workloadS.toFixed(1)} s; ${stats.requests} relay requests`)

    // 2. the users come back (no calls) until every browser queue is empty, bounded
    const deadline = Date.now() + 120_000
    while (Date.now() < deadline) {
      const pending = storages.map((s, user) => [user, pendingCount(s)]).filter(([, n]) => n > 0)
      if (pending.length === 0) break
      await Promise.all(pending.map(([user]) => revisit(ctxFor(storages[user]), 1500)))
    }
    leftInBrowsers = storages.reduce((n, s) => n + pendingCount(s), 0)

    // 3. the relay drains its queue into the emulator
    const drainDeadline = Date.now() + 15 * 60_000
    let lastCount = -1
    let stableSince = Date.now()
    while (Date.now() < drainDeadline) {
      const health = await json(`${relayUrl}/health`)
      const count = (await json(`${emulatorUrl}/_emulator/requests`)).length
      if (count !== lastCount) {
        lastCount = count
        stableSince = Date.now()
      }
      if (health.queueDepth === 0 && Date.now() - stableSince > 2000) break
      await sleep(500)
    }
    settledS = (Date.now() - started) / 1000
  } finally {
    // the metrics and the emulator's records are read before anything stops
    if (relay) {
      relayMetrics = await fetch(`http://127.0.0.1:${relayPort}/metrics`).then(
        (r) => r.text(),
        () => '',
      )
    }
    requests = await json(`${emulatorUrl}/_emulator/requests`).catch(() => [])
    events = await json(`${emulatorUrl}/_emulator/events`).catch(() => [])
    contacts = await json(`${emulatorUrl}/_emulator/contacts`).catch(() => [])
    await relay?.stop()
    await emulator.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }

  // --- analysis ---
  const sdkCalls = { identify: USERS * LOADS, track: USERS * LOADS * TRACKS }
  sdkCalls.total = sdkCalls.identify + sdkCalls.track
  const loopsCalls = requests.filter(
    (r) => r.path === '/api/v1/contacts/update' || r.path === '/api/v1/events/send',
  )
  const byPath = (p) => loopsCalls.filter((r) => r.path === p)
  const contactCalls = byPath('/api/v1/contacts/update')
  const eventCalls = byPath('/api/v1/events/send')
  const status = (list, s) => list.filter((r) => r.status === s).length
  const tooMany = requests.filter((r) => r.status === 429).length
  const keyCount = new Map()
  for (const e of events) keyCount.set(e.idempotencyKey, (keyCount.get(e.idempotencyKey) ?? 0) + 1)
  const duplicates = [...keyCount.values()].filter((n) => n > 1).reduce((s, n) => s + n - 1, 0)
  const lost = [...sent].filter((id) => !keyCount.has(id))
  const finalPlan = traitsFor(0, LOADS - 1, LOADS).plan
  const wrongContacts = Array.from({ length: USERS }, (_, u) => u).filter((u) => {
    const c = contacts.find((x) => x.email === `user${u}@example.com`)
    return !c || c.plan !== finalPlan || c.userId !== `user-${u}`
  }).length
  // contact calls that repeat a payload already accepted for that contact: re-sends after a lost
  // answer (the browser cannot know the relay took it), not new changes
  const seenPayloads = new Set()
  let contactResends = 0
  for (const r of contactCalls.filter((c) => c.status === 200)) {
    const key = typeof r.body === 'string' ? r.body : JSON.stringify(r.body)
    if (seenPayloads.has(key)) contactResends++
    seenPayloads.add(key)
  }
  const drain = drainStats(loopsCalls.filter((r) => r.status !== 429))
  const idealContacts = USERS * contactChanges(LOADS)
  const ideal = idealContacts + sdkCalls.track
  // Each contact change is followed by tracks of the same user, so it can fold into one of them
  // (the relay sends the update as that event's contact properties): one call per unique event.
  const floor = sdkCalls.track
  const BUDGET_PER_1000 = 600
  const per1000 = (n) => (1000 * n) / sdkCalls.total
  const metric = (name) =>
    [...relayMetrics.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? ([0-9.e+]+)$`, 'gm'))].reduce(
      (s, m) => s + Number(m[2]),
      0,
    )
  const relayRetried = metric('loops_relay_messages_retried_total')
  const relayDead = metric('loops_relay_messages_dead_lettered_total')
  // re-sends the relay recognised by messageId (still queued, or delivered within 24 h) and
  // accepted without queueing them again: Loops calls saved
  const relaySkipped = metric('loops_relay_duplicates_skipped_total')

  const raw = {
    users: USERS,
    loads: LOADS,
    tracks: TRACKS,
    rate: RATE,
    sdkCalls,
    browser: stats,
    errors: Object.fromEntries(
      [...new Set(errors)].map((e) => [e, errors.filter((x) => x === e).length]),
    ),
    leftInBrowsers,
    loops: {
      calls: loopsCalls.length,
      contacts: contactCalls.length,
      events: eventCalls.length,
      status200: status(loopsCalls, 200),
      status409: status(eventCalls, 409),
      status429: tooMany,
      otherFailures: loopsCalls.filter((r) => ![200, 409, 429].includes(r.status)).length,
    },
    per1000: per1000(loopsCalls.length),
    floorPer1000: per1000(floor),
    folded: Math.max(0, idealContacts - contactCalls.length),
    duplicates,
    lost: lost.length,
    lostSample: lost.slice(0, 10),
    wrongContacts,
    contactResends,
    drain,
    relayRetried,
    relayDead,
    relaySkipped,
    workloadS,
    settledS,
  }
  saveRaw('efficiency', raw)
  console.log(`  ${JSON.stringify(raw.loops)}, duplicates ${duplicates}, lost ${lost.length}`)

  const vendorCalls = sdkCalls.total
  const drainMet = tooMany === 0 && drain.medianSecond >= 0.95 * RATE
  const callsMet =
    contactCalls.length - status(contactCalls, 429) <= idealContacts &&
    eventCalls.length - status(eventCalls, 429) - status(eventCalls, 409) <= sdkCalls.track
  return [
    '## 4. Loops-call efficiency',
    '',
    header('efficiency'),
    `- workload: ${USERS} users × ${LOADS} page loads (${CONCURRENCY} users at once, each page open 0.3–1.5 s), each load = 1 identify (traits unchanged except \`plan\`, which changes ${contactChanges(LOADS) - 1}× per user) + ${TRACKS} tracks → ${fmt.int(sdkCalls.total)} SDK calls (${fmt.int(sdkCalls.identify)} identify, ${fmt.int(sdkCalls.track)} track); afterwards users come back until no browser queue holds anything (${fmt.int(leftInBrowsers)} left)`,
    `- path: core's real \`createLoopsCdp\` (packages/core/dist, Node, per-user memory storage, defaults) → relay CLI (\`RELAY_MODE=queue\`, \`RELAY_LOOPS_RATE_LIMIT=${RATE}\`, per-client limit off) → emulator (\`--rate-limit ${RATE}\`); the rate is ${RATE}/s rather than Loops' 10/s to keep the run to minutes — the pacing code is the same at any rate (\`--rate=10\` for the real figure)`,
    `- injected relay failures: ${fmt.int(stats.failedBefore + stats.failedAfter)} of ${fmt.int(stats.requests)} requests (${fmt.pct((stats.failedBefore + stats.failedAfter) / stats.requests)}): ${stats.failedBefore} answered 503 before the relay, ${stats.failedAfter} lost their answer after the relay took the batch`,
    `- wall time: workload ${fmt.num(workloadS)} s, everything delivered and settled at ${fmt.num(settledS)} s`,
    '',
    table(
      ['', 'loops-cdp (measured)', "vendors' cloud destinations (computed)"],
      [
        ['SDK calls', fmt.int(sdkCalls.total), fmt.int(sdkCalls.total)],
        [
          'Loops calls',
          `${fmt.int(loopsCalls.length)} (${fmt.int(contactCalls.length)} contacts/update, ${fmt.int(eventCalls.length)} events/send)`,
          `${fmt.int(vendorCalls)} (${fmt.int(sdkCalls.identify)} + ${fmt.int(sdkCalls.track)}), one per CDP call`,
        ],
        [
          '**Loops calls per 1,000 SDK calls**',
          `**${fmt.num(per1000(loopsCalls.length))}**`,
          `**${fmt.num(per1000(vendorCalls))}**`,
        ],
        [
          'one per real contact change + one per unique event',
          `${fmt.int(ideal)} = ${fmt.num(per1000(ideal))} per 1,000`,
          `${fmt.int(ideal)} = ${fmt.num(per1000(ideal))} per 1,000`,
        ],
        [
          'floor: one per unique event, every contact change folded into an event of its user',
          `${fmt.int(floor)} = ${fmt.num(per1000(floor))} per 1,000`,
          '– (no folding)',
        ],
        [
          'contact changes that travelled in an event instead of their own call',
          `${fmt.int(Math.max(0, idealContacts - contactCalls.length))} of ${fmt.int(idealContacts)}`,
          '–',
        ],
        [
          'duplicate events (same idempotency key delivered twice)',
          fmt.int(duplicates),
          'no idempotency key: every retry after a lost answer is a duplicate',
        ],
        ['events answered 409 (a retry Loops recognised)', fmt.int(status(eventCalls, 409)), '–'],
        [
          'contact calls repeating an accepted payload (sent again after a lost answer; the relay skips a re-sent messageId, so these are later identifies with new ids)',
          fmt.int(contactResends),
          '–',
        ],
        ['lost events (tracked, never delivered)', fmt.int(lost.length), '–'],
        [
          'contacts not in their final state',
          `${fmt.int(wrongContacts)} of ${fmt.int(USERS)}`,
          '–',
        ],
        ['429 answers from Loops', fmt.int(tooMany), '–'],
        [
          're-sent messages the relay accepted without a Loops call (messageId still queued or delivered within 24 h)',
          fmt.int(relaySkipped),
          '–',
        ],
        ['relay retries / dead letters', `${fmt.int(relayRetried)} / ${fmt.int(relayDead)}`, '–'],
        [
          `time to deliver at ${RATE} requests/s`,
          `${fmt.num(loopsCalls.length / RATE, 0)} s of Loops calls`,
          `${fmt.num(vendorCalls / RATE, 0)} s`,
        ],
        [
          "time to deliver at Loops' 10 requests/s",
          `${fmt.num(loopsCalls.length / 10, 0)} s`,
          `${fmt.num(vendorCalls / 10, 0)} s`,
        ],
      ],
    ),
    '',
    `Drain: ${fmt.num(drain.overall)} requests/s over ${fmt.num(drain.seconds)} s from the first to the last Loops call; median whole second ${fmt.num(drain.medianSecond, 0)}, busiest ${fmt.num(drain.maxSecond, 0)} (limit ${RATE}) → median ${fmt.pct(drain.medianSecond / RATE)} of the limit. The overall figure includes the start, while the first page loads arrive slower than the limit, and the tail.`,
    '',
    `Budgets: at most ${BUDGET_PER_1000} Loops calls per 1,000 SDK calls ${verdict(per1000(loopsCalls.length) <= BUDGET_PER_1000)} (${fmt.num(per1000(loopsCalls.length))}; with ${fmt.int(sdkCalls.track)} of the ${fmt.int(sdkCalls.total)} SDK calls tracks, each a unique event and its own \`events/send\`, no relay can go below ${fmt.num(per1000(floor))} on this workload); no more than one Loops call per real contact change and per unique event ${verdict(callsMet)} (${fmt.int(contactCalls.length)} contact calls for ${fmt.int(idealContacts)} changes, the rest folded into events; ${fmt.int(eventCalls.length)} event calls for ${fmt.int(sdkCalls.track)} events; ${fmt.int(contactResends)} contact calls repeating an accepted payload and ${fmt.int(status(eventCalls, 409))} event re-sends answered 409, against ${fmt.int(stats.failedAfter)} injected lost answers, whose re-sent messages the relay skipped ${fmt.int(relaySkipped)} times; ${fmt.int(duplicates)} duplicates, ${fmt.int(lost.length)} lost, ${fmt.int(wrongContacts)} contacts not in their final state); zero 429s while draining at >= 95 % of the limit ${verdict(drainMet)} (${fmt.int(tooMany)} × 429, median ${fmt.pct(drain.medianSecond / RATE)}).`,
  ].join('\n')
}
