import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import type { ContactMessage, EventMessage, LoopsCdpError } from '@loops-cdp/core'
import { type Analytics, Context, type SegmentEvent } from '@segment/analytics-next'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deadUrl, memoryStorage, type RelaySink, startRelaySink } from '../../core/test/relay-sink'
import { loopsDestination, version } from '../src/index'
import { toCdpCall } from '../src/to-cdp-call'

let seq = 0
/** An event shaped like the ones analytics-next's event factory builds. */
function event(fields: Partial<SegmentEvent> & Pick<SegmentEvent, 'type'>): Context {
  seq += 1
  return new Context({
    messageId: `ajs-next-${Date.now()}-${seq}`,
    timestamp: new Date(),
    anonymousId: 'anon-1',
    integrations: {},
    context: { page: { path: '/' }, library: { name: 'analytics.js', version: 'next-1.84.3' } },
    ...fields,
  })
}
const identify = (userId: string | null, traits: Record<string, unknown>, extra = {}) =>
  event({ type: 'identify', userId, traits, ...extra })
const track = (name: string, properties: Record<string, unknown> = {}, extra = {}) =>
  event({ type: 'track', event: name, properties, ...extra })

/** analytics-next's Analytics is an Emitter; load() only uses on/off from it. */
const host = () => new EventEmitter() as unknown as Analytics & EventEmitter

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
  it('passes the analytics-next event on as it is (core reads only the fields CdpCall names)', () => {
    const ctx = identify('u1', { email: 'a@b.co', plan: 'pro' })
    const call = toCdpCall(ctx)
    expect(call).toEqual({ ...ctx.event })
    expect(call).not.toBe(ctx.event) // a copy: core never writes into the host's event
    expect(call).toMatchObject({
      type: 'identify',
      messageId: ctx.event.messageId,
      timestamp: ctx.event.timestamp,
      userId: 'u1',
      anonymousId: 'anon-1',
      traits: { email: 'a@b.co', plan: 'pro' },
      context: ctx.event.context,
    })
  })

  it('keeps track fields and falls back to ctx.id when messageId is missing', () => {
    const ctx = new Context({ type: 'track', event: 'Signup', properties: { plan: 'Pro' } })
    const call = toCdpCall(ctx)
    expect(call.messageId).toBe(ctx.id)
    expect(call.event).toBe('Signup')
    expect(call.properties).toEqual({ plan: 'Pro' })
  })
})

describe('loopsDestination', () => {
  it('is a plain analytics-next destination plugin named Loops', async () => {
    const plugin = loopsDestination({ relayUrl: sink.url }, { storage: memoryStorage() })
    expect(Object.getPrototypeOf(plugin)).toBe(Object.prototype)
    expect(plugin).toMatchObject({ name: 'Loops', type: 'destination', version })
    expect(plugin.isLoaded()).toBe(false)
    await plugin.load(Context.system(), host())
    expect(plugin.isLoaded()).toBe(true)
    const page = event({ type: 'page', name: 'Home' })
    expect(await plugin.page?.(page)).toBe(page)
    expect(await plugin.group?.(event({ type: 'group', groupId: 'g' }))).toBeInstanceOf(Context)
    expect(await plugin.alias?.(event({ type: 'alias', previousId: 'p' }))).toBeInstanceOf(Context)
    await plugin.unload?.(Context.system(), host())
  })

  it('reports the version of its package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    expect(version).toBe(pkg.version)
  })

  it('sends identify as a contact and track as an event through the relay', async () => {
    const plugin = loopsDestination(
      { relayUrl: sink.url, flushInterval: 50 },
      { storage: memoryStorage() },
    )
    await plugin.load(Context.system(), host())
    const ctx = identify('u1', { email: 'a@b.co', firstName: 'Alex', plan: 'pro' })
    expect(await plugin.identify?.(ctx)).toBe(ctx)
    await plugin.track?.(track('Signup', { plan: 'Pro' }, { userId: 'u1' }))
    await sink.waitFor((m) => events(m).length === 1 && contacts(m).length === 1)

    expect(contacts(sink.messages)[0]).toMatchObject({
      type: 'contact',
      messageId: ctx.event.messageId,
      userId: 'u1',
      email: 'a@b.co',
      properties: { firstName: 'Alex', plan: 'pro' },
    })
    // analytics-next never puts traits on track; core's trait store fills in email and traits.
    expect(events(sink.messages)[0]).toMatchObject({
      type: 'event',
      userId: 'u1',
      email: 'a@b.co',
      eventName: 'Signup',
      eventProperties: { plan: 'Pro' },
      contactProperties: { firstName: 'Alex', plan: 'pro' },
    })
    expect(sink.requests[0]?.contentType).toMatch(/^text\/plain/)
    await plugin.unload?.(Context.system(), host())
  })

  it('honours integrations: { Loops: false } and { All: false }', async () => {
    const plugin = loopsDestination(
      { relayUrl: sink.url, flushInterval: 50 },
      { storage: memoryStorage() },
    )
    await plugin.load(Context.system(), host())
    await plugin.identify?.(identify('u1', { email: 'a@b.co' }))
    await plugin.track?.(track('Off', {}, { userId: 'u1', integrations: { Loops: false } }))
    await plugin.track?.(track('AllOff', {}, { userId: 'u1', integrations: { All: false } }))
    await plugin.track?.(
      track('AllOffLoopsOn', {}, { userId: 'u1', integrations: { All: false, Loops: true } }),
    )
    await plugin.track?.(track('Other', {}, { userId: 'u1', integrations: { Mixpanel: false } }))
    await sink.waitFor((m) => events(m).length >= 2)
    expect(events(sink.messages).map((m) => m.eventName)).toEqual(['AllOffLoopsOn', 'Other'])
    await plugin.unload?.(Context.system(), host())
  })

  it("forgets the identity on the SDK's reset event", async () => {
    const analytics = host()
    const plugin = loopsDestination(
      { relayUrl: sink.url, flushInterval: 50 },
      { storage: memoryStorage() },
    )
    await plugin.load(Context.system(), analytics)
    await plugin.identify?.(identify('u1', { email: 'a@b.co', plan: 'pro' }))
    analytics.emit('reset')
    // After a logout the next visitor is anonymous: no email, no userId → nothing to send.
    await plugin.track?.(track('AfterReset', { x: 1 }, { userId: null, anonymousId: 'anon-2' }))
    await plugin.identify?.(identify('u2', { email: 'c@d.co' }))
    await plugin.track?.(track('Marker', {}, { userId: 'u2' }))
    await sink.waitFor((m) => events(m).some((e) => e.eventName === 'Marker'))
    expect(events(sink.messages).map((m) => m.eventName)).toEqual(['Marker'])
    // u2's event carries u2's traits only; nothing of u1's survives the reset.
    expect(events(sink.messages)[0]?.contactProperties ?? {}).not.toHaveProperty('plan')
    expect(analytics.listenerCount('reset')).toBe(1)
    await plugin.unload?.(Context.system(), analytics)
    expect(analytics.listenerCount('reset')).toBe(0)
  })

  it('works when a hook runs before load() (analytics-next does not await it)', async () => {
    const plugin = loopsDestination(
      { relayUrl: sink.url, flushInterval: 50 },
      { storage: memoryStorage() },
    )
    await plugin.identify?.(identify('u1', { email: 'a@b.co' }))
    expect(plugin.isLoaded()).toBe(true)
    await plugin.load(Context.system(), host())
    await sink.waitFor((m) => contacts(m).length === 1)
    await plugin.unload?.(Context.system(), host())
  })

  it('never throws into the pipeline', async () => {
    const logs: string[] = []
    // Relay down: delivery fails later, the hook still returns the context at once.
    const down = loopsDestination(
      { relayUrl: await deadUrl(), flushInterval: 50, debug: (line) => logs.push(line) },
      { storage: memoryStorage() },
    )
    await down.load(Context.system(), host())
    const ctx = track('Signup', {}, { userId: 'u1', properties: { email: 'a@b.co' } })
    expect(await down.track?.(ctx)).toBe(ctx)
    // A name Loops forbids, a hand-made event without fields, an onError that throws itself.
    const loud = loopsDestination(
      {
        relayUrl: sink.url,
        onError: () => {
          throw new Error('app bug')
        },
      },
      { storage: memoryStorage() },
    )
    expect(loud.track?.(track('a:b', { email: 'a@b.co' }))).toBeInstanceOf(Context)
    expect(loud.track?.(new Context({ type: 'track' }))).toBeInstanceOf(Context)
    const deep = new Context({ type: 'identify', traits: { deep: { a: { b: { c: 1 } } } } })
    expect(loud.identify?.(deep)).toBe(deep)
    // The failed delivery is kept for a retry (debug line), and flush() still resolves.
    const deadline = Date.now() + 4000
    while (!logs.some((l) => /retry in/.test(l)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(logs.some((l) => /retry in/.test(l))).toBe(true)
    await expect(down.flush()).resolves.toBeUndefined()
    await down.unload?.(Context.system(), host())
    await loud.unload?.(Context.system(), host())
  })

  it('pending() counts the messages waiting for the relay (0 before the first call)', async () => {
    const plugin = loopsDestination(
      { relayUrl: sink.url, flushInterval: 60_000 },
      { storage: memoryStorage() },
    )
    expect(plugin.pending()).toBe(0)
    await plugin.load(Context.system(), host())
    await plugin.identify?.(identify('u1', { email: 'a@b.co' }))
    await plugin.track?.(track('Signup', {}, { userId: 'u1' }))
    expect(plugin.pending()).toBe(2)
    await plugin.flush()
    expect(plugin.pending()).toBe(0)
    expect(sink.messages).toHaveLength(2)
    await plugin.unload?.(Context.system(), host())
  })

  it('reports invalid options through onError instead of throwing from a hook', async () => {
    const errors: LoopsCdpError[] = []
    const plugin = loopsDestination(
      { relayUrl: '', onError: (e) => errors.push(e) },
      { storage: memoryStorage() },
    )
    const ctx = track('Signup', { email: 'a@b.co' })
    expect(await plugin.track?.(ctx)).toBe(ctx)
    expect(errors.length).toBe(1)
    expect(errors[0]?.name).toMatch(/Error$/)
    // load() rejects: analytics-next then drops the plugin with a console warning.
    await expect(plugin.load(Context.system(), host())).rejects.toThrow()
  })
})
