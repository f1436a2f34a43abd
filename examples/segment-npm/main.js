// The npm way: `npm i @segment/analytics-next @loops-cdp/segment-plugin`, then pass the Loops
// destination in `plugins`. Bundled by ../build.mjs (esbuild) into dist/main.js.
import { loopsDestination } from '@loops-cdp/segment-plugin'
import { AnalyticsBrowser } from '@segment/analytics-next'
import { createIdentity, createStatus, mountControls } from '../shared/ui.js'

const { relayUrl, origin, segmentWriteKey } = window.LOOPS_EXAMPLE
const status = createStatus()
const identity = createIdentity()

const loops = loopsDestination({
  relayUrl, // the relay mounted on this server at /loops
  // Identity verification: the hash this server signed for the signed-in user. In your app,
  // with the hash your server rendered into the page: userHash: () => hash
  userHash: identity.userHash,
  onDeliver: status.onDeliver,
  onError: status.onError,
})

// cdnURL: this demo serves Segment's settings locally (vendor-stubs.mjs), not cdn.segment.com.
const analytics = AnalyticsBrowser.load({
  writeKey: segmentWriteKey,
  cdnURL: `${origin}/vendor/segment`,
  plugins: [loops],
})
// Registering later works too: `await analytics.register(loopsDestination({ relayUrl }))`.
void analytics.page()

const sdk = {
  identify: (userId, traits) =>
    userId ? analytics.identify(userId, traits) : analytics.identify(traits),
  track: (name, properties) => analytics.track(name, properties),
  reset: () => analytics.reset(),
}
mountControls({ sdk, loops, status, identity })
window.analytics = analytics
