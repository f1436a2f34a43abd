// Bench page for @rudderstack/analytics-js v3 (npm "bundled" build: plugins included, no CDN),
// source config from the bench server. Arms: 'none' (host only), 'noop' (a custom device-mode
// integration that does nothing: the host's own cost of any device-mode destination),
// 'loops' (the plugin's CDN build as shipped, loaded by its own <script> in every arm).
import { RudderAnalytics } from '@rudderstack/analytics-js/bundled'

const noop = { isReady: () => true, track: () => {}, identify: () => {} }
let analytics

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// what the plugin reports (e.g. QueueOverflowError when its bounded queue drops the oldest)
window.benchErrors = {}
const countError = (error) => {
  const count = error.dropped ?? 1
  window.benchErrors[error.name] = (window.benchErrors[error.name] ?? 0) + count
}

window.bench = {
  setup({ arm, origin, relayOrigin, n }) {
    return new Promise((resolve) => {
      analytics = new RudderAnalytics()
      analytics.load('bench-write-key', `${origin}/vendor/rudder/dataplane`, {
        configUrl: `${origin}/rudder-config/${arm}`,
        logLevel: 'ERROR',
        polyfillIfRequired: false,
        // the in-memory queue feeding device-mode integrations keeps 100 events by default and
        // drops older ones: raised in every arm so a burst of n calls reaches the integration
        destinationsQueueOptions: { maxItems: n + 100 },
        // the data-plane queue likewise (default 100, oldest dropped), and batched, as a site
        // sending this many events would configure it; same in every arm
        queueOptions: {
          maxItems: n + 100,
          batch: { enabled: true, maxItems: 100, flushInterval: 500 },
        },
      })
      if (arm === 'noop') analytics.addCustomIntegration('bench-destination', noop)
      if (arm === 'loops') {
        analytics.addCustomIntegration(
          'bench-destination',
          // like RudderStack's own queues above: room for the whole burst (default 1,000)
          window.LoopsRudder.loopsIntegration({
            relayUrl: `${relayOrigin}/relay`,
            maxQueueSize: n + 100,
            onError: countError,
          }),
        )
      }
      analytics.ready(() => {
        analytics.identify('bench-user-1', {
          email: 'bench-user-1@example.com',
          firstName: 'Ada',
          lastName: 'Lovelace',
          plan: 'pro',
        })
        resolve({ ready: true })
      })
    })
  },

  // rudder's track() returns nothing: the page measures the synchronous issue time only; the
  // driver waits for the sinks (data plane + relay) to see every event.
  async run({ n, mode, burst, gapMs }) {
    const t0 = performance.now()
    let issueMs = 0
    if (mode === 'burst') {
      for (let i = 0; i < n; i++) {
        analytics.track('Bench Event', { index: i, plan: 'pro', amount: i % 100 })
      }
      issueMs = performance.now() - t0
    } else {
      for (let start = 0; start < n; start += burst) {
        const s = performance.now()
        for (let i = start; i < Math.min(n, start + burst); i++) {
          analytics.track('Bench Event', { index: i, plan: 'pro', amount: i % 100 })
        }
        issueMs += performance.now() - s
        await sleep(gapMs)
      }
    }
    return { issueMs, processedMs: null }
  },
}
