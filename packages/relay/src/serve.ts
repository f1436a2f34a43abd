// Serves a relay on Node's http server through @hono/node-server, passing the socket address so
// the per-client rate limit sees the real peer. Used by the CLI (and the tests); Node only.
//
// Timeouts: Node's defaults let one slow client hold a request for five minutes. Here the
// headers must arrive within 15 s and the whole request within 30 s (a batch is at most a
// few hundred KB); past that Node answers 408 and closes the connection.

import type { AddressInfo } from 'node:net'
import { type HttpBindings, serve } from '@hono/node-server'
import type { Relay } from './relay'

export const HEADERS_TIMEOUT_MS = 15_000
export const REQUEST_TIMEOUT_MS = 30_000

export interface ServeOptions {
  port: number
  host?: string
  /** Default 15 s. */
  headersTimeoutMs?: number
  /** Default 30 s. */
  requestTimeoutMs?: number
}

export interface ServedRelay {
  /** `http://host:port` with the real port (PORT=0 picks a free one). */
  url: string
  port: number
  /** Stops accepting connections and waits for open requests to finish. */
  close(): Promise<void>
}

export function serveRelay(
  relay: Pick<Relay, 'fetch'>,
  options: ServeOptions,
): Promise<ServedRelay> {
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS
  const headersTimeout = Math.min(options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, requestTimeout)
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: (request, env) =>
          relay.fetch(request, { clientIp: (env as HttpBindings).incoming.socket.remoteAddress }),
        port: options.port,
        ...(options.host ? { hostname: options.host } : {}),
        serverOptions: {
          headersTimeout,
          requestTimeout,
          // Node checks both timeouts on this interval (default 30 s, which would double them).
          connectionsCheckingInterval: Math.min(1000, headersTimeout),
        },
      },
      (info: AddressInfo) => {
        server.off('error', reject)
        resolve({
          url: `http://${displayHost(options.host ?? info.address)}:${info.port}`,
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done())
              // Idle keep-alive sockets would otherwise hold close() open.
              if ('closeIdleConnections' in server) server.closeIdleConnections()
            }),
        })
      },
    )
    server.once('error', reject)
  })
}

/** A wildcard address is not something to connect to; loopback is, on the same machine. */
function displayHost(address: string): string {
  if (address === '::' || address === '0.0.0.0' || address === '') return '127.0.0.1'
  return address.includes(':') ? `[${address}]` : address
}
