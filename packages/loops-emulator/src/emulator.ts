import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { handleApi } from './api/handle.js'
import { DASHBOARD_HTML } from './dashboard.js'
import { type EmuRequest, type EmuResponse, jsonResponse } from './http.js'
import { handleInspect } from './inspect.js'
import { readNodeRequest, tooLarge, writeNodeResponse } from './node-io.js'
import { EmulatorState } from './state.js'
import type { EmulatorOptions } from './types.js'

export interface RunningEmulator {
  /** `http://host:port`, no trailing slash. */
  url: string
  /** `${url}/api`: the value for the relay's `LOOPS_API_URL`. */
  apiUrl: string
  port: number
  close(): Promise<void>
}

export interface Emulator {
  /** Node `http` request listener, to mount the emulator in an existing server. */
  handle(req: IncomingMessage, res: ServerResponse): void
  /** Web-standard handler for runtimes that speak `Request`/`Response`. */
  fetch(request: Request): Promise<Response>
  /** Serves on `port` (0 = ephemeral) and `host` (default 127.0.0.1). */
  listen(port?: number, host?: string): Promise<RunningEmulator>
  /** The live state, for in-process inspection (`contactList()`, `events()`, `reset()`, …). */
  readonly state: EmulatorState
}

export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const state = new EmulatorState(options)
  // Pending fault delays, so close() can cut them short instead of holding the process open.
  const timers = new Map<NodeJS.Timeout, () => void>()
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        resolve()
      }, ms)
      timers.set(timer, resolve)
    })

  async function route(req: EmuRequest): Promise<EmuResponse> {
    if (req.path === '/api' || req.path.startsWith('/api/')) return handleApi(state, req, sleep)
    if (req.path.startsWith('/_emulator/')) return handleInspect(state, req)
    if (req.path === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      return {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: DASHBOARD_HTML,
      }
    }
    return jsonResponse(404, { error: 'Not found' })
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    readNodeRequest(req).then(
      async (emuReq) => writeNodeResponse(res, emuReq ? await route(emuReq) : tooLarge()),
      (error: unknown) => {
        console.error('[loops-emulator] request failed:', error)
        writeNodeResponse(res, jsonResponse(500, { success: false, message: 'Internal error.' }))
      },
    )
  }

  async function fetchHandler(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const bodyText = await request.text()
    const headers: Record<string, string> = {}
    request.headers.forEach((value, name) => {
      headers[name] = value
    })
    const res = await route({
      method: request.method,
      path: url.pathname,
      query: url.search.slice(1),
      headers,
      bodyText,
    })
    return new Response(res.status === 204 ? null : res.body, {
      status: res.status,
      headers: res.headers,
    })
  }

  function listen(port = 0, host = '127.0.0.1'): Promise<RunningEmulator> {
    const server = createServer(handle)
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        const { port: bound } = server.address() as AddressInfo
        const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`
        resolve({
          url,
          apiUrl: `${url}/api`,
          port: bound,
          close: () =>
            new Promise<void>((done) => {
              for (const [timer, wake] of timers) {
                clearTimeout(timer)
                wake()
              }
              timers.clear()
              server.close(() => done())
              server.closeAllConnections()
            }),
        })
      })
    })
  }

  return { handle, fetch: fetchHandler, listen, state }
}

/** Creates and starts an emulator in one call (port 0 → ephemeral), for tests and the demo. */
export async function startEmulator(
  options: EmulatorOptions & { port?: number; host?: string } = {},
): Promise<RunningEmulator & { emulator: Emulator }> {
  const { port, host, ...rest } = options
  const emulator = createEmulator(rest)
  const running = await emulator.listen(port ?? 0, host ?? '127.0.0.1')
  return { ...running, emulator }
}
