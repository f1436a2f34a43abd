import type { EventMessage } from '@loops-cdp/core'
import type { RSAEvent, RSALogger, RSAnalytics } from '@rudderstack/analytics-js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { memoryStorage, type RelaySink, startRelaySink } from '../../core/test/relay-sink'
import { loopsIntegration } from '../src/index'
import { toCdpCall } from '../src/to-cdp-call'

let seq = 0
/**
 * A track as RudderStack v3 builds it with `consentManagement` enabled in load(): the visitor's
 * allowed and denied consent ids ride on every event in `context.consentManagement`.
 */
const track = (name: string, allowed?: string[], denied: string[] = []): RSAEvent =>
  ({
    message: {
      type: 'track',
      event: name,
      channel: 'web',
      anonymousId: 'anon-1',
      userId: 'u1',
      messageId: `rudder-consent-${++seq}`,
      originalTimestamp: new Date().toISOString(),
      properties: { email: 'a@b.co' },
      integrations: { All: true },
      context: {
        traits: {},
        ...(allowed && {
          consentManagement: {
            provider: 'custom',
            allowedConsentIds: allowed,
            deniedConsentIds: denied,
          },
        }),
      },
    },
  }) as unknown as RSAEvent
const analytics = {} as RSAnalytics
const logger = {} as RSALogger

let sink: RelaySink
beforeEach(async () => {
  sink = await startRelaySink()
})
afterEach(async () => {
  await sink.close()
})

describe('consent', () => {
  it("takes the granted categories from context.consentManagement's allowedConsentIds", () => {
    expect(toCdpCall(track('x', ['C1', 'C2'], ['C3']).message).consent).toEqual(['C1', 'C2'])
    expect(toCdpCall(track('x').message).consent).toBeUndefined()
  })

  it('forwards only events whose allowed consent ids include every consentCategories entry', async () => {
    const lines: string[] = []
    const loops = loopsIntegration(
      {
        relayUrl: sink.url,
        flushInterval: 50,
        consentCategories: ['marketing'],
        debug: (m) => lines.push(m),
      },
      { storage: memoryStorage() },
    )
    loops.init?.({} as never, analytics, logger)
    loops.track?.(analytics, logger, track('No Report'))
    loops.track?.(analytics, logger, track('Nothing Allowed', [], ['marketing']))
    loops.track?.(analytics, logger, track('Other Allowed', ['analytics'], ['marketing']))
    expect(loops.pending()).toBe(0)
    loops.track?.(analytics, logger, track('Granted', ['analytics', 'marketing']))
    await sink.waitFor((m) => m.length === 1)
    await loops.flush()
    expect((sink.messages as EventMessage[]).map((m) => m.eventName)).toEqual(['Granted'])
    expect(lines).toContain('track not sent: no consent for marketing')
  })
})
