// A Segment page with Segment's own consent wrapper (@segment/analytics-consent-tools) and a
// stand-in CMP: the visitor has not agreed to "Marketing" until window.consentPage.agree().
// Bundled by the consent spec with esbuild (the npm packages as an app's bundler would take them).
import { loopsDestination } from '@loops-cdp/segment-plugin'
import { createWrapper } from '@segment/analytics-consent-tools'
import { AnalyticsBrowser } from '@segment/analytics-next'

interface ExampleConfig {
  relayUrl: string
  origin: string
  segmentWriteKey: string
}
const { relayUrl, origin, segmentWriteKey } = (
  window as unknown as { LOOPS_EXAMPLE: ExampleConfig }
).LOOPS_EXAMPLE

let categories: Record<string, boolean> = { Marketing: false, Analytics: true }
let consentChanged: ((categories: Record<string, boolean>) => void) | undefined
const errors: string[] = []

const loops = loopsDestination({
  relayUrl,
  consentCategories: ['Marketing'],
  onError: (error) => errors.push(`${error.name}: ${error.message}`),
})
const analytics = new AnalyticsBrowser()
createWrapper({
  getCategories: () => categories,
  registerOnConsentChanged: (set) => {
    consentChanged = set
  },
  shouldLoadSegment: (ctx) => ctx.load({ consentModel: 'opt-in' }),
})(analytics)
void analytics.load({
  writeKey: segmentWriteKey,
  cdnURL: `${origin}/vendor/segment`,
  plugins: [loops],
})

Object.assign(window, {
  consentPage: {
    identify: (userId: string, traits: Record<string, unknown>) =>
      analytics.identify(userId, traits).then(() => undefined),
    track: (name: string) => analytics.track(name).then(() => undefined),
    /** The visitor agrees in the CMP, which tells the wrapper. */
    agree() {
      categories = { ...categories, Marketing: true }
      consentChanged?.(categories)
    },
    flush: () => loops.flush(),
    pending: () => loops.pending(),
    errors,
  },
})
document.documentElement.dataset.loopsReady = 'true'
