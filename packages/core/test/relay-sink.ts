// Shared by the plugin tests (segment-plugin, rudder-plugin): one stand-in, next to core's own.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { BatchEnvelope, KeyValueStorage, WireMessage } from '../src/index'

/**
 * A real HTTP server on loopback that answers `POST /v1/batch` like the relay (200, everything
 * accepted) and records what core's queue sent. Not a mock of core: the queue posts to it.
 */
export interface RelaySink {
  url: string
  messages: WireMessage[]
  requests: Array<{ contentType: string | undefined; body: BatchEnvelope }>
  waitFor(predicate: (messages: WireMessage[]) => boolean, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

export async function startRelaySink(): Promise<RelaySink> {
  const messages: WireMessage[] = []
  const requests: RelaySink['requests'] = []
  const server: Server = createServer((req, res) => {
    void readBody(req).then((text) => {
      if (req.method !== 'POST' || req.url !== '/v1/batch') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}')
        return
      }
      const body = JSON.parse(text) as BatchEnvelope
      requests.push({ contentType: req.headers['content-type'], body })
      messages.push(...body.batch)
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ accepted: body.batch.length, rejected: [] }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    requests,
    async waitFor(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs
      while (!predicate(messages)) {
        if (Date.now() > deadline) {
          throw new Error(`relay sink: condition not met; got ${JSON.stringify(messages)}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      text += chunk
    })
    req.on('end', () => resolve(text))
  })
}

/** A fresh storage per test (shared between instances when a test wants a "reload"). */
export function memoryStorage(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => {
      data.set(key, value)
    },
    removeItem: (key) => {
      data.delete(key)
    },
  }
}

/** A URL where nothing listens: a port that was just free. */
export async function deadUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}
