// A relay on another origin, as most apps deploy it (app.example.com → relay.example.com): a
// plain HTTP proxy on `localhost` in front of the example server (`127.0.0.1`). It records the
// method of every request (so a test can see CORS preflights, which Playwright does not report)
// and can answer the next batches itself with 503 + Retry-After, CORS headers included, the way
// the relay does.
import { createServer, request as forward, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ProxiedRequest {
  method: string
  path: string
  contentType: string
  body: string
}

export class CountingProxy {
  readonly requests: ProxiedRequest[] = []
  private refuseNext = 0

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  /** Listens on an ephemeral `localhost` port and forwards everything to `target`. */
  static async start(target: string): Promise<CountingProxy> {
    const to = new URL(target)
    let proxy: CountingProxy | undefined
    const server = createServer((req, res) => {
      void readBody(req).then((body) => {
        const p = proxy as CountingProxy
        p.requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          contentType: req.headers['content-type'] ?? '',
          body,
        })
        if (req.method === 'POST' && p.refuseNext > 0) {
          p.refuseNext--
          res.writeHead(503, {
            'access-control-allow-origin': req.headers.origin ?? '*',
            'access-control-expose-headers': 'Retry-After',
            'retry-after': '120',
            'content-type': 'application/json',
          })
          return res.end('{"error":"relay restarting"}')
        }
        const out = forward(
          {
            host: to.hostname,
            port: to.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: to.host },
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers)
            answer.pipe(res)
          },
        )
        out.on('error', () => {
          res.writeHead(502)
          res.end()
        })
        out.end(body)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve))
    const { port } = server.address() as AddressInfo
    proxy = new CountingProxy(server, `http://localhost:${port}`)
    return proxy
  }

  /** Answer the next `n` POSTs with 503, Retry-After: 120 (the page keeps its messages). */
  refuse(n: number): void {
    this.refuseNext += n
  }

  methods(): string[] {
    return this.requests.map((r) => r.method)
  }

  /** POSTs whose body names this event. */
  posts(eventName: string): ProxiedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.body.includes(`"${eventName}"`))
  }

  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', () => resolve(''))
  })
}
