// The npm way: `npm i @rudderstack/analytics-js @loops-cdp/rudder-plugin`, then add the Loops
// integration before load(). Bundled by ../build.mjs (esbuild) into dist/main.js.
// `/bundled` includes the SDK's plugins, so nothing is fetched from RudderStack's CDN.
import { loopsIntegration } from '@loops-cdp/rudder-plugin'
import { RudderAnalytics } from '@rudderstack/analytics-js/bundled'
import { createIdentity, createStatus, mountControls } from '../shared/ui.js'

const { relayUrl, origin, rudderWriteKey, rudderDestinationId } = window.LOOPS_EXAMPLE
const status = createStatus()
const identity = createIdentity()

const loops = loopsIntegration({
  relayUrl, // the relay mounted on this server at /loops
  // Identity verification: the hash this server signed for the signed-in user. In your app,
  // with the hash your server rendered into the page: userHash: () => hash
  userHash: identity.userHash,
  onDeliver: status.onDeliver,
  onError: status.onError,
})

const analytics = new RudderAnalytics()
// Before load(): RudderStack refuses an integration added once it has loaded, and a load that
// finishes quickly (a cached or inline source config) leaves no time after load().
// The id is the "Custom Device Mode" destination connected to this source.
analytics.addCustomIntegration(rudderDestinationId, loops)
analytics.load(rudderWriteKey, `${origin}/vendor/rudder/dataplane`, {
  configUrl: `${origin}/vendor/rudder/config`, // normally https://api.rudderstack.com
  pluginsSDKBaseURL: `${origin}/vendor/rudder/plugins`, // unused: the build has them all
  destSDKBaseURL: `${origin}/vendor/rudder/integrations`, // unused: no built-in destinations
  polyfillIfRequired: false,
})
analytics.page()

const sdk = {
  identify: (userId, traits) =>
    userId ? analytics.identify(userId, traits) : analytics.identify(traits),
  track: (name, properties) => analytics.track(name, properties),
  reset: () => analytics.reset(),
}
mountControls({ sdk, loops, status, identity })
