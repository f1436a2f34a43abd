// Loopback sockets for the tests that need one: a port nothing listens on, a stand-in server
// closed after the test, and a raw client that sends a request and never finishes it.
import type { Server as HttpServer } from 'node:http'
import { connect, createServer, type Server as TcpServer } from 'node:net'

type OnCleanup = (fn: () => Promise<void> | void) => unknown

/** A loopback port that was free a moment ago: nothing listens there now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Listens on an ephemeral loopback port; closed (open connections too) by `onCleanup`. */
export async function listenOnLoopback(
  server: HttpServer | TcpServer,
  onCleanup: OnCleanup,
): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return (server.address() as { port: number }).port
}

/**
 * Writes `text` to the server and never the rest, then waits for the server to give up and
 * close the connection. Resolves with everything the server sent back.
 */
export function sendAndStall(
  url: { hostname: string; port: number },
  text: string,
  timeoutMs: number,
  onCleanup: OnCleanup,
): Promise<string> {
  const socket = connect(url.port, url.hostname)
  onCleanup(() => void socket.destroy())
  let received = ''
  socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk))
  socket.on('error', () => {})
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`connection not closed by the server within ${timeoutMs} ms`)),
      timeoutMs,
    )
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(received)
    })
    socket.write(text)
  })
}
