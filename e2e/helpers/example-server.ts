// Loads examples/server.mjs (written by the examples' author) and starts it. The module may not
// exist yet while the project is being built, so it is polled for, within a bound.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const EXAMPLE_SERVER = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'examples',
  'server.mjs',
)

export interface ExampleServerOptions {
  port: number
  loopsApiUrl: string
  loopsApiKey: string
  relayMode: 'direct' | 'queue'
  relayDataDir?: string
  /** RELAY_IDENTITY_SECRET of the relay; the server signs each page's user with it. */
  identitySecret?: string
  /** Passed to createRelay(); the e2e fixture sets `logSink` to keep the relay's log lines. */
  relayOptions?: Record<string, unknown>
}

export interface ExampleServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string
  close(): Promise<void>
}

export class ExampleServerError extends Error {
  override name = 'ExampleServerError'
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${message} (${path})`)
  }
}

type StartExampleServer = (options: ExampleServerOptions) => Promise<unknown>

async function waitForFile(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new ExampleServerError('example server module not found', path)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

function toExampleServer(value: unknown, path: string): ExampleServer {
  if (typeof value !== 'object' || value === null) {
    throw new ExampleServerError('startExampleServer() returned no server handle', path)
  }
  const handle = value as { url?: unknown; port?: unknown; close?: unknown }
  const close = handle.close
  if (typeof close !== 'function') {
    throw new ExampleServerError('the server handle has no close()', path)
  }
  let url: string | undefined
  if (typeof handle.url === 'string') url = handle.url.replace(/\/+$/, '')
  else if (typeof handle.port === 'number') url = `http://127.0.0.1:${handle.port}`
  if (!url) throw new ExampleServerError('the server handle has neither url nor port', path)
  return { url, close: async () => void (await close.call(value)) }
}

export async function startExample(options: ExampleServerOptions): Promise<ExampleServer> {
  await waitForFile(EXAMPLE_SERVER, 60_000)
  const mod = (await import(pathToFileURL(EXAMPLE_SERVER).href)) as {
    startExampleServer?: StartExampleServer
  }
  if (typeof mod.startExampleServer !== 'function') {
    throw new ExampleServerError('the module does not export startExampleServer()', EXAMPLE_SERVER)
  }
  return toExampleServer(await mod.startExampleServer(options), EXAMPLE_SERVER)
}
