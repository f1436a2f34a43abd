import { readFileSync } from 'node:fs'
import type { ContactMessage, EventMessage, LoopsCdpError } from '@loops-cdp/core'
import type { RSAEvent, RSALogger, RSAnalytics } from '@rudderstack/analytics-js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deadUrl, memoryStorage, type RelaySink, startRelaySink } from '../../core/test/relay-sink'
import { loopsIntegration, version } from '../src/index'
import { toCdpCall } from '../src/to-cdp-call'

type RudderEvent = RSAEvent['message']
let seq = 0
/**
 * An event shaped like RudderStack v3's RudderEventFactory output: `context.traits` carries the
 * persisted traits on every event, `userId` is '' for "no user", `event`/`properties` are null
 * where they do not apply.
 */
function message(fields: Pick<RudderEvent, 'type'> & Record<string, unknown>): RSAEvent {
  seq += 1
  return {
    message: {
      channel: 'web',
      anonymousId: 'anon-1',
      userId: '',
      messageId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      originalTimestamp: new Date().toISOString(),
      event: null,
      properties: null,
      integrations: { All: true },
      context: { traits: {}, library: { name: 'RudderLabs JavaScript SDK', version: '3.34.1' } },
      ...fields,
    } as unknown as RudderEvent,
  }
}
const ctx = (traits: Record<string, unknown>) => ({
  traits,
  library: { name: 'RudderLabs JavaScript SDK', version: '3.34.1' },
})
const identify = (userId: string, traits: Record<string, unknown>, extra = {}) =>
  message({ type: 'identify', userId, context: ctx(traits), ...extra })
const track = (
  name: string,
  userId: string,
  traits: Record<string, unknown>,
  properties: Record<string, unknown> = {},
  extra = {},
) => message({ type: 'track', event: name, userId, properties, context: ctx(traits), ...extra })

// What the SDK passes as the first two arguments; the integration does not use them.
const analytics = {} as RSAnalytics
const logger = {} as RSALogger

const events = (messages: readonly unknown[]) =>
  (messages as Array<ContactMessage | EventMessage>).filter(
    (m): m is EventMessage => m.type === 'event',
  )
const contacts = (messages: readonly unknown[]) =>
  (messages as Array<ContactMessage | EventMessage>).filter(
    (m): m is ContactMessage => m.type === 'contact',
  )

let sink: RelaySink
beforeEach(async () => {
  sink = await startRelaySink()
})
afterEach(async () => {
  await sink.close()
})

describe('toCdpCall', () => {
  it('takes identify traits from context.traits (RudderStack has no top-level traits there)', () => {
    const { message: m } = identify('u1', { email: 'a@b.co', plan: 'pro' })
    // The event itself (core reads only the fields CdpCall names), with three fields set.
    expect(toCdpCall(m)).toEqual({
      ...m,
      timestamp: m.originalTimestamp,
      userId: 'u1',
      traits: { email: 'a@b.co', plan: 'pro' },
    })
    expect(toCdpCall(m)).toMatchObject({
      type: 'identify',
      messageId: m.messageId,
      anonymousId: 'anon-1',
      context: m.context,
    })
  })

  it("turns RudderStack's '' and null into missing fields on track", () => {
    const { message: m } = track('Signup', '', { email: 'a@b.co' }, { plan: 'Pro' })
    const call = toCdpCall(m)
    expect(call.userId).toBeUndefined()
    expect(call.traits).toBeUndefined()
    expect(call.event).toBe('Signup')
    expect(call.properties).toEqual({ plan: 'Pro' })
    expect(call.context?.traits).toEqual({ email: 'a@b.co' })
  })
})

describe('loopsIntegration', () => {
  it('is a plain object of closures that addCustomIntegration accepts', () => {
    const integration = loopsIntegration({ relayUrl: sink.url }, { storage: memoryStorage() })
    expect(Object.getPrototypeOf(integration)).toBe(Object.prototype)
    // The SDK keeps own enumerable properties only (getSanitizedValue): every method must be one.
    const copy = { ...integration }
    for (const key of ['init', 'isReady', 'identify', 'track'] as const) {
      expect(typeof copy[key]).toBe('function')
    }
    expect(copy.isReady(analytics, logger)).toBe(true)
  })

  it('reports the version of its package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    expect(version).toBe(pkg.version)
  })

  it('sends identify as a contact and track as an event through the relay', async () => {
    const integration = loopsIntegration(
      { relayUrl: sink.url, flushInterval: 50 },
      { storage: memoryStorage() },
    )
    integration.init?.({} as never, analytics, logger)
    const traits = { email: 'a@b.co', firstName: 'Alex', plan: 'pro' }
    const id = identify('u1', traits)
    integration.identify?.(analytics, logger, id)
    integration.track?.(analytics, logger, track('Signup', 'u1', traits, { plan: 'Pro' }))
    await sink.waitFor((m) => events(m).length === 1 && contacts(m).length === 1)
    expect(contacts(sink.messages)[0]).toMatchObject({
      type: 'contact',
      messageId: id.message.messageId,
      userId: 'u1',
      email: 'a@b.co',
      properties: { firstName: 'Alex', plan: 'pro' },
    })
    expect(events(sink.messages)[0]).toMatchObject({
      type: 'event',
      userId: 'u1',
      email: 'a@b.co',
      eventName: 'Signup',
      eventProperties: { plan: 'Pro' },
      contactProperties: { firstName: 'Alex', plan: 'pro' },
    })
    expect(sink.requests[0]?.contentType).toMatch(/^text\/plain/)
  })

  it('honours integrations: { Loops: false } itself (RudderStack only knows "Custom Device Mode")', async () => {
    const integration = loopsIntegration(
      { relayUrl: sink.url, flushInterval: 50 },
      { storage: memoryStorage() },
    )
    const t = { email: 'a@b.co' }
    const send = (name: string, integrations: Record<string, unknown>) =>
      integration.track?.(analytics, logger, track(name, 'u1', t, {}, { integrations }))
    send('Off', { All: true, Loops: false })
    send('AllOff', { All: false })
    send('CustomOn', { All: false, 'Custom Device Mode': true })
    send('LoopsOn', { All: false, Loops: true })
    send('Default', { All: true })
    await sink.waitFor((m) => events(m).length >= 3)
    expect(events(sink.messages).map((m) => m.eventName)).toEqual([
      'CustomOn',
      'LoopsOn',
      'Default',
    ])
  })

  it('notices reset() from the events (RudderStack does not tell integrations)', async () => {
    const integration = loopsIntegration(
      { relayUrl: sink.url, flushInterval: 50 },
      { storage: memoryStorage() },
    )
    const t = { email: 'a@b.co', plan: 'pro' }
    integration.identify?.(analytics, logger, identify('u1', t))
    // After rudderanalytics.reset(): userId '' and no traits. Core must not reuse u1's identity.
    integration.track?.(analytics, logger, track('AfterReset', '', {}))
    integration.track?.(analytics, logger, track('Marker', '', {}, { email: 'c@d.co' }))
    await sink.waitFor((m) => events(m).some((e) => e.eventName === 'Marker'))
    const sent = events(sink.messages)
    expect(sent.map((e) => e.eventName)).toEqual(['Marker'])
    expect(sent[0]).toMatchObject({ email: 'c@d.co' })
    expect(sent[0]?.userId).toBeUndefined()
    expect(sent[0]?.contactProperties ?? {}).not.toHaveProperty('plan')
  })

  it('notices a reset that happened while the page was away (identity kept in storage)', async () => {
    const storage = memoryStorage()
    const first = loopsIntegration({ relayUrl: sink.url, flushInterval: 50 }, { storage })
    first.identify?.(analytics, logger, identify('u1', { email: 'a@b.co', plan: 'pro' }))
    await sink.waitFor((m) => contacts(m).length === 1)
    // Next page load: a new instance on the same storage sees an anonymous visitor.
    const second = loopsIntegration({ relayUrl: sink.url, flushInterval: 50 }, { storage })
    second.track?.(analytics, logger, track('AfterReset', '', {}))
    second.track?.(analytics, logger, track('Marker', 'u3', { email: 'e@f.co' }))
    await sink.waitFor((m) => events(m).some((e) => e.eventName === 'Marker'))
    expect(events(sink.messages).map((e) => e.eventName)).toEqual(['Marker'])
  })

  it('never throws into the SDK', async () => {
    const down = loopsIntegration(
      { relayUrl: await deadUrl(), flushInterval: 50 },
      { storage: memoryStorage() },
    )
    expect(() =>
      down.track?.(analytics, logger, track('Signup', 'u1', { email: 'a@b.co' })),
    ).not.toThrow()
    const loud = loopsIntegration(
      {
        relayUrl: sink.url,
        onError: () => {
          throw new Error('app bug')
        },
      },
      { storage: memoryStorage() },
    )
    expect(() =>
      loud.track?.(analytics, logger, track('a:b', 'u1', { email: 'a@b.co' })),
    ).not.toThrow()
    expect(() => loud.track?.(analytics, logger, { message: {} } as RSAEvent)).not.toThrow()
    expect(() => loud.identify?.(analytics, logger, {} as RSAEvent)).not.toThrow()
  })

  it('pending() counts the messages waiting for the relay (0 before init)', async () => {
    const integration = loopsIntegration(
      { relayUrl: sink.url, flushInterval: 60_000 },
      { storage: memoryStorage() },
    )
    expect(integration.pending()).toBe(0)
    integration.init?.({} as never, analytics, logger)
    integration.identify?.(analytics, logger, identify('u1', { email: 'a@b.co' }))
    integration.track?.(analytics, logger, track('Signup', 'u1', { email: 'a@b.co' }))
    expect(integration.pending()).toBe(2)
    await integration.flush()
    expect(integration.pending()).toBe(0)
    expect(sink.messages).toHaveLength(2)
  })

  it('reports invalid options through onError from hooks, and throws from init', () => {
    const errors: LoopsCdpError[] = []
    const integration = loopsIntegration(
      { relayUrl: '', onError: (e) => errors.push(e) },
      { storage: memoryStorage() },
    )
    integration.track?.(analytics, logger, track('Signup', 'u1', { email: 'a@b.co' }))
    expect(errors.length).toBe(1)
    // RudderStack catches this and lists the destination as failed to initialise.
    expect(() => integration.init?.({} as never, analytics, logger)).toThrow()
  })
})
