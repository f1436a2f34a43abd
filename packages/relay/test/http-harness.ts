// Shared by the HTTP, policy and CLI tests: a real Loops emulator on an ephemeral loopback port,
// a relay made with createRelay (in-process, or served over real HTTP), and a bounded poll.
// Everything started here is stopped after each test file.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
// The emulator's sources (not its dist), so these tests never need a build of it.
import { type EmulatorOptions, startEmulator } from '../../loops-emulator/src/index.js'
import type { LogLine } from '../src/log'
import { createRelay, type Relay, type RelayOptions } from '../src/relay'
import { serveRelay } from '../src/serve'
import { emulatorClient, TEST_PROPERTIES } from './emulator-client'

const cleanups: Array<() => Promise<void> | void> = []
export const onCleanup = (fn: () => Promise<void> | void) => cleanups.push(fn)
afterAll(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

export type { EmuRequestRecord as EmuRequest } from './emulator-client'

export async function emulator(options: EmulatorOptions = {}) {
  const emu = await startEmulator({ rateLimit: 0, properties: TEST_PROPERTIES, ...options })
  onCleanup(() => emu.close())
  return emulatorClient(emu)
}

export type TestEmulator = Awaited<ReturnType<typeof emulator>>

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'relay-http-'))
  onCleanup(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A relay in direct mode against the emulator, with its log lines captured. */
export function relayFor(emu: TestEmulator, options: RelayOptions = {}) {
  const logs: LogLine[] = []
  const relay = createRelay({
    loopsApiUrl: emu.apiUrl,
    loopsApiKey: 'test_key_for_relay',
    mode: 'direct',
    logSink: (line) => logs.push(line),
    env: {}, // hermetic: nothing from the test runner's environment
    ...options,
  })
  onCleanup(() => relay.stop())
  return { relay, logs }
}

/** hono-style in-process request (`app.request()`): no socket, just the fetch handler. */
export function request(relay: Relay, path: string, init: RequestInit = {}): Promise<Response> {
  return relay.fetch(new Request(`http://relay.test${path}`, init))
}

/** Serves the relay on an ephemeral loopback port: the policy tests go over real HTTP. */
export async function served(relay: Relay) {
  const server = await serveRelay(relay, { port: 0, host: '127.0.0.1' })
  onCleanup(() => server.close())
  return server
}

export const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

export const contact = (messageId: string, fields: Record<string, unknown> = {}) => ({
  type: 'contact',
  messageId,
  email: `${messageId}@example.com`,
  ...fields,
})

export const event = (messageId: string, fields: Record<string, unknown> = {}) => ({
  type: 'event',
  messageId,
  email: `${messageId}@example.com`,
  eventName: 'Signup',
  ...fields,
})

/** Polls `check` until it is true or the deadline passes (conditions, not fixed sleeps). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what = 'condition',
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`${what} not met within ${timeoutMs} ms`)
}
