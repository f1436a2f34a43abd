// A relay on another origin, as most apps deploy it (app.example.com → relay.example.com): a
// plain HTTP proxy on `localhost` in front of the example server (`127.0.0.1`). It records the
// method of every request (so a test can see CORS preflights, which Playwright does not report)
// and can answer the next batches itself with 503 + Retry-After, CORS headers included, the way
// the relay does.
import {
  createServer,
  request as forward,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { closeServer, readBody } from './http'

export interface ProxiedRequest {
  method: string
  path: string
  contentType: string
  body: string
}

export class CountingProxy {
  readonly requests: ProxiedRequest[] = []
  /** `http://localhost:<port>`, set by start(). */
  origin = ''
  private refuseNext = 0
  private readonly server: Server

  private constructor(private readonly target: URL) {
    this.server = createServer((req, res) => void this.handle(req, res))
  }

  /** Listens on an ephemeral `localhost` port and forwards everything to `target`. */
  static async start(target: string): Promise<CountingProxy> {
    const proxy = new CountingProxy(new URL(target))
    await new Promise<void>((resolve) => proxy.server.listen(0, 'localhost', resolve))
    proxy.origin = `http://localhost:${(proxy.server.address() as AddressInfo).port}`
    return proxy
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    this.requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      contentType: req.headers['content-type'] ?? '',
      body,
    })
    if (req.method === 'POST' && this.refuseNext > 0) {
      this.refuseNext--
      res.writeHead(503, {
        'access-control-allow-origin': req.headers.origin ?? '*',
        'access-control-expose-headers': 'Retry-After',
        'retry-after': '120',
        'content-type': 'application/json',
      })
      res.end('{"error":"relay restarting"}')
      return
    }
    const out = forward(
      {
        host: this.target.hostname,
        port: this.target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: this.target.host },
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
    return closeServer(this.server)
  }
}
