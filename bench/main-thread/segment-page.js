// Bench page for @segment/analytics-next (npm build bundled by esbuild, settings inline, no
// settings request). Arms: 'none' (host only), 'noop' (a destination plugin that does nothing: the host's
// own dispatch cost of any destination), 'loops' (the plugin's CDN build as shipped, loaded by
// its own <script> in every arm so a CPU profile can tell host and plugin apart by URL).
import { AnalyticsBrowser } from '@segment/analytics-next'

const noop = {
  name: 'Noop',
  type: 'destination',
  version: '1.0.0',
  isLoaded: () => true,
  load: () => Promise.resolve(),
  track: (ctx) => ctx,
  identify: (ctx) => ctx,
}

let analytics

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// what the plugin reports (e.g. QueueOverflowError when its bounded queue drops the oldest)
window.benchErrors = {}
const countError = (error) => {
  const count = error.dropped ?? 1
  window.benchErrors[error.name] = (window.benchErrors[error.name] ?? 0) + count
}

window.bench = {
  async setup({ arm, relayOrigin, n, settings }) {
    const plugins = []
    if (arm === 'noop') plugins.push(noop)
    if (arm === 'loops')
      plugins.push(
        // room for the whole burst (default 1,000), as the RudderStack page gives its host's queues
        window.LoopsSegment.loopsDestination({
          relayUrl: `${relayOrigin}/relay`,
          maxQueueSize: n + 100,
          onError: countError,
        }),
      )
    const [instance] = await AnalyticsBrowser.load(
      {
        writeKey: 'bench',
        plugins,
        // the examples' settings (examples/vendor-stubs.mjs segmentCdnSettings), passed in by
        // the driver: Segment.io posts to the local stub, default strategy (one request per
        // event; the 'batching' strategy re-measures its whole buffer with
        // encodeURI(JSON.stringify()) on every event, which is quadratic and would swamp every arm)
        cdnSettings: settings,
      },
      { disableClientPersistence: false },
    )
    analytics = instance
    await analytics.identify('bench-user-1', {
      email: 'bench-user-1@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      plan: 'pro',
    })
    return { ready: true }
  },

  // Issues n track calls: mode 'burst' = one synchronous loop; 'paced' = bursts of `burst`,
  // each awaited, then `gapMs` idle. Returns the synchronous issue time and the time until every call resolved.
  async run({ n, mode, burst, gapMs = 0 }) {
    const t0 = performance.now()
    let issueMs = 0
    if (mode === 'burst') {
      const pending = new Array(n)
      for (let i = 0; i < n; i++) {
        pending[i] = analytics.track('Bench Event', { index: i, plan: 'pro', amount: i % 100 })
      }
      issueMs = performance.now() - t0
      await Promise.all(pending)
    } else {
      for (let start = 0; start < n; start += burst) {
        const s = performance.now()
        const pending = []
        for (let i = start; i < Math.min(n, start + burst); i++) {
          pending.push(analytics.track('Bench Event', { index: i, plan: 'pro', amount: i % 100 }))
        }
        issueMs += performance.now() - s
        await Promise.all(pending)
        await sleep(gapMs)
      }
    }
    return { issueMs, processedMs: performance.now() - t0 }
  },
}
