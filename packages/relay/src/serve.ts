// Serves a relay on Node's http server through @hono/node-server, passing the socket address so
// the per-client rate limit sees the real peer. Used by the CLI (and the tests); Node only.

import type { AddressInfo } from 'node:net'
import { type HttpBindings, serve } from '@hono/node-server'
import type { Relay } from './relay'

export interface ServedRelay {
  /** `http://host:port` with the real port (PORT=0 picks a free one). */
  url: string
  port: number
  /** Stops accepting connections and waits for open requests to finish. */
  close(): Promise<void>
}

export function serveRelay(
  relay: Pick<Relay, 'fetch'>,
  options: { port: number; host?: string },
): Promise<ServedRelay> {
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: (request, env) =>
          relay.fetch(request, { clientIp: (env as HttpBindings).incoming.socket.remoteAddress }),
        port: options.port,
        ...(options.host ? { hostname: options.host } : {}),
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
