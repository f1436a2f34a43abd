// What the relay's test harnesses (delivery-helpers.ts, http-harness.ts) start and stop: a real
// Loops emulator on an ephemeral loopback port and temp dirs, each stopped or removed by a
// cleanup list that runs (last in, first out) after each test or after the file, as the harness
// chooses; and a bounded poll.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// The emulator's sources (not its dist), so the tests never need a build of it.
import { type EmulatorOptions, startEmulator } from '../../../loops-emulator/src/index.js'
import { emulatorClient, TEST_PROPERTIES } from '../emulator-client'

export type Cleanup = () => Promise<void> | void

/** `afterEach` or `afterAll` from vitest. */
type Hook = (fn: () => Promise<void>) => void

export function testResources(after: Hook, tempPrefix: string) {
  const cleanups: Cleanup[] = []
  after(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.()
  })

  /** Runs `fn` at the harness's cleanup (LIFO), whatever the test's result. */
  const onCleanup = (fn: Cleanup): void => {
    cleanups.push(fn)
  }

  /** Emulator as realistic as Loops (TEST_PROPERTIES exist, others are dropped); no rate limit unless given. */
  async function emulator(options: EmulatorOptions = {}) {
    const emu = await startEmulator({ rateLimit: 0, properties: TEST_PROPERTIES, ...options })
    onCleanup(() => emu.close())
    return emulatorClient(emu)
  }

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), tempPrefix))
    onCleanup(() => rmSync(dir, { recursive: true, force: true }))
    return dir
  }

  return { onCleanup, emulator, tempDir }
}

/** Polls `check` until it is true or the deadline passes (conditions, not fixed sleeps). */
export async function pollUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`${what} not met within ${timeoutMs} ms`)
}
