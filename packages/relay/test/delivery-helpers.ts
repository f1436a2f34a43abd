// Shared by the delivery tests: a real Loops emulator on an ephemeral loopback port, temp data
// dirs, message factories and a bounded poll. Everything started here is stopped after each test.
import type { WireMessage } from '@loops-cdp/core/protocol'
import { afterEach } from 'vitest'
import type { EmuRequestRecord } from './emulator-client'
import { pollUntil, testResources } from './helpers/test-resources'

export type { EmuContact, EmuEventRecord, EmuRequestRecord } from './emulator-client'

const resources = testResources(afterEach, 'relay-delivery-')

/** Runs `fn` after the current test (LIFO), whatever its result. */
export const onCleanup = resources.onCleanup
export const emulator = resources.emulator
export const tempDir = resources.tempDir

export type TestEmulator = Awaited<ReturnType<typeof emulator>>

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
export const waitFor = (
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> => pollUntil(check, timeoutMs, what)

/** API calls that reached Loops' routes (injected faults excluded). */
export const apiCalls = (requests: EmuRequestRecord[], path: string) =>
  requests.filter((r) => r.path === `/api/v1/${path}` && !r.fault)
