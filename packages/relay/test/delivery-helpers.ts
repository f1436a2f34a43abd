// Shared by the delivery tests: a real Loops emulator on an ephemeral loopback port, temp data
// dirs, message factories and a bounded poll. Everything started here is stopped after each test.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { WireMessage } from '@loops-cdp/core/protocol'
import { afterEach } from 'vitest'
// The emulator's sources (not its dist), so the tests never need a build of it.
import { type EmulatorOptions, startEmulator } from '../../loops-emulator/src/index.js'
import { type EmuRequestRecord, emulatorClient, TEST_PROPERTIES } from './emulator-client'

export type { EmuContact, EmuEventRecord, EmuRequestRecord } from './emulator-client'

const cleanups: Array<() => Promise<void> | void> = []

/** Runs `fn` after the current test (LIFO), whatever its result. */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn)
}

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

/** Emulator as realistic as Loops (TEST_PROPERTIES exist, others are dropped); no rate limit unless given. */
export async function emulator(options: EmulatorOptions = {}) {
  const emu = await startEmulator({ rateLimit: 0, properties: TEST_PROPERTIES, ...options })
  onCleanup(() => emu.close())
  return emulatorClient(emu)
}

export type TestEmulator = Awaited<ReturnType<typeof emulator>>

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'relay-delivery-'))
  onCleanup(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export const contact = (
  messageId: string,
  email: string,
  properties: Record<string, string | number | boolean | null> = {},
  extra: Partial<Extract<WireMessage, { type: 'contact' }>> = {},
): WireMessage => ({ type: 'contact', messageId, email, properties, ...extra })

export const event = (
  messageId: string,
  email: string,
  eventName = 'Signup',
  eventProperties: Record<string, string | number | boolean> = {},
): WireMessage => ({ type: 'event', messageId, email, eventName, eventProperties })

/** The shape `DeliveryMode.submit` takes. */
export const items = (messages: WireMessage[]) =>
  messages.map((message, index) => ({ index, message }))

/** Polls `check` until it is true or the deadline passes (conditions, not fixed sleeps). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`${what} not met within ${timeoutMs} ms`)
}

/** API calls that reached Loops' routes (injected faults excluded). */
export const apiCalls = (requests: EmuRequestRecord[], path: string) =>
  requests.filter((r) => r.path === `/api/v1/${path}` && !r.fault)
