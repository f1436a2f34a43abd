// One node:http server for every example: the pages, our CDN builds, the bundled npm apps, the
// host SDK builds from node_modules plus local answers to the SDKs' own CDN/settings/data-plane
// calls under /vendor/* (vendor-stubs.mjs, so nothing leaves the machine), the relay mounted
// at /loops (relayUrl = `${origin}/loops`), and `/api/identity`, where this server — standing in
// for your app's server — signs the signed-in user's identity for the plugins' `userHash`.
//
//   import { startExampleServer } from './examples/server.mjs'
//   const { url, close } = await startExampleServer({ port: 8080, loopsApiUrl: 'http://127.0.0.1:4010/api' })
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { dirname, extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRelay, signIdentity } from '@loops-cdp/relay'

const here = dirname(fileURLToPath(import.meta.url))
const modules = join(here, 'node_modules')

/** The demo's identity secret (RELAY_IDENTITY_SECRET); never use a published value in production. */
export const DEMO_IDENTITY_SECRET = 'loops-cdp-demo-identity-secret-not-for-production'

/** The lists the example pages may change (the relay drops every other list). */
export const EXAMPLE_MAILING_LISTS = ['newsletter', 'product-updates']

/** Write keys of the example sources (any value works with the stubs). */
export const EXAMPLE_WRITE_KEYS = { segmentWriteKey: 'loops-demo', rudderWriteKey: 'loops-demo' }

// Fixed URL → file mounts. Directories are served below their prefix; nothing outside them.
const mounts = [
  ['/cdn/segment.js', join(modules, '@loops-cdp/segment-plugin/dist/cdn.global.js')],
  ['/cdn/rudder.js', join(modules, '@loops-cdp/rudder-plugin/dist/cdn.global.js')],
  ['/', `${here}${sep}`],
]
// Folders of the examples package that must never be served.
const hidden = /^\/(node_modules|vendor-stubs\.mjs|server\.mjs|build\.mjs|package\.json)/

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
}

/**
 * @param {{ port?: number, host?: string, loopsApiUrl: string, loopsApiKey?: string,
 *   relayMode?: 'direct' | 'queue', relayDataDir?: string, dashboardUrl?: string,
 *   identitySecret?: string, mailingListAllowlist?: string[],
 *   relayOptions?: Record<string, unknown>,
 *   vendorStubs?: { handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): boolean } }} options
 * @returns {Promise<{ url: string, relayUrl: string, close(): Promise<void> }>}
 */
export async function startExampleServer(options) {
  const { port = 0, host = '127.0.0.1', loopsApiUrl, loopsApiKey, identitySecret } = options
  const vendor = await loadVendorStubs()
  const stubs = options.vendorStubs ?? vendor.createVendorStubs()
  const ids = { ...EXAMPLE_WRITE_KEYS, rudderDestinationId: vendor.RUDDER_CUSTOM_DESTINATION_ID }
  /** @type {import('@loops-cdp/relay').Relay | undefined} */
  let relay
  let origin = ''

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      console.error('[examples] request failed:', error instanceof Error ? error.message : error)
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end('{"error":"internal error"}')
    })
  })

  async function handle(req, res) {
    const path = new URL(req.url ?? '/', origin).pathname
    if (path === '/loops' || path.startsWith('/loops/')) return relayTo(req, res)
    if (stubs.handle(req, res)) return
    if (path === '/config.js') {
      const config = {
        relayUrl: `${origin}/loops`,
        origin,
        dashboardUrl: dashboard(),
        // The pages get each signed-in user's userHash from here (see identityFor).
        identityUrl: identitySecret ? `${origin}/api/identity` : null,
        ...ids,
      }
      return send(res, 200, types['.js'], `window.LOOPS_EXAMPLE = ${JSON.stringify(config)}\n`)
    }
    if (path === '/api/identity') return identityFor(req, res)
    if (path === '/favicon.ico') return send(res, 204, 'image/x-icon', '')
    return serveFile(res, path)
  }

  // The relay speaks web-standard Request/Response; this is the whole Node adapter.
  async function relayTo(req, res) {
    const chunks = []
    for await (const chunk of req) chunks.push(chunk)
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(name, value)
      else if (Array.isArray(value)) for (const v of value) headers.append(name, v)
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
    const request = new Request(new URL(req.url ?? '/', origin), {
      method: req.method,
      headers,
      body: hasBody ? Buffer.concat(chunks) : undefined,
    })
    if (!relay) return send(res, 503, 'application/json', '{"error":"relay not ready"}')
    const response = await relay.fetch(request, { clientIp: req.socket.remoteAddress })
    res.writeHead(response.status, Object.fromEntries(response.headers))
    res.end(Buffer.from(await response.arrayBuffer()))
  }

  // Your app's server does this for the user of the session, once per page (one HMAC), and puts
  // the hash in the page: `userHash: () => hash`. This demo has no logins, so the page says whom
  // it signs in as (the form's user id and email); never sign what a visitor asks for in a real
  // app — that would let anyone write to anyone's contact again.
  async function identityFor(req, res) {
    if (!identitySecret)
      return send(res, 404, 'application/json', '{"error":"verification is off"}')
    const query = new URL(req.url ?? '/', origin).searchParams
    const userId = query.get('userId') || undefined
    const email = query.get('email') || undefined
    if (!userId && !email) return send(res, 400, 'application/json', '{"error":"userId or email"}')
    const userHash = await signIdentity(identitySecret, { userId, email })
    return send(res, 200, 'application/json', JSON.stringify({ userId, email, userHash }))
  }

  function dashboard() {
    if (options.dashboardUrl) return options.dashboardUrl
    const api = new URL(loopsApiUrl)
    return /^(127\.|localhost$|\[::1\]$)/.test(api.hostname) ? `${api.origin}/` : ''
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve(undefined))
  })
  const address = /** @type {import('node:net').AddressInfo} */ (server.address())
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`
  try {
    relay = createRelay({
      loopsApiUrl,
      loopsApiKey,
      mode: options.relayMode ?? 'direct',
      ...(options.relayDataDir ? { dataDir: options.relayDataDir } : {}),
      // Pages are same-origin, but browsers still send Origin on POST: allow both spellings.
      allowedOrigins: [origin, `http://localhost:${address.port}`],
      basePath: '/loops',
      ...(identitySecret ? { identitySecret } : {}),
      mailingListAllowlist: options.mailingListAllowlist ?? EXAMPLE_MAILING_LISTS,
      ...(options.relayOptions ?? {}),
    })
    await relay.start()
  } catch (error) {
    await new Promise((resolve) => server.close(resolve))
    throw error
  }

  return {
    url: origin,
    relayUrl: `${origin}/loops`,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await relay?.stop()
    },
  }
}

/** vendor-stubs.mjs (written with the e2e tests) answers the SDKs' CDN/settings/data-plane calls. */
async function loadVendorStubs() {
  const file = join(here, 'vendor-stubs.mjs')
  if (!existsSync(file)) {
    throw new Error('examples/vendor-stubs.mjs is missing: the SDKs would call their real CDNs')
  }
  return import('./vendor-stubs.mjs')
}

async function serveFile(res, path) {
  for (const [prefix, target] of mounts) {
    if (prefix.endsWith('/') ? !path.startsWith(prefix) : path !== prefix) continue
    if (prefix === '/' && hidden.test(path)) break
    let file = prefix.endsWith('/') ? normalize(join(target, path.slice(prefix.length))) : target
    if (!file.startsWith(target)) break // ../ escapes
    if (file.endsWith(sep)) file = join(file, 'index.html')
    try {
      return send(
        res,
        200,
        types[extname(file)] ?? 'application/octet-stream',
        await readFile(file),
      )
    } catch (error) {
      if (error?.code === 'EISDIR') return redirect(res, `${path}/`)
      if (error?.code !== 'ENOENT') throw error
      break
    }
  }
  send(res, 404, 'application/json', '{"error":"not found"}')
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
  res.end(body)
}

function redirect(res, location) {
  res.writeHead(301, { location })
  res.end()
}
