import { describe, expect, it } from 'vitest'
import { start } from './helpers.js'

const ana = 'ana@example.com'

describe('contact property values', () => {
  it('accepts strings, numbers, booleans and dates and stores them with their property type', async () => {
    const emu = await start({
      properties: [
        { key: 'plan', type: 'string' },
        { key: 'seats', type: 'number' },
        { key: 'trial', type: 'boolean' },
        { key: 'renewsAt', type: 'date' },
      ],
    })
    const res = await emu.update({
      email: ana,
      plan: 'pro',
      seats: '12',
      trial: 'false',
      renewsAt: '2026-12-01T10:00:00Z',
    })
    expect(res.status).toBe(200)
    const [contact] = await emu.contacts()
    // Loops converts mismatched types where it can ("conversion attempts are made").
    expect(contact).toMatchObject({ plan: 'pro', seats: 12, trial: false })
    expect(contact?.renewsAt).toBe('2026-12-01T10:00:00Z')
  })

  it('answers 400 for nested objects, arrays and unconvertible values, and changes nothing', async () => {
    const emu = await start({ properties: [{ key: 'seats', type: 'number' }] })
    for (const bad of [{ address: { city: 'Oslo' } }, { tags: ['a'] }, { seats: 'many' }]) {
      const res = await emu.update({ email: ana, firstName: 'Ana', ...bad })
      expect(res.status).toBe(400)
      expect(res.json).toEqual({ success: false, message: expect.any(String) })
    }
    expect(await emu.contacts()).toEqual([])
  })

  it('answers 400 for a date property that is not a Loops date', async () => {
    const emu = await start({ properties: [{ key: 'renewsAt', type: 'date' }] })
    expect((await emu.update({ email: ana, renewsAt: 'next tuesday' })).status).toBe(400)
    expect((await emu.update({ email: ana, renewsAt: 1767225600000 })).status).toBe(200)
  })

  it('allows 498 characters of string content and rejects 499 (500 with the quotes)', async () => {
    const emu = await start()
    const ok = await emu.update({ email: ana, firstName: 'a'.repeat(498) })
    expect(ok.status).toBe(200)
    const long = await emu.update({ email: ana, firstName: 'b'.repeat(499) })
    expect(long.status).toBe(400)
    expect(long.json).toEqual({
      success: false,
      message: 'Some body key or value is longer than allowable',
    })
    const event = await emu.event({
      email: ana,
      eventName: 'Long',
      eventProperties: { note: 'c'.repeat(499) },
    })
    expect(event.status).toBe(400)
    expect((await emu.contacts())[0]?.firstName).toBe('a'.repeat(498))
  })

  it('answers 400 for Loops’ reserved names in a body', async () => {
    const emu = await start({ autoProperties: true })
    for (const name of ['id', 'listId', 'softDeleteAt', 'teamId', 'updatedAt']) {
      const res = await emu.update({ email: ana, [name]: 'x' })
      expect(res.status, name).toBe(400)
      expect(res.json.message).toContain(name)
    }
    expect(await emu.contacts()).toEqual([])
  })

  it('clears a property when it is sent as null', async () => {
    const emu = await start({ properties: [{ key: 'plan', type: 'string' }] })
    await emu.update({ email: ana, firstName: 'Ana', plan: 'pro' })
    expect((await emu.contacts())[0]).toMatchObject({ firstName: 'Ana', plan: 'pro' })
    const res = await emu.update({ email: ana, firstName: null, plan: null })
    expect(res.status).toBe(200)
    const [contact] = await emu.contacts()
    expect(contact?.firstName).toBeNull()
    expect(contact).not.toHaveProperty('plan')
    // Through events/send too: top-level keys are contact properties.
    await emu.update({ email: ana, plan: 'team' })
    await emu.event({ email: ana, eventName: 'Downgrade', plan: null })
    expect(await emu.contacts()).toEqual([expect.not.objectContaining({ plan: expect.anything() })])
  })
})

describe('unknown custom properties', () => {
  it('are accepted, not stored, and marked ignored in the request and event logs', async () => {
    const emu = await start()
    const res = await emu.update({ email: ana, firstName: 'Ana', favoriteColor: 'blue' })
    expect(res.status).toBe(200)
    const ev = await emu.event({ email: ana, eventName: 'Seen', shoeSize: 42 })
    expect(ev.status).toBe(200)
    expect(await emu.contacts()).toEqual([
      expect.not.objectContaining({ favoriteColor: expect.anything() }),
    ])
    const requests =
      await emu.inspect<Array<{ path: string; ignoredProperties: string[] }>>('requests')
    expect(requests.map((r) => r.ignoredProperties)).toEqual([['favoriteColor'], ['shoeSize']])
    const [event] = await emu.inspect<Array<Record<string, unknown>>>('events')
    expect(event).toMatchObject({
      contactProperties: { shoeSize: 42 },
      ignoredProperties: ['shoeSize'],
    })
  })

  it('are stored once created through POST /v1/contacts/properties', async () => {
    const emu = await start()
    const created = await emu.call('POST', '/v1/contacts/properties', {
      name: 'favoriteColor',
      type: 'string',
    })
    expect(created.json).toEqual({ success: true })
    await emu.update({ email: ana, favoriteColor: 'blue' })
    expect((await emu.contacts())[0]).toMatchObject({ favoriteColor: 'blue' })
  })

  it('are created on first use with autoProperties, typed from the value', async () => {
    const emu = await start({ autoProperties: true })
    await emu.update({ email: ana, favoriteColor: 'blue', shoeSize: 42, vip: true })
    expect((await emu.contacts())[0]).toMatchObject({ favoriteColor: 'blue', shoeSize: 42 })
    const custom = await emu.call('GET', '/v1/contacts/properties?list=custom')
    expect(custom.json).toEqual([
      { key: 'favoriteColor', label: 'Favorite Color', type: 'string' },
      { key: 'shoeSize', label: 'Shoe Size', type: 'number' },
      { key: 'vip', label: 'Vip', type: 'boolean' },
    ])
    const [request] = await emu.inspect<Array<{ ignoredProperties: string[] }>>('requests')
    expect(request?.ignoredProperties).toEqual([])
  })
})

describe('contact properties endpoints', () => {
  it('lists the default properties plus custom ones; ?list=custom only the custom ones', async () => {
    const emu = await start({ properties: [{ key: 'plan', type: 'string' }] })
    const all = await emu.call('GET', '/v1/contacts/properties')
    expect(all.status).toBe(200)
    const keys = (all.json as unknown as Array<{ key: string }>).map((p) => p.key)
    expect(keys).toEqual([
      'firstName',
      'lastName',
      'email',
      'notes',
      'source',
      'userGroup',
      'userId',
      'subscribed',
      'createdAt',
      'plan',
    ])
    const custom = await emu.call('GET', '/v1/contacts/properties?list=custom')
    expect(custom.json).toEqual([{ key: 'plan', label: 'Plan', type: 'string' }])
    expect((await emu.call('GET', '/v1/contacts/properties?list=some')).status).toBe(400)
  })

  it('refuses reserved names, duplicates, bad names and bad types with 400', async () => {
    const emu = await start()
    const create = (name: unknown, type: unknown) =>
      emu.call('POST', '/v1/contacts/properties', { name, type })
    expect((await create('planName', 'number')).status).toBe(200)
    const duplicate = await create('planName', 'string')
    expect(duplicate.status).toBe(400)
    expect(duplicate.json).toEqual({ success: false, message: 'Property already exists.' })
    expect((await create('firstName', 'string')).status).toBe(400)
    expect((await create('teamId', 'string')).status).toBe(400)
    expect((await create('plan name', 'string')).status).toBe(400)
    expect((await create('plan', 'array')).status).toBe(400)
    expect((await create(undefined, 'string')).status).toBe(400)
    const custom = await emu.call('GET', '/v1/contacts/properties?list=custom')
    expect(custom.json).toEqual([{ key: 'planName', label: 'Plan Name', type: 'number' }])
  })
})
