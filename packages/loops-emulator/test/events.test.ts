import { describe, expect, it } from 'vitest'
import { start } from './helpers.js'

const ana = 'ana@example.com'
type EventLog = Array<Record<string, unknown>>

describe('events/send', () => {
  it('records the event and creates the contact from email and userId', async () => {
    const emu = await start({ properties: [{ key: 'plan', type: 'string' }] })
    const res = await emu.event(
      {
        email: ana,
        userId: 'u1',
        eventName: 'planChange',
        plan: 'pro',
        eventProperties: { newPlan: 'Pro', price: 29, lifetime: false },
        mailingLists: { newsletter: true },
      },
      { 'idempotency-key': 'msg-1' },
    )
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ success: true })
    expect(await emu.contacts()).toEqual([
      expect.objectContaining({
        email: ana,
        userId: 'u1',
        plan: 'pro',
        mailingLists: { newsletter: true },
      }),
    ])
    const events = await emu.inspect<EventLog>('events')
    expect(events).toEqual([
      {
        eventName: 'planChange',
        email: ana,
        userId: 'u1',
        contactId: expect.any(String),
        eventProperties: { newPlan: 'Pro', price: 29, lifetime: false },
        contactProperties: { plan: 'pro' },
        ignoredProperties: [],
        mailingLists: { newsletter: true },
        idempotencyKey: 'msg-1',
        headers: expect.objectContaining({ authorization: 'Bearer ***' }),
        receivedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      },
    ])
  })

  it('writes the contact as contacts/update would: null clears, mailing lists on and off', async () => {
    // https://loops.so/docs/api-reference/send-event: top-level keys are contact properties
    // ("null resets a value"), mailingLists subscribes (true) and unsubscribes (false).
    const properties = [
      { key: 'plan', type: 'string' as const },
      { key: 'company', type: 'string' as const },
    ]
    const viaUpdate = await start({ properties })
    const viaEvent = await start({ properties })
    for (const emu of [viaUpdate, viaEvent]) {
      await emu.update({ email: ana, plan: 'free', company: 'Acme', mailingLists: { beta: true } })
    }
    const change = {
      email: ana,
      userId: 'u1',
      plan: 'pro',
      company: null,
      mailingLists: { newsletter: true, beta: false },
    }
    expect((await viaUpdate.update(change)).status).toBe(200)
    expect((await viaEvent.event({ ...change, eventName: 'Upgraded' })).status).toBe(200)
    const strip = (list: Array<Record<string, unknown>>) => list.map(({ id: _id, ...c }) => c)
    expect(strip(await viaEvent.contacts())).toEqual(strip(await viaUpdate.contacts()))
    expect((await viaEvent.contacts())[0]).toMatchObject({
      userId: 'u1',
      plan: 'pro',
      mailingLists: { newsletter: true },
    })
    expect((await viaEvent.contacts())[0]).not.toHaveProperty('company')
  })

  it('follows the update matching rules: userId alone must be known', async () => {
    const emu = await start()
    const unknown = await emu.event({ userId: 'ghost', eventName: 'Login' })
    expect(unknown.status).toBe(400)
    expect(unknown.json).toEqual({ success: false, message: 'Contact not found.' })
    await emu.update({ email: ana, userId: 'u1' })
    expect((await emu.event({ userId: 'u1', eventName: 'Login' })).status).toBe(200)
    expect((await emu.event({ email: 'ANA@example.com', eventName: 'Login' })).status).toBe(200)
    expect(await emu.contacts()).toHaveLength(1)
  })

  it('answers 400 when email and userId belong to two different contacts', async () => {
    const emu = await start()
    await emu.update({ email: ana })
    await emu.update({ email: 'bob@example.com', userId: 'u2' })
    const res = await emu.event({ email: ana, userId: 'u2', eventName: 'Login' })
    expect(res.status).toBe(400)
    expect(res.json).toEqual({
      success: false,
      message: 'Multiple contacts found for the given criteria',
    })
    expect(await emu.inspect<EventLog>('events')).toEqual([])
  })

  it('rejects a missing eventName, a colon in it, and bad event property values', async () => {
    const emu = await start()
    const missing = await emu.event({ email: ana })
    expect(missing.status).toBe(400)
    const colon = await emu.event({ email: ana, eventName: 'billing:paid' })
    expect(colon.status).toBe(400)
    expect(colon.json).toEqual({ success: false, message: 'Event names cannot contain colons.' })
    for (const value of [null, { a: 1 }, [1]]) {
      const res = await emu.event({ email: ana, eventName: 'Paid', eventProperties: { value } })
      expect(res.status).toBe(400)
    }
    const notObject = await emu.event({ email: ana, eventName: 'Paid', eventProperties: 'x' })
    expect(notObject.status).toBe(400)
    // Only accepted (200) events are in the event log; none of these created a contact.
    expect(await emu.inspect<EventLog>('events')).toEqual([])
    expect(await emu.contacts()).toEqual([])
  })
})

describe('Idempotency-Key', () => {
  it('answers 409 for a key already used, and the duplicate is not recorded', async () => {
    const emu = await start()
    const body = { email: ana, eventName: 'Signup' }
    expect((await emu.event(body, { 'idempotency-key': 'k1' })).status).toBe(200)
    const again = await emu.event(body, { 'idempotency-key': 'k1' })
    expect(again.status).toBe(409)
    expect(again.json).toEqual({ success: false, message: 'Request has already been processed.' })
    expect((await emu.event(body, { 'idempotency-key': 'k2' })).status).toBe(200)
    expect((await emu.event(body)).status).toBe(200)
    expect((await emu.event(body)).status).toBe(200)
    const keys = (await emu.inspect<EventLog>('events')).map((e) => e.idempotencyKey)
    expect(keys).toEqual(['k1', 'k2', null, null])
  })

  it('does not remember the key of a rejected request', async () => {
    const emu = await start()
    const bad = await emu.event({ eventName: 'Signup' }, { 'idempotency-key': 'k1' })
    expect(bad.status).toBe(400)
    const ok = await emu.event({ email: ana, eventName: 'Signup' }, { 'idempotency-key': 'k1' })
    expect(ok.status).toBe(200)
  })

  it('remembers keys for 24 hours', async () => {
    let now = Date.parse('2026-11-22T10:00:00Z')
    const emu = await start({ now: () => now })
    const body = { email: ana, eventName: 'Signup' }
    expect((await emu.event(body, { 'idempotency-key': 'k1' })).status).toBe(200)
    now += 24 * 60 * 60 * 1000 - 1
    expect((await emu.event(body, { 'idempotency-key': 'k1' })).status).toBe(409)
    now += 1
    expect((await emu.event(body, { 'idempotency-key': 'k1' })).status).toBe(200)
  })

  it('refuses keys over 100 characters', async () => {
    const emu = await start()
    const res = await emu.event(
      { email: ana, eventName: 'Signup' },
      { 'idempotency-key': 'k'.repeat(101) },
    )
    expect(res.status).toBe(400)
    const ok = await emu.event(
      { email: ana, eventName: 'Signup' },
      { 'idempotency-key': 'k'.repeat(100) },
    )
    expect(ok.status).toBe(200)
  })

  it('applies to transactional sends too', async () => {
    const emu = await start()
    const body = { transactionalId: 'tx1', email: ana, dataVariables: { name: 'Ana' } }
    const send = () => emu.call('POST', '/v1/transactional', body, { 'idempotency-key': 't1' })
    expect((await send()).json).toEqual({ success: true })
    expect((await send()).status).toBe(409)
    const sent = await emu.inspect<EventLog>('transactional')
    expect(sent).toEqual([
      expect.objectContaining({ transactionalId: 'tx1', email: ana, idempotencyKey: 't1' }),
    ])
    // Without addToAudience no contact is created.
    expect(await emu.contacts()).toEqual([])
    const missing = await emu.call('POST', '/v1/transactional', { email: ana })
    expect(missing.status).toBe(400)
  })
})

describe('mailing lists', () => {
  it('lists the default lists, or the configured ones', async () => {
    const defaults = await start()
    const res = await defaults.call('GET', '/v1/lists')
    expect(res.status).toBe(200)
    expect(res.json).toEqual([
      { id: 'newsletter', name: 'Newsletter', description: null, isPublic: true },
      { id: 'product-updates', name: 'Product updates', description: null, isPublic: true },
      { id: 'beta', name: 'Beta program', description: null, isPublic: false },
    ])
    const custom = await start({ lists: [{ id: 'l1', name: 'One' }] })
    expect((await custom.call('GET', '/v1/lists')).json).toEqual([
      { id: 'l1', name: 'One', description: null, isPublic: false },
    ])
  })

  it('subscribes with true and unsubscribes with false; find shows subscribed lists only', async () => {
    const emu = await start()
    await emu.update({ email: ana, mailingLists: { newsletter: true, beta: true } })
    await emu.update({ email: ana, mailingLists: { beta: false, 'product-updates': false } })
    const found = await emu.find('email=ana%40example.com')
    expect(found.json).toEqual([expect.objectContaining({ mailingLists: { newsletter: true } })])
    await emu.event({ email: ana, eventName: 'Joined', mailingLists: { beta: true } })
    expect((await emu.contacts())[0]?.mailingLists).toEqual({ newsletter: true, beta: true })
  })

  it('answers 400 for an unknown list id or a non-boolean value', async () => {
    const emu = await start()
    const unknown = await emu.update({ email: ana, mailingLists: { nope: true } })
    expect(unknown.status).toBe(400)
    expect(unknown.json).toEqual({ success: false, message: 'Mailing list "nope" not found.' })
    const notBool = await emu.update({ email: ana, mailingLists: { newsletter: 'yes' } })
    expect(notBool.status).toBe(400)
    const notObject = await emu.update({ email: ana, mailingLists: ['newsletter'] })
    expect(notObject.status).toBe(400)
    expect(await emu.contacts()).toEqual([])
  })
})
