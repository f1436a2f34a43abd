// Local origin for the main-thread bench: serves the pages and scripts; the host SDKs' API and
// data plane are the examples' vendor stubs (examples/vendor-stubs.mjs), whose sink bodies are
// also counted here; and a relay stand-in that counts messages and answers like a queue-mode
// relay (202) without doing any work, so only the browser side is measured. The pages reach the
// relay stand-in as http://localhost:<port> and everything else as http://127.0.0.1:<port>.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createVendorStubs, rudderSourceConfig } from '../../examples/vendor-stubs.mjs'

const page = (script) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>bench</title></head><body>
<script src="/plugin-segment.js"></script><script src="/plugin-rudder.js"></script>
<script src="/${script}"></script></body></html>`

/** Rudder source config per arm: the examples' config, without its destination for 'none'. */
function rudderConfig(arm) {
  const config = rudderSourceConfig('bench-write-key', 'bench-destination')
  if (arm === 'none') config.source.destinations = []
  return config
}

/** files: { 'segment.js': path, 'rudder.js': path, 'plugin-segment.js': path, ... } */
export function startPageServer(files) {
  const counts = { host: 0, hostRequests: 0, relayEvents: 0, relayContacts: 0, relayRequests: 0 }
  const cache = new Map()
  const read = (name) => {
    if (!cache.has(name)) cache.set(name, readFileSync(files[name]))
    return cache.get(name)
  }
  const stubs = createVendorStubs()
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x')
    const chunks = []
    if (url.pathname.startsWith('/vendor/')) {
      // counted on the side: this listener sees the same chunks the stub's sink drains
      if (req.method === 'POST') {
        req.on('data', (c) => chunks.push(c))
        req.on('end', () => {
          counts.hostRequests++
          counts.host += countHostEvents(Buffer.concat(chunks).toString('utf8'))
        })
      }
      if (stubs.handle(req, res)) return
    }
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const path = url.pathname
      if (req.method === 'GET' && (path === '/segment.html' || path === '/rudder.html')) {
        res.writeHead(200, { 'content-type': 'text/html' })
        res.end(page(path.slice(1).replace('.html', '.js')))
      } else if (req.method === 'GET' && path.slice(1) in files) {
        res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' })
        res.end(read(path.slice(1)))
      } else if (req.method === 'GET' && path.startsWith('/rudder-config/')) {
        const arm = path.split('/')[2]
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify(rudderConfig(arm)))
      } else if (req.method === 'POST' && path === '/relay/v1/batch') {
        counts.relayRequests++
        let accepted = 0
        try {
          for (const m of JSON.parse(body).batch) {
            accepted++
            if (m.type === 'event') counts.relayEvents++
            else counts.relayContacts++
          }
        } catch {
          // counted as a request only
        }
        // its own origin (relayOrigin): CORS as a real relay answers it
        res.writeHead(202, {
          'content-type': 'application/json',
          'access-control-allow-origin': '*',
        })
        res.end(JSON.stringify({ accepted, rejected: [] }))
      } else if (req.method === 'OPTIONS') {
        res.writeHead(204)
        res.end()
      } else {
        res.writeHead(404)
        res.end()
      }
    })
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      resolve({
        origin: `http://127.0.0.1:${port}`,
        // The relay stand-in on another host name: its own origin and its own connections, as a
        // relay usually is (one origin would share Chromium's six connections per host with the
        // host SDK's API stub and queue the plugin's requests behind the host's).
        relayOrigin: `http://localhost:${port}`,
        counts,
        reset: () => {
          for (const k of Object.keys(counts)) counts[k] = 0
        },
        close: () =>
          new Promise((r) => {
            server.closeAllConnections()
            server.close(() => r())
          }),
      })
    })
  })
}

/** Track/identify events in a host SDK delivery: a batch body or a single event. */
function countHostEvents(body) {
  try {
    const json = JSON.parse(body)
    const list = Array.isArray(json.batch) ? json.batch : [json]
    return list.filter((e) => e.type === 'track' || e.event === 'Bench Event').length
  } catch {
    return 0
  }
}
