// analytics-node (one process, many people) with the same plugin object: real SDK, the real relay
// served over HTTP on loopback, the Loops emulator behind it. Node has no `document`, so core
// keeps identity and traits per person of each call.
import { Analytics, type Plugin as NodePlugin } from '@segment/analytics-node'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator } from '../../loops-emulator/src/index'
import { createRelay, type Relay } from '../../relay/src/relay'
import { type ServedRelay, serveRelay } from '../../relay/src/serve'
import { emulatorClient } from '../../relay/test/emulator-client'
import { type LoopsDestination, loopsDestination, type WireMessage } from '../src/index'

type Emulator = ReturnType<typeof emulatorClient> & { close(): Promise<void> }

let emulator: Emulator
let relay: Relay
let served: ServedRelay
let analytics: Analytics
let loops: LoopsDestination
/** What the relay acknowledged to the plugin, in order. */
let sent: WireMessage[]

beforeEach(async () => {
  const emu = await startEmulator({ port: 0, rateLimit: 0, autoProperties: true })
  emulator = Object.assign(emulatorClient(emu), { close: () => emu.close() })
  relay = createRelay({
    loopsApiUrl: emulator.apiUrl,
    loopsApiKey: 'node-test-key',
    mode: 'direct',
    // Lists are denied unless listed; this test is about what the plugin sends per person.
    mailingListAllowlist: ['*'],
  })
  await relay.start()
  served = await serveRelay(relay, { port: 0, host: '127.0.0.1' })
  // `disable`: Segment's own delivery is off (nothing may leave the machine); plugins still run.
  analytics = new Analytics({ writeKey: 'node-test', disable: true, host: 'http://127.0.0.1:9' })
  sent = []
  loops = loopsDestination({
    relayUrl: served.url,
    flushInterval: 50,
    onDeliver: ({ messages }) => sent.push(...messages),
  })
  // The same object at run time; analytics-node's Plugin type names its own Context and
  // Analytics classes, so TypeScript needs the cast.
  await analytics.register(loops as unknown as NodePlugin)
})
afterEach(async () => {
  await analytics.closeAndFlush()
  await analytics.deregister(loops.name)
  await served.close()
  await relay.stop()
  await emulator.close()
})

/** Sends what the plugin queued and waits for the relay's answer (direct mode: after Loops). */
async function delivered(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 60)) // core writes its queue within 50 ms
  await loops.flush()
}

describe('@segment/analytics-node', () => {
  it("registers the same plugin object and sends Carol's event with Carol's email after Dave's identify", async () => {
    analytics.identify({ userId: 'carol', traits: { email: 'carol@example.com', plan: 'pro' } })
    analytics.identify({ userId: 'dave', traits: { email: 'dave@example.com', plan: 'free' } })
    analytics.track({ userId: 'carol', event: 'Carol Upgraded', properties: { seats: 3 } })
    analytics.track({ userId: 'dave', event: 'Dave Upgraded' })
    await delivered()

    const events = await emulator.events()
    const carol = events.find((e) => e.eventName === 'Carol Upgraded')
    const dave = events.find((e) => e.eventName === 'Dave Upgraded')
    expect(carol).toMatchObject({ email: 'carol@example.com', userId: 'carol' })
    expect(carol?.eventProperties).toEqual({ seats: 3 })
    expect(dave).toMatchObject({ email: 'dave@example.com', userId: 'dave' })
    const contacts = await emulator.contacts()
    expect(contacts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ email: 'carol@example.com', userId: 'carol', plan: 'pro' }),
        expect.objectContaining({ email: 'dave@example.com', userId: 'dave', plan: 'free' }),
      ]),
    )
  })

  it('dedupes identify per person', async () => {
    const lists = { mailingLists: { newsletter: true } }
    analytics.identify({ userId: 'carol', traits: { email: 'carol@example.com', ...lists } })
    analytics.identify({ userId: 'dave', traits: { email: 'dave@example.com', ...lists } })
    // Carol again, unchanged: in one shared record Dave's identify in between would have made it
    // look new; per person it is a repeat and is not sent.
    analytics.identify({ userId: 'carol', traits: { email: 'carol@example.com', ...lists } })
    analytics.identify({ userId: 'dave', traits: { email: 'dave@example.com', plan: 'pro' } })
    await delivered()

    expect(sent.map((m) => [m.userId, m.type === 'contact' ? m.mailingLists : m.type])).toEqual([
      ['carol', { newsletter: true }],
      ['dave', { newsletter: true }],
      ['dave', undefined],
    ])
    const contacts = await emulator.contacts()
    expect(contacts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userId: 'carol', mailingLists: { newsletter: true } }),
        expect.objectContaining({
          userId: 'dave',
          plan: 'pro',
          mailingLists: { newsletter: true },
        }),
      ]),
    )
  })
})
