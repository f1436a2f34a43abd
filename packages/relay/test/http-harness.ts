// Shared by the HTTP, policy and CLI tests: a real Loops emulator on an ephemeral loopback port,
// a relay made with createRelay (in-process, or served over real HTTP), and a bounded poll.
// Everything started here is stopped after each test file.
import { afterAll } from 'vitest'
import type { LogLine } from '../src/log'
import { createRelay, type Relay, type RelayOptions } from '../src/relay'
import { serveRelay } from '../src/serve'
import { pollUntil, testResources } from './helpers/test-resources'

const resources = testResources(afterAll, 'relay-http-')
export const onCleanup = resources.onCleanup
export const emulator = resources.emulator
export const tempDir = resources.tempDir

export type { EmuRequestRecord as EmuRequest } from './emulator-client'

export type TestEmulator = Awaited<ReturnType<typeof emulator>>

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
export const waitFor = (
  check: () => boolean | Promise<boolean>,
  what = 'condition',
  timeoutMs = 10_000,
): Promise<void> => pollUntil(check, timeoutMs, what)
