import { describe, expect, it } from 'vitest'
import { createDirectMode } from '../src/delivery/direct'
import type { DeliveryOutcome } from '../src/delivery/types'
import { createLoopsClient } from '../src/loops-client'
import { createPacer } from '../src/pacer'
import { apiCalls, contact, emulator, event, items, type TestEmulator } from './delivery-helpers'

function direct(emu: TestEmulator, options: { rate?: number; maxWaitMs?: number } = {}) {
  const outcomes: DeliveryOutcome[] = []
  const mode = createDirectMode({
    loops: createLoopsClient({ apiKey: 'direct-test-key', baseUrl: emu.apiUrl, timeoutMs: 2_000 }),
    pacer: createPacer({ ratePerSecond: options.rate ?? 50 }),
    onOutcome: (o) => outcomes.push(o),
    ...(options.maxWaitMs !== undefined ? { maxWaitMs: options.maxWaitMs } : {}),
  })
  mode.start()
  return { mode, outcomes }
}

describe('direct mode', () => {
  it('answers 200 once Loops has the contact and the event', async () => {
    const emu = await emulator()
    const { mode, outcomes } = direct(emu)
    const result = await mode.submit(
      items([
        contact('c-1', 'ada@example.com', { firstName: 'Ada', plan: 'pro' }),
        event('e-1', 'ada@example.com', 'Signup', { plan: 'pro' }),
      ]),
    )
    expect(result).toEqual({ status: 200, rejected: [] })
    expect(await emu.contacts()).toEqual([
      expect.objectContaining({ email: 'ada@example.com', firstName: 'Ada', plan: 'pro' }),
    ])
    expect(await emu.events()).toEqual([
      expect.objectContaining({ eventName: 'Signup', idempotencyKey: 'e-1' }),
    ])
    // Per-contact order: the update reached Loops before the event of the same contact.
    expect((await emu.requests()).map((r) => r.path)).toEqual([
      '/api/v1/contacts/update',
      '/api/v1/events/send',
    ])
    expect(outcomes.map((o) => o.kind)).toEqual(['delivered', 'delivered'])
    expect(mode.depth()).toBe(0)
    await mode.stop()
  })

  it('merges updates of one contact in a batch into one Loops call, later values winning', async () => {
    const emu = await emulator()
    const { mode, outcomes } = direct(emu)
    const result = await mode.submit(
      items([
        contact('c-1', 'ada@example.com', { plan: 'free', company: 'Acme' }),
        contact('c-2', 'ada@example.com', { plan: 'pro' }),
      ]),
    )
    expect(result.status).toBe(200)
    expect(apiCalls(await emu.requests(), 'contacts/update')).toHaveLength(1)
    expect((await emu.contacts())[0]).toMatchObject({ plan: 'pro', company: 'Acme' })
    expect(outcomes).toEqual([
      expect.objectContaining({ kind: 'delivered', messageId: 'c-1', mergedWith: 2 }),
      expect.objectContaining({ kind: 'delivered', messageId: 'c-2', mergedWith: 2 }),
    ])
  })

  it('answers 503 with a Retry-After of a few seconds while Loops is down; the retry lands once', async () => {
    const emu = await emulator()
    const { mode } = direct(emu)
    await emu.fault({ status: 503, times: 1, path: '/api/v1/events/send' })
    const batch = items([
      contact('c-1', 'ada@example.com', { firstName: 'Ada' }),
      event('e-1', 'ada@example.com', 'Signup'),
    ])
    const down = await mode.submit(batch)
    expect(down.status).toBe(503)
    expect(down.retryAfterSeconds).toBeGreaterThanOrEqual(1)
    expect(down.retryAfterSeconds).toBeLessThanOrEqual(10)
    expect(down.rejected).toEqual([])
    // The browser keeps the whole batch and sends it again: an upsert and a fresh event.
    expect(await mode.submit(batch)).toEqual({ status: 200, rejected: [] })
    expect(await emu.events()).toHaveLength(1)
    expect(await emu.contacts()).toHaveLength(1)
  })

  it('answers 503 when Loops answers 429 or an HTML 502', async () => {
    const emu = await emulator()
    const { mode } = direct(emu)
    await emu.fault({ status: 429, times: 1 })
    expect(await mode.submit(items([event('e-1', 'a@example.com')]))).toMatchObject({
      status: 503,
    })
    await emu.fault({ status: 502, times: 1, body: '<html><body>502 Bad Gateway</body></html>' })
    const result = await mode.submit(items([event('e-1', 'a@example.com')]))
    expect(result.status).toBe(503)
    expect(result.retryAfterSeconds).toBeGreaterThanOrEqual(1)
    expect(await mode.submit(items([event('e-1', 'a@example.com')]))).toMatchObject({
      status: 200,
    })
    expect(await emu.events()).toHaveLength(1)
  })

  it('answers 503 when its own pacer has no token in time (throttled), never a 429 to Loops', async () => {
    const emu = await emulator({ rateLimit: 1 })
    const { mode } = direct(emu, { rate: 1, maxWaitMs: 50 })
    const batch = items([event('e-1', 'a@example.com'), event('e-2', 'b@example.com')])
    const result = await mode.submit(batch)
    expect(result.status).toBe(503)
    expect(result.retryAfterSeconds).toBeGreaterThanOrEqual(1)
    const requests = await emu.requests()
    expect(requests.filter((r) => r.status === 429)).toEqual([])
    expect(requests.length).toBeLessThan(2)
  })

  it('lists content Loops rejects (400) by status only, logs its reason, delivers the rest', async () => {
    const emu = await emulator()
    const { mode, outcomes } = direct(emu)
    const result = await mode.submit(
      items([
        contact('c-bad', 'ada@example.com', {}, { mailingLists: { nope: true } }),
        contact('c-ok', 'bob@example.com', { firstName: 'Bob' }),
      ]),
    )
    expect(result.status).toBe(200)
    expect(result.rejected).toEqual([
      { index: 0, messageId: 'c-bad', error: 'rejected by Loops (400)' },
    ])
    expect((await emu.contacts()).map((c) => c.email)).toEqual(['bob@example.com'])
    // Loops' own text goes to the outcome (the log), not to the browser.
    expect(outcomes).toContainEqual(
      expect.objectContaining({
        kind: 'dead-lettered',
        messageId: 'c-bad',
        status: 400,
        reason: expect.stringMatching(/Mailing list "nope"/),
      }),
    )
  })
})
