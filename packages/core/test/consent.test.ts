import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { withoutConsent } from '../src/consent'
import { type CdpCall, createLoopsCdp, type LoopsCdp } from '../src/index'
import { memoryStorage, type RelaySink, startRelaySink } from './relay-sink'

let seq = 0
const call = (fields: Partial<CdpCall> & Pick<CdpCall, 'type'>): CdpCall => ({
  messageId: `m-${++seq}`,
  userId: 'u1',
  ...fields,
})

describe('withoutConsent', () => {
  it('lets a call through when nothing is needed', () => {
    expect(withoutConsent(call({ type: 'track' }), undefined)).toBeUndefined()
    expect(withoutConsent(call({ type: 'track' }), [])).toBeUndefined()
  })

  it('needs every named category among those granted on the call', () => {
    const needed = ['marketing', 'analytics']
    const granted = ['ads', 'marketing', 'analytics']
    expect(withoutConsent(call({ type: 'track', consent: granted }), needed)).toBeUndefined()
    expect(withoutConsent(call({ type: 'track', consent: ['marketing'] }), needed)).toBe(
      'track not sent: no consent for analytics',
    )
    expect(withoutConsent(call({ type: 'identify', consent: [] }), needed)).toBe(
      'identify not sent: no consent for marketing, analytics',
    )
  })

  it('fails closed: a call without any consent report is held back', () => {
    expect(withoutConsent(call({ type: 'track' }), ['marketing'])).toBe(
      'track not sent: no consent for marketing',
    )
  })
})

describe('createLoopsCdp with consentCategories', () => {
  let sink: RelaySink
  let cdp: LoopsCdp | undefined
  beforeEach(async () => {
    sink = await startRelaySink()
  })
  afterEach(async () => {
    cdp?.close()
    await sink.close()
  })

  it('neither stores, queues nor sends a call without consent; sends it once consent is given', async () => {
    const lines: string[] = []
    const storage = memoryStorage()
    cdp = createLoopsCdp(
      {
        relayUrl: sink.url,
        flushInterval: 60_000,
        consentCategories: ['marketing'],
        debug: (m) => lines.push(m),
      },
      { storage },
    )
    const denied = ['analytics']
    cdp.handle(
      call({ type: 'identify', traits: { email: 'a@b.co', plan: 'pro' }, consent: denied }),
    )
    cdp.handle(call({ type: 'track', event: 'Viewed', consent: denied }))
    cdp.handle(call({ type: 'track', event: 'No Report' }))
    expect(cdp.pending()).toBe(0)
    await cdp.flush()
    expect(sink.messages).toEqual([])
    expect(lines).toEqual(
      expect.arrayContaining([
        'identify not sent: no consent for marketing',
        'track not sent: no consent for marketing',
      ]),
    )

    // The refused identify left nothing behind: a consented track has no remembered email.
    const granted = ['marketing']
    cdp.handle(call({ type: 'track', event: 'First', consent: granted }))
    cdp.handle(
      call({ type: 'identify', traits: { email: 'a@b.co', plan: 'pro' }, consent: granted }),
    )
    cdp.handle(call({ type: 'track', event: 'Viewed', consent: granted }))
    await new Promise((resolve) => setTimeout(resolve, 60)) // the queue writes within 50 ms
    await cdp.flush()
    expect(sink.messages).toEqual([
      expect.objectContaining({ type: 'event', userId: 'u1', eventName: 'First' }),
      expect.objectContaining({ type: 'contact', email: 'a@b.co', properties: { plan: 'pro' } }),
      expect.objectContaining({ type: 'event', email: 'a@b.co', eventName: 'Viewed' }),
    ])
    expect(sink.messages[0]).not.toHaveProperty('email')
    expect(sink.messages[0]).not.toHaveProperty('contactProperties')
  })
})
