// Per-test fixtures: a real Loops emulator and the real example server (pages + relay) on
// ephemeral loopback ports, plus helpers that read what reached "Loops" and what went over the
// wire from the page. Everything started here is stopped when the test ends.
import { startEmulator } from '@loops-cdp/loops-emulator'
import { test as base, expect } from '@playwright/test'
import {
  type ExampleServer,
  type ExampleServerOptions,
  startExample,
} from './helpers/example-server'
import { LoopsInspector } from './helpers/loops'
import type { Variant } from './helpers/page'
import { WireLog } from './helpers/wire'

export type { Variant }
export { expect }

/** Distinctive so a leak is unmistakable: it must appear in nothing the page receives. */
export const LOOPS_API_KEY = 'e2e-secret-loops-key-7f3a9c1d5b2e4f60a8d1c3b5e7f9a0b2'

/** The relay verifies every identity in every test (the example server signs the page's user). */
export const IDENTITY_SECRET = 'e2e-identity-secret-4b9d2f7a1c6e8035'

export type RelayMode = 'direct' | 'queue'

export const VARIANTS: readonly Variant[] = [
  { name: 'segment script', sdk: 'segment', install: 'script', path: '/segment-script/' },
  { name: 'segment npm', sdk: 'segment', install: 'npm', path: '/segment-npm/' },
  { name: 'rudder script', sdk: 'rudder', install: 'script', path: '/rudder-script/' },
  { name: 'rudder npm', sdk: 'rudder', install: 'npm', path: '/rudder-npm/' },
]

interface Options {
  relayMode: RelayMode
  variant: Variant
  /** `''` runs the relay without identity verification (`undefined` means the default). */
  identitySecret: string
  /** More relay settings for a test (e.g. `{ createProperties: true }`). */
  relayConfig: Record<string, unknown>
}

/**
 * The example server (pages + relay) that a test can take down and bring back on the same
 * origin, so the pages' storage survives: a real "relay down".
 */
export class ManagedApp {
  private server: ExampleServer | undefined
  /** Fixed after the first start, so a restart keeps the origin (and the pages' storage). */
  port = 0
  url = ''

  constructor(private readonly options: ExampleServerOptions) {}

  async start(): Promise<void> {
    if (this.server) return
    this.server = await startExample({ ...this.options, port: this.port })
    this.url = this.server.url
    this.port = Number(new URL(this.url).port)
  }

  async stop(): Promise<void> {
    const server = this.server
    this.server = undefined
    await server?.close()
  }
}

interface Fixtures {
  loops: LoopsInspector
  app: ManagedApp
  /** Every relay batch and SDK call made by any page of this test's browser context. */
  wire: WireLog
  /** The relay's structured log lines (attached to the report when a test fails). */
  relayLog: Array<Record<string, unknown>>
}

export const test = base.extend<Options & Fixtures>({
  relayMode: ['direct', { option: true }],
  relayConfig: [{}, { option: true }],
  variant: [VARIANTS[0] as Variant, { option: true }],
  identitySecret: [IDENTITY_SECRET, { option: true }],

  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
  loops: async ({}, use) => {
    const emulator = await startEmulator({
      port: 0,
      apiKey: LOOPS_API_KEY,
      // Custom properties of the team; unknown ones are accepted but not stored, as in Loops.
      properties: [
        { key: 'plan', type: 'string' },
        { key: 'addressCity', type: 'string' },
      ],
    })
    try {
      await use(new LoopsInspector(emulator.url))
    } finally {
      await emulator.close()
    }
  },

  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
  relayLog: async ({}, use, testInfo) => {
    const lines: Array<Record<string, unknown>> = []
    await use(lines)
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('relay-log.jsonl', {
        body: lines.map((l) => JSON.stringify(l)).join('\n'),
        contentType: 'text/plain',
      })
    }
  },

  app: async ({ loops, relayMode, relayConfig, relayLog, identitySecret }, use, testInfo) => {
    const app = new ManagedApp({
      port: 0,
      loopsApiUrl: `${loops.url}/api`,
      loopsApiKey: LOOPS_API_KEY,
      relayMode,
      ...(identitySecret ? { identitySecret } : {}),
      // Each test its own SQLite queue: parallel relays must never drain each other's messages.
      relayDataDir: testInfo.outputPath('relay-data'),
      relayOptions: {
        ...relayConfig,
        logSink: (line: Record<string, unknown>) => relayLog.push(line),
      },
    })
    await app.start()
    try {
      await use(app)
    } finally {
      await app.stop()
    }
  },

  // Automatic, so every test also checks that nothing left the machine.
  wire: [
    async ({ context }, use) => {
      const wire = new WireLog()
      wire.attach(context)
      await use(wire)
      // Hermetic: the SDKs' CDN, settings, config and data-plane calls were all answered locally.
      expect(wire.external, 'requests that left the machine').toEqual([])
    },
    { auto: true },
  ],
})
