// Shared by the delivery tests: a real Loops emulator on an ephemeral loopback port, temp data
// dirs, message factories and a bounded poll. Everything started here is stopped after each test.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { WireMessage } from '@loops-cdp/core/protocol'
import { afterEach } from 'vitest'
// The emulator's sources (not its dist), so the tests never need a build of it.
import { type EmulatorOptions, startEmulator } from '../../loops-emulator/src/index.js'

export interface EmuRequestRecord {
  method: string
  path: string
  status: number
  headers: Record<string, string>
  body: unknown
  fault: boolean
}

export interface EmuEventRecord {
  eventName: string
  email: string | null
  userId: string | null
  eventProperties: Record<string, unknown>
  idempotencyKey: string | null
}

export type EmuContact = Record<string, unknown> & { email: string | null; userId: string | null }

const cleanups: Array<() => Promise<void> | void> = []

/** Runs `fn` after the current test (LIFO), whatever its result. */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn)
}

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

/** Emulator with custom properties stored (`autoProperties`) and, unless given, no rate limit. */
export async function emulator(options: EmulatorOptions = {}) {
  const emu = await startEmulator({ rateLimit: 0, autoProperties: true, ...options })
  onCleanup(() => emu.close())
  const get = async <T>(name: string): Promise<T> => {
    const res = await fetch(`${emu.url}/_emulator/${name}`)
    return (await res.json()) as T
  }
  return {
    url: emu.url,
    apiUrl: `${emu.url}/api`,
    contacts: () => get<EmuContact[]>('contacts'),
    events: () => get<EmuEventRecord[]>('events'),
    requests: () => get<EmuRequestRecord[]>('requests'),
    /** Fault rules not used up yet, with how many uses each has left. */
    faults: () => get<Array<{ remaining: number }>>('faults'),
    async fault(rule: {
      status?: number
      times: number
      path?: string
      delayMs?: number
      body?: string
    }) {
      const res = await fetch(`${emu.url}/_emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(rule),
      })
      if (res.status !== 200) throw new Error(`fault rule refused: ${await res.text()}`)
    },
  }
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
