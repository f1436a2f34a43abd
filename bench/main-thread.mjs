// 2. Main-thread cost in Chromium: N `track` calls per page, with the Loops plugin registered
// ('loops'), with a do-nothing destination ('noop': the host's own cost of any destination) and
// with none ('none'), for both SDKs; fresh browser context per run, arms interleaved, median of R
// runs. Measured per run:
// Budget (README, Performance): the plugin adds <= 10 % to the host's own call. A final profiled
// run of the 'loops' arm attributes self time to scripts by URL (plugin vs host) and lists the top
// functions, which is the profile the results quote when a budget is missed.
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { chromium } from '@playwright/test'
import { build } from 'esbuild'
import { segmentCdnSettings } from '../examples/vendor-stubs.mjs'
import { benchDir, installedVersion, outDir, paths, requireBuilt } from './lib/env.mjs'
import { summarizeProfile } from './lib/profile.mjs'
import { header, saveRaw } from './lib/report.mjs'
import { fmt, median, table, verdict } from './lib/stats.mjs'
import { startPageServer } from './main-thread/server.mjs'

const quick = process.argv.includes('--quick')
const RUNS = 3
/**
 * Two workloads. `burst` (section `main-thread`): 10,000 calls in bursts of 100, 50 ms apart
 * (Segment: each burst awaited) — a single synchronous loop of 10,000 calls makes both hosts' own
 * persisted queues grow without bound and their per-call cost quadratic (RudderStack writes its
 * whole queue to localStorage per call), which would measure the host's pathology rather than
 * the plugin; even so, RudderStack keeps the main thread ~95 % busy at this rate. `steady`
 * (section `main-thread-steady`): 2,000 calls at 100 per second (bursts of 10, 100 ms apart), a
 * rate both hosts sustain with the main thread mostly idle — still far above what a page makes —
 * so the per-call cost is measured without a backlog.
 */
export const SCENARIOS = {
  burst: { section: 'main-thread', n: quick ? 1000 : 10_000, burst: 100, gapMs: 50 },
  steady: { section: 'main-thread-steady', n: quick ? 400 : 2000, burst: 10, gapMs: 100 },
}
const ARMS = ['none', 'noop', 'loops']
const only = process.argv.find((a) => a.startsWith('--sdk='))?.split('=')[1]
const SDKS = only ? [only] : ['segment', 'rudder']
const BUDGET = 0.1
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
]

async function buildPages(dir) {
  mkdirSync(dir, { recursive: true })
  for (const sdk of ['segment', 'rudder']) {
    await build({
      entryPoints: [join(benchDir, 'main-thread', `${sdk}-page.js`)],
      absWorkingDir: benchDir,
      bundle: true,
      minify: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2020',
      outfile: join(dir, `${sdk}.js`),
      define: { 'process.env.NODE_ENV': '"production"' },
      logLevel: 'silent',
    })
  }
}

/**
 * Waits until `count()` reaches `target`; true then. False when it stopped growing for
 * `quietMs` (a queue that dropped calls) or after `timeoutMs`.
 */
async function waitForCount(count, target, { quietMs = 5000, timeoutMs = 180_000 } = {}) {
  let last = -1
  let since = Date.now()
  let reached = false
  await waitFor(() => {
    const c = count()
    if (c >= target) {
      reached = true
      return true
    }
    if (c !== last) {
      last = c
      since = Date.now()
    }
    return Date.now() - since > quietMs
  }, timeoutMs)
  return reached
}

/** Polls `check` every 50 ms until it returns true; false after `timeoutMs`. */
async function waitFor(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(50)
  }
  return false
}

async function taskMs(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics')
  const get = (name) => metrics.find((m) => m.name === name)?.value ?? 0
  return { task: get('TaskDuration') * 1000, script: get('ScriptDuration') * 1000 }
}

/** One page load + N calls in a fresh context. Returns the run's measurements. */
async function runOnce(
  browser,
  server,
  sdk,
  arm,
  { n: N, burst, gapMs },
  { profile = false } = {},
) {
  const context = await browser.newContext()
  const external = []
  // Nothing leaves the machine: any non-loopback request is answered locally with a 204
  // (localhost is the relay stand-in's origin).
  await context.route(
    (url) => url.hostname !== '127.0.0.1' && url.hostname !== 'localhost',
    (route) => {
      external.push(route.request().url())
      return route.fulfill({ status: 204, body: '' })
    },
  )
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (e) => errors.push(String(e)))
  page.on('crash', () => errors.push('renderer crashed'))
  try {
    await page.goto(`${server.origin}/${sdk}.html`)
    await page.evaluate((o) => window.bench.setup(o), {
      arm,
      origin: server.origin,
      relayOrigin: server.relayOrigin,
      n: N,
      settings: segmentCdnSettings(new URL(server.origin).host, 'bench'),
    })
    // let the identify made in setup (and the relay's first flush) go out before measuring
    await waitFor(() => server.counts.hostRequests > 0, 10_000)
    await sleep(1200)
    server.reset()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' })
    if (profile) {
      await cdp.send('Profiler.enable')
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
      await cdp.send('Profiler.start')
    }
    const before = await taskMs(cdp)
    const t0 = Date.now()
    const result = await page.evaluate((o) => window.bench.run(o), {
      n: N,
      mode: 'paced',
      burst,
      gapMs,
    })
    // Settled = the host's API got all N and, with the plugin, the relay got all N events (or
    // stopped receiving: a queue that dropped calls is reported through `relayEvents`).
    const hostDone = await waitForCount(() => server.counts.host, N)
    const settleMs = result.processedMs ?? Date.now() - t0
    const relayDone = arm !== 'loops' || (await waitForCount(() => server.counts.relayEvents, N))
    const after = await taskMs(cdp)
    const pluginErrors = await page.evaluate(() => window.benchErrors)
    let profileData = null
    if (profile) profileData = (await cdp.send('Profiler.stop')).profile
    return {
      issueMs: result.issueMs,
      settleMs,
      cpuMs: after.task - before.task,
      scriptMs: after.script - before.script,
      hostEvents: server.counts.host,
      hostDone,
      relayEvents: server.counts.relayEvents,
      relayRequests: server.counts.relayRequests,
      relayDone,
      external: external.length,
      errors,
      pluginErrors,
      dropped: pluginErrors.QueueOverflowError ?? 0,
      profileData,
    }
  } finally {
    await context.close()
  }
}

export async function runMainThread(scenario = SCENARIOS.burst) {
  requireBuilt('segmentCdn', 'rudderCdn')
  const dir = join(outDir, 'main-thread')
  await buildPages(dir)
  const server = await startPageServer({
    'segment.js': join(dir, 'segment.js'),
    'rudder.js': join(dir, 'rudder.js'),
    'plugin-segment.js': paths.segmentCdn,
    'plugin-rudder.js': paths.rudderCdn,
  })
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  })
  const chromiumVersion = browser.version()
  const failed = []
  const raw = { ...scenario, runs: RUNS, chromium: chromiumVersion, sdks: {}, failed }
  try {
    for (const sdk of SDKS) {
      const runs = Object.fromEntries(ARMS.map((a) => [a, []]))
      for (let r = 0; r < RUNS; r++) {
        // rotate the arm order so drift in machine load does not favour one arm
        const order = ARMS.map((_, i) => ARMS[(i + r) % ARMS.length])
        for (const arm of order) {
          let run
          try {
            run = await runOnce(browser, server, sdk, arm, scenario)
          } catch (error) {
            // a run whose page died is left out of the medians, and said so
            console.log(`  ${sdk} ${arm} run ${r + 1} failed: ${error.message.split('\n')[0]}`)
            failed.push(`${sdk} ${arm} run ${r + 1}: ${error.message.split('\n')[0]}`)
            continue
          }
          console.log(
            `  ${sdk} ${arm} run ${r + 1}: issue ${run.issueMs.toFixed(1)} ms, cpu ${run.cpuMs.toFixed(0)} ms, settle ${run.settleMs.toFixed(0)} ms, host ${run.hostEvents}, relay ${run.relayEvents}${run.errors.length ? `, errors: ${run.errors.join('; ')}` : ''}`,
          )
          runs[arm].push(run)
        }
      }
      const profiled = await runOnce(browser, server, sdk, 'loops', scenario, {
        profile: true,
      }).catch((error) => ({ profileData: null, error }))
      const med = (arm, key) => median(runs[arm].map((x) => x[key]))
      raw.sdks[sdk] = {
        runs: Object.fromEntries(
          ARMS.map((a) => [a, runs[a].map(({ profileData, ...rest }) => rest)]),
        ),
        median: Object.fromEntries(
          ARMS.map((a) => [
            a,
            {
              issueMs: med(a, 'issueMs'),
              cpuMs: med(a, 'cpuMs'),
              scriptMs: med(a, 'scriptMs'),
              settleMs: med(a, 'settleMs'),
              relayEvents: med(a, 'relayEvents'),
              relayRequests: med(a, 'relayRequests'),
              dropped: med(a, 'dropped'),
              hostEvents: med(a, 'hostEvents'),
            },
          ]),
        ),
        profile: profiled.profileData
          ? summarizeProfile(profiled.profileData, (url) => url.replace(server.origin, ''))
          : null,
      }
    }
  } finally {
    await browser.close()
    await server.close()
  }
  saveRaw(scenario.section, raw)
  return report(raw)
}

function report(raw) {
  const versions = {
    segment: `@segment/analytics-next ${installedVersion('@segment/analytics-next')}`,
    rudder: `@rudderstack/analytics-js ${installedVersion('@rudderstack/analytics-js')} (bundled)`,
  }
  const rows = []
  const verdicts = []
  for (const [sdk, d] of Object.entries(raw.sdks)) {
    const m = d.median
    const over = (key) => m.loops[key] / m.none[key] - 1
    for (const [key, label] of [
      ['issueMs', 'sync issue (performance.now)'],
      ['cpuMs', 'main-thread busy until delivered (TaskDuration)'],
      ['settleMs', 'wall time until the SDK queue settled'],
    ]) {
      rows.push([
        versions[sdk],
        label,
        fmt.num(m.none[key]),
        fmt.num(m.noop[key]),
        fmt.num(m.loops[key]),
        fmt.signedPct(over(key)),
        fmt.signedPct(m.loops[key] / m.noop[key] - 1),
        fmt.num((1000 * (m.loops[key] - m.none[key])) / raw.n, 2),
      ])
    }
    verdicts.push({
      sdk,
      issue: over('issueMs'),
      cpu: over('cpuMs'),
      relay: `${fmt.int(m.loops.relayEvents)} of ${fmt.int(raw.n)} events reached the relay stand-in in ${fmt.int(m.loops.relayRequests)} requests; the plugin's bounded queue dropped ${fmt.int(m.loops.dropped)} (QueueOverflowError, medians)`,
    })
  }
  const steady = raw.section === 'main-thread-steady'
  const lines = [
    steady ? '## 2b. Main-thread cost at a sustained rate' : '## 2. Main-thread cost',
    '',
    header(raw.section),
    `- browser: Chromium ${raw.chromium} (headless, /usr/bin/chromium) via Playwright`,
    `- ${fmt.int(raw.n)} \`track\` calls per page load in synchronous bursts of ${raw.burst} (${raw.gapMs} ms apart${steady ? `, at most ${fmt.int((1000 * raw.burst) / raw.gapMs)} calls per second` : ''}; Segment: each burst awaited), fresh browser context per run, median of ${raw.runs} runs per arm, arms interleaved`,
    '',
    "Arms: **none** = host SDK only; **noop** = a destination that does nothing (the host's own",
    "cost of having any destination); **loops** = the plugin's CDN build as shipped. Milliseconds",
    'for all N calls; "µs/call added" = (loops − none) / N.',
    '',
    table(
      [
        'SDK',
        'measure',
        'none',
        'noop',
        'loops',
        'loops vs none',
        'loops vs noop',
        'µs/call added',
      ],
      rows,
    ),
    '',
    `Budget (the plugin adds <= ${fmt.pct(BUDGET, 0)} to the host's own call):`,
    ...verdicts.map(
      (v) =>
        `- ${v.sdk}: synchronous call ${fmt.signedPct(v.issue)} ${verdict(v.issue <= BUDGET)}; total main-thread work ${fmt.signedPct(v.cpu)} ${verdict(v.cpu <= BUDGET)} (${v.relay})`,
    ),
    '',
  ]
  if (raw.failed.length > 0) {
    lines.push(`Runs left out (their page died): ${raw.failed.join('; ')}`, '')
  }
  for (const [sdk, d] of Object.entries(raw.sdks)) {
    if (!d.profile) continue
    const incl = new Map(d.profile.inclusiveByPlace)
    lines.push(
      `Profile of one 'loops' run, ${sdk} (CPU sampling at 200 µs over the calls and their delivery; ms; "with callees" counts native work such as JSON and localStorage for the script that called it):`,
      '',
      table(
        ['script', 'self ms', 'with callees ms'],
        d.profile.byPlace
          .slice(0, 8)
          .map(([u, ms]) => [`\`${u}\``, fmt.num(ms), fmt.num(incl.get(u) ?? Number.NaN)]),
      ),
      '',
      'Top functions by self time:',
      '',
      table(
        ['function', 'self ms'],
        d.profile.topFunctions.map(([f, ms]) => [`\`${f}\``, fmt.num(ms)]),
      ),
      '',
    )
  }
  return lines.join('\n')
}

// Allows `node bench/main-thread.mjs` on its own (used while developing the page scripts).
if (import.meta.url === `file://${process.argv[1]}` && existsSync(paths.segmentCdn)) {
  console.log(await runMainThread(process.argv.includes('--steady') ? SCENARIOS.steady : undefined))
}
