// Loops did the work and the answer was lost (a load balancer's 502 after processing): the
// queue retries, Loops answers 409 for the used Idempotency-Key, and that counts as delivered.
// Real relay in queue mode over real HTTP; the emulator processes the request, then answers 502.
import { describe, expect, it } from 'vitest'
import { contact, emulator, event, post, relayFor, served, tempDir, waitFor } from './http-harness'

describe('queue mode: processed → 502 → retry → 409 → delivered', () => {
  it('delivers an event once although the first answer was a 502 after processing', async () => {
    const emu = await emulator()
    await emu.fault({ status: 502, times: 1, path: '/api/v1/events/send', after: true })
    const { relay, logs } = relayFor(emu, { mode: 'queue', dataDir: tempDir() })
    const { url } = await served(relay)

    const res = await post(url, {
      batch: [event('lost-1', { contactProperties: { plan: 'pro' } })],
    })
    expect(res.status).toBe(202)
    const delivered = () =>
      logs.find(
        (l) => l.msg === 'delivery' && l.messageId === 'lost-1' && l.outcome === 'delivered',
      )
    await waitFor(() => delivered() !== undefined, 'lost-1 delivered')

    const sends = (await emu.requests()).filter((r) => r.path === '/api/v1/events/send')
    expect(sends.map((r) => [r.status, r.fault, r.processedStatus])).toEqual([
      [502, true, 200],
      [409, false, undefined],
    ])
    expect(sends.map((r) => r.headers['idempotency-key'])).toEqual(['lost-1', 'lost-1'])
    // Loops holds the event once and the contact with its property.
    expect((await emu.events()).map((e) => e.idempotencyKey)).toEqual(['lost-1'])
    expect((await emu.contacts())[0]).toMatchObject({ email: 'lost-1@example.com', plan: 'pro' })
    // The relay saw a retryable 502, then counted the 409 as delivered (a duplicate).
    const outcomes = logs.filter((l) => l.msg === 'delivery' && l.messageId === 'lost-1')
    expect(outcomes.map((l) => [l.outcome, l.status])).toEqual([
      ['retried', 502],
      ['delivered', 409],
    ])
    expect(delivered()).toMatchObject({ duplicate: true })
  })

  it('a contact update answered 502 after processing is sent again and converges (an upsert)', async () => {
    const emu = await emulator()
    await emu.fault({ status: 502, times: 1, path: '/api/v1/contacts/update', after: true })
    const { relay, logs } = relayFor(emu, { mode: 'queue', dataDir: tempDir() })
    const { url } = await served(relay)
    await post(url, { batch: [contact('lost-2', { properties: { plan: 'team' } })] })
    await waitFor(
      () => logs.some((l) => l.messageId === 'lost-2' && l.outcome === 'delivered'),
      'lost-2 delivered',
    )
    const updates = (await emu.requests()).filter((r) => r.path === '/api/v1/contacts/update')
    expect(updates.map((r) => r.status)).toEqual([502, 200])
    expect(await emu.contacts()).toEqual([
      expect.objectContaining({ email: 'lost-2@example.com', plan: 'team' }),
    ])
  })
})
