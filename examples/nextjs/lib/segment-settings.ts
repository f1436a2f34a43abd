// What cdn.segment.com would answer for a write key: this example's stand-in, so the demo and its
// test run with no Segment account and no internet. No cloud destinations; Segment's own API
// (`Segment.io`) points at this app's /segment-api sink, and metrics are off (sampleRate 0).

export const DEMO_WRITE_KEY = 'loops-demo'

/** `origin` is this app's origin as the browser sees it, e.g. `http://127.0.0.1:3000`. */
export function localSegmentSettings(origin: string, writeKey: string) {
  const { host, protocol } = new URL(origin)
  return {
    integrations: {
      'Segment.io': {
        apiKey: writeKey,
        apiHost: `${host}/segment-api/v1`,
        protocol: protocol.replace(':', ''),
        unbundledIntegrations: [],
        addBundledMetadata: true,
        maybeBundledConfigIds: {},
        versionSettings: { version: '4.4.7', componentTypes: ['browser'] },
      },
    },
    plan: {
      track: { __default: { enabled: true, integrations: {} } },
      identify: { __default: { enabled: true } },
      group: { __default: { enabled: true } },
    },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    metrics: { sampleRate: 0 },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  }
}
