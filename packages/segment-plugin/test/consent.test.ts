import type { EventMessage } from '@loops-cdp/core'
import { Context, type SegmentEvent } from '@segment/analytics-next'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { memoryStorage, type RelaySink, startRelaySink } from '../../core/test/relay-sink'
import { loopsDestination } from '../src/index'
import { toCdpCall } from '../src/to-cdp-call'

let seq = 0
/** A track as analytics-next builds it, stamped the way Segment's consent wrapper stamps it. */
const track = (name: string, categoryPreferences?: Record<string, boolean>) =>
  new Context({
    type: 'track',
    event: name,
    messageId: `ajs-next-consent-${++seq}`,
    userId: 'u1',
    anonymousId: 'anon-1',
    properties: { email: 'a@b.co' },
    integrations: {},
    context: categoryPreferences ? { consent: { categoryPreferences } } : {},
  } as SegmentEvent)

let sink: RelaySink
beforeEach(async () => {
  sink = await startRelaySink()
})
afterEach(async () => {
  await sink.close()
})

describe('consentCategories', () => {
  it('takes the granted categories from context.consent.categoryPreferences (true only)', () => {
    const ctx = track('x', { Marketing: true, Analytics: false, Ads: true })
    expect(toCdpCall(ctx).consent).toEqual(['Marketing', 'Ads'])
    expect(toCdpCall(track('x')).consent).toBeUndefined()
  })

  it('forwards only events whose context.consent.categoryPreferences grant every category', async () => {
    const lines: string[] = []
    const loops = loopsDestination(
      {
        relayUrl: sink.url,
        flushInterval: 50,
        consentCategories: ['Marketing', 'Analytics'],
        debug: (m) => lines.push(m),
      },
      { storage: memoryStorage() },
    )
    await loops.load(track('load'), {} as never)
    loops.track?.(track('No Report'))
    loops.track?.(track('Denied', { Marketing: false, Analytics: true }))
    loops.track?.(track('Half', { Marketing: true }))
    expect(loops.pending()).toBe(0)
    loops.track?.(track('Granted', { Marketing: true, Analytics: true, Ads: false }))
    await sink.waitFor((m) => m.length === 1)
    await loops.flush()
    expect((sink.messages as EventMessage[]).map((m) => m.eventName)).toEqual(['Granted'])
    expect(lines).toContain('track not sent: no consent for Marketing')
    expect(lines).toContain('track not sent: no consent for Analytics')
    await loops.unload?.(track('unload'), {} as never)
  })
})
