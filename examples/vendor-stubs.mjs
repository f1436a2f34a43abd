// Local stand-ins for the two host SDKs' CDNs, config services and data planes, so the example
// pages (and the e2e tests) run with the real SDK builds and no internet.
//
// Mount: `const stubs = createVendorStubs(); if (stubs.handle(req, res)) return` in a node:http
// request listener. Every URL below is same-origin with the page; `${origin}` = the page origin.
//
// Segment (@segment/analytics-next, standalone/snippet build)
//   GET  /vendor/segment/analytics.js/v1/<writeKey>/analytics.min.js   dist/umd/standalone.js
//   GET  /vendor/segment/analytics-next/bundles/<chunk>.js              its lazy chunks
//   GET  /vendor/segment/v1/projects/<writeKey>/settings                CDN settings, no destinations
//   POST /vendor/segment/api/v1/<t|i|p|g|a|b|m…>                         tracking API sink → 200
//   Snippet page: `analytics._cdn = origin + '/vendor/segment'` before `analytics.load(writeKey)`,
//   and the snippet's script src `${analytics._cdn}/analytics.js/v1/${writeKey}/analytics.min.js`.
//   The standalone build then takes chunks and settings from `_cdn` (it reads `_cdn` from the
//   snippet's global), and the settings point `Segment.io`'s apiHost at this sink over http.
//   npm page: `AnalyticsBrowser.load({ writeKey, cdnURL: origin + '/vendor/segment' })`, or
//   inline `cdnSettings: segmentCdnSettings(location.host)` (no settings request at all).
//
// RudderStack (@rudderstack/analytics-js v3)
//   GET  /vendor/rudder/v3/modern/rsa.min.js (also /vendor/rudder/rsa.min.js, …/v3/legacy/…)
//        The npm package ships no CDN build and no remote plugins, so this is the package's
//        `dist/npm/<modern|legacy>/bundled/umd/index.js` (all plugins built in) wrapped to act
//        like the CDN file: it keeps the snippet's `window.rudderanalytics` buffer and runs
//        `new RudderAnalytics()`, which replays the buffered load/addCustomIntegration calls.
//   GET  /vendor/rudder/config/sourceConfig/?…   source config with one enabled
//        "Custom Device Mode" destination, id RUDDER_CUSTOM_DESTINATION_ID ('loops-custom-dest')
//   POST /vendor/rudder/dataplane/v1/<batch|track|identify|page…> and …/beacon/v1/batch → 200
//   Snippet page: `sdkBaseUrl = origin + '/vendor/rudder'` (the v3 snippet appends
//   `/v3/modern/rsa.min.js`), then
//   `rudderanalytics.load(writeKey, origin + '/vendor/rudder/dataplane', {
//      configUrl: origin + '/vendor/rudder/config', pluginsSDKBaseURL: origin + '/vendor/rudder/plugins',
//      destSDKBaseURL: origin + '/vendor/rudder/integrations', polyfillIfRequired: false })`
//   and `rudderanalytics.addCustomIntegration(RUDDER_CUSTOM_DESTINATION_ID, integration)`.
//   npm page: import from `@rudderstack/analytics-js/bundled` (the default entry loads its plugins
//   from the RudderStack CDN at run time, which does not exist here), same load options.
//   /vendor/rudder/plugins/* and /vendor/rudder/integrations/* answer 404: nothing should ask.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, normalize, sep } from 'node:path'

const require = createRequire(import.meta.url)

export const RUDDER_CUSTOM_DESTINATION_ID = 'loops-custom-dest'

/** Directory of an installed package (resolved from examples/, where both SDKs are deps). */
function packageDir(name) {
  // Neither package exports `./package.json`, so resolve its main entry and cut at its folder.
  const entry = require.resolve(name)
  const marker = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`
  const at = entry.lastIndexOf(marker)
  if (at < 0) throw new Error(`vendor-stubs: cannot locate the ${name} package folder`)
  return entry.slice(0, at + marker.length - 1)
}

/** Segment CDN settings without any cloud destination; `host` is `host:port` of this server. */
export function segmentCdnSettings(host, writeKey = 'loops-demo') {
  return {
    integrations: {
      'Segment.io': {
        apiKey: writeKey,
        apiHost: `${host}/vendor/segment/api/v1`,
        protocol: 'http',
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
    // sampleRate 0: no metrics requests to api.segment.io.
    metrics: { sampleRate: 0 },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  }
}

/** RudderStack source config whose only destination is a Custom Device Mode one. */
export function rudderSourceConfig(
  writeKey = 'loops-demo',
  destinationId = RUDDER_CUSTOM_DESTINATION_ID,
) {
  return {
    isHosted: false,
    source: {
      id: 'loops-demo-source',
      name: 'Loops demo source',
      writeKey,
      workspaceId: 'loops-demo-workspace',
      enabled: true,
      // Error and metrics reporting off: they would post to RudderStack's servers.
      config: { statsCollection: { errors: { enabled: false }, metrics: { enabled: false } } },
      destinations: [
        {
          id: destinationId,
          name: 'Loops (custom)',
          enabled: true,
          deleted: false,
          config: {
            connectionMode: 'device',
            useNativeSDK: true,
            eventFilteringOption: 'disable',
            whitelistedEvents: [],
            blacklistedEvents: [],
          },
          destinationDefinition: {
            name: 'CUSTOM_DEVICE_MODE',
            displayName: 'Custom Device Mode',
          },
        },
      ],
    },
  }
}

/** Wraps the bundled UMD so that it behaves like the CDN `rsa.min.js` with the v3 snippet. */
function rudderCdnScript(umdSource) {
  return [
    '(function () {',
    '  var preload = window.rudderanalytics',
    '  var exports = {}',
    '  var module = { exports: exports }',
    // Named `exports`/`module` parameters make the UMD take its CommonJS branch, so it does not
    // overwrite the snippet's buffer array on window.
    '  ;(function (exports, module, define) {',
    umdSource,
    '  }).call(window, exports, module, undefined)',
    '  if (preload !== undefined) window.rudderanalytics = preload',
    '  new exports.RudderAnalytics()',
    '})();',
  ].join('\n')
}

const JS = 'application/javascript; charset=utf-8'

function send(res, status, type, body, extra = {}) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...extra })
  res.end(body)
}

function sendJson(res, status, value) {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value))
}

/** Drains a request body (the sinks ignore it) and then answers. */
function sink(req, res, value) {
  req.resume()
  req.on('end', () => sendJson(res, 200, value))
  req.on('error', () => res.destroy())
}

/**
 * @param {{ segmentWriteKey?: string, rudderDestinationId?: string }} [options]
 * @returns {{ handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): boolean,
 *   hits: Map<string, number> }}
 */
export function createVendorStubs(options = {}) {
  const destinationId = options.rudderDestinationId ?? RUDDER_CUSTOM_DESTINATION_ID
  const segmentUmdDir = join(packageDir('@segment/analytics-next'), 'dist', 'umd')
  const rudderDir = packageDir('@rudderstack/analytics-js')
  const cache = new Map()
  // Counts per stub kind ('segment-settings', 'rudder-config', …): lets a test or the demo show
  // that the SDKs really went through these stand-ins.
  const hits = new Map()
  const hit = (kind) => hits.set(kind, (hits.get(kind) ?? 0) + 1)

  function cached(key, make) {
    if (!cache.has(key)) cache.set(key, make())
    return cache.get(key)
  }

  function rudderScript(build) {
    return cached(`rudder-${build}`, () =>
      rudderCdnScript(
        readFileSync(join(rudderDir, 'dist', 'npm', build, 'bundled', 'umd', 'index.js'), 'utf8'),
      ),
    )
  }

  function segmentFile(name) {
    // Only plain file names from dist/umd (no traversal, no source maps needed by the page).
    const file = normalize(join(segmentUmdDir, name))
    if (!file.startsWith(segmentUmdDir + sep) || name.includes('/')) return undefined
    try {
      return cached(`segment-${name}`, () => readFileSync(file))
    } catch {
      return undefined
    }
  }

  function handle(req, res) {
    const url = new URL(req.url ?? '/', 'http://stub.local')
    const path = url.pathname
    if (!path.startsWith('/vendor/')) return false
    const method = req.method ?? 'GET'
    const host = req.headers.host ?? 'localhost'

    if (path.startsWith('/vendor/segment/')) {
      const rest = path.slice('/vendor/segment'.length)
      if (method === 'POST' && rest.startsWith('/api/')) {
        hit('segment-api')
        sink(req, res, { success: true })
        return true
      }
      let m = /^\/analytics\.js\/v1\/[^/]+\/analytics(?:\.min)?\.js$/.exec(rest)
      if (m || rest === '/standalone.js') {
        hit('segment-script')
        send(res, 200, JS, segmentFile('standalone.js'))
        return true
      }
      m = /^\/analytics-next\/bundles\/([^/]+)$/.exec(rest)
      if (m?.[1]) {
        const body = segmentFile(m[1])
        if (body === undefined) send(res, 404, 'text/plain', 'not found')
        else send(res, 200, m[1].endsWith('.map') ? 'application/json' : JS, body)
        return true
      }
      m = /^\/v1\/projects\/([^/]+)\/settings$/.exec(rest)
      if (m?.[1]) {
        hit('segment-settings')
        sendJson(res, 200, segmentCdnSettings(host, decodeURIComponent(m[1])))
        return true
      }
      send(res, 404, 'text/plain', 'not found')
      return true
    }

    if (path.startsWith('/vendor/rudder/')) {
      const rest = path.slice('/vendor/rudder'.length)
      if (rest.startsWith('/dataplane/')) {
        if (method === 'OPTIONS') {
          send(res, 204, 'text/plain', '')
          return true
        }
        hit('rudder-dataplane')
        sink(req, res, {})
        return true
      }
      if (/^\/config\/sourceConfig\/?$/.test(rest)) {
        hit('rudder-config')
        sendJson(
          res,
          200,
          rudderSourceConfig(url.searchParams.get('writeKey') ?? 'loops-demo', destinationId),
        )
        return true
      }
      const m = /^(?:\/v3\/(modern|legacy))?\/rsa(?:\.min)?\.js$/.exec(rest)
      if (m) {
        hit('rudder-script')
        send(res, 200, JS, rudderScript(m[1] ?? 'modern'))
        return true
      }
      send(res, 404, 'text/plain', 'not found')
      return true
    }

    return false
  }

  return { handle, hits }
}
