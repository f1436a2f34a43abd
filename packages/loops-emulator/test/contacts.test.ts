import { describe, expect, it } from 'vitest'
import { start } from './helpers.js'

describe('contacts/create', () => {
  it('creates a contact with Loops defaults and answers its id', async () => {
    const emu = await start()
    const res = await emu.call('POST', '/v1/contacts/create', { email: 'ana@example.com' })
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ success: true, id: expect.stringMatching(/^c[a-z0-9]{24}$/) })
    const found = await emu.find('email=ana%40example.com')
    expect(found.json).toEqual([
      {
        id: res.json.id,
        email: 'ana@example.com',
        firstName: null,
        lastName: null,
        source: 'API',
        subscribed: true,
        userGroup: '',
        userId: null,
        mailingLists: {},
        optInStatus: null,
      },
    ])
  })

  it('answers 409 when the email or the userId already exists', async () => {
    const emu = await start()
    await emu.call('POST', '/v1/contacts/create', { email: 'ana@example.com', userId: 'u1' })
    const sameEmail = await emu.call('POST', '/v1/contacts/create', { email: 'ANA@example.com' })
    expect(sameEmail.status).toBe(409)
    expect(sameEmail.json.success).toBe(false)
    const sameUser = await emu.call('POST', '/v1/contacts/create', {
      email: 'bob@example.com',
      userId: 'u1',
    })
    expect(sameUser.status).toBe(409)
    expect(await emu.contacts()).toHaveLength(1)
  })

  it('requires a valid email', async () => {
    const emu = await start()
    expect((await emu.call('POST', '/v1/contacts/create', { userId: 'u1' })).status).toBe(400)
    const bad = await emu.call('POST', '/v1/contacts/create', { email: 'not-an-email' })
    expect(bad.status).toBe(400)
    expect(bad.json).toEqual({ success: false, message: 'Invalid email address.' })
  })
})

describe('contacts/update matching rules', () => {
  it('creates the contact when nothing matches (upsert)', async () => {
    const emu = await start()
    const res = await emu.update({ email: 'ana@example.com', userId: 'u1', firstName: 'Ana' })
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ success: true, id: expect.any(String) })
    const [contact] = await emu.contacts()
    expect(contact).toMatchObject({ email: 'ana@example.com', userId: 'u1', firstName: 'Ana' })
  })

  it('matches by email only, case-insensitively, and keeps one contact', async () => {
    const emu = await start()
    const first = await emu.update({ email: 'Ana@Example.com', firstName: 'Ana' })
    const second = await emu.update({ email: 'ana@example.com', lastName: 'Lee' })
    expect(second.json.id).toBe(first.json.id)
    expect(await emu.contacts()).toEqual([
      expect.objectContaining({ email: 'ana@example.com', firstName: 'Ana', lastName: 'Lee' }),
    ])
  })

  it('answers 400 for a userId alone when no contact has it', async () => {
    const emu = await start()
    const res = await emu.update({ userId: 'ghost', firstName: 'Nobody' })
    expect(res.status).toBe(400)
    expect(res.json).toEqual({ success: false, message: 'Contact not found.' })
    expect(await emu.contacts()).toEqual([])
  })

  it('updates by userId alone once the userId is linked', async () => {
    const emu = await start()
    await emu.update({ email: 'ana@example.com', userId: 'u1' })
    const res = await emu.update({ userId: 'u1', firstName: 'Ana' })
    expect(res.status).toBe(200)
    expect(await emu.contacts()).toEqual([
      expect.objectContaining({ email: 'ana@example.com', userId: 'u1', firstName: 'Ana' }),
    ])
  })

  it('sets the userId on a contact found by email', async () => {
    const emu = await start()
    await emu.update({ email: 'ana@example.com' })
    await emu.update({ email: 'ana@example.com', userId: 'u1' })
    expect(await emu.contacts()).toEqual([
      expect.objectContaining({ email: 'ana@example.com', userId: 'u1' }),
    ])
  })

  it('changes the email of a contact found by userId', async () => {
    const emu = await start()
    await emu.update({ email: 'old@example.com', userId: 'u1' })
    await emu.update({ email: 'new@example.com', userId: 'u1' })
    const contacts = await emu.contacts()
    expect(contacts).toEqual([expect.objectContaining({ email: 'new@example.com', userId: 'u1' })])
    expect((await emu.find('email=old%40example.com')).json).toEqual([])
  })

  it('answers 400 when email and userId match two different contacts', async () => {
    const emu = await start()
    await emu.update({ email: 'ana@example.com' })
    await emu.update({ email: 'bob@example.com', userId: 'u2' })
    const res = await emu.update({ email: 'ana@example.com', userId: 'u2', firstName: 'X' })
    expect(res.status).toBe(400)
    expect(res.json).toEqual({
      success: false,
      message: 'Multiple contacts found for the given criteria',
    })
    expect((await emu.contacts()).every((c) => c.firstName === null)).toBe(true)
  })

  it('requires an email or a userId, and a string userId', async () => {
    const emu = await start()
    const neither = await emu.update({ firstName: 'Ana' })
    expect(neither.status).toBe(400)
    const numeric = await emu.update({ email: 'ana@example.com', userId: 42 })
    expect(numeric.status).toBe(400)
    expect(await emu.contacts()).toEqual([])
  })
})

describe('contacts/find and contacts/delete', () => {
  it('finds by email or userId, answering an array', async () => {
    const emu = await start()
    await emu.update({ email: 'ana@example.com', userId: 'u1' })
    expect((await emu.find('userId=u1')).json).toEqual([
      expect.objectContaining({ email: 'ana@example.com' }),
    ])
    expect((await emu.find('email=nobody%40example.com')).json).toEqual([])
  })

  it('answers 400 for find with both or neither parameter', async () => {
    const emu = await start()
    expect((await emu.find('email=a%40b.co&userId=u1')).status).toBe(400)
    expect((await emu.find('')).status).toBe(400)
  })

  it('deletes by email or userId; 404 when missing, 400 with both', async () => {
    const emu = await start()
    await emu.update({ email: 'ana@example.com', userId: 'u1' })
    await emu.update({ email: 'bob@example.com' })
    const both = await emu.call('POST', '/v1/contacts/delete', { email: 'a@b.co', userId: 'u1' })
    expect(both.status).toBe(400)
    const byUser = await emu.call('POST', '/v1/contacts/delete', { userId: 'u1' })
    expect(byUser.json).toEqual({ success: true, message: 'Contact deleted.' })
    const byEmail = await emu.call('POST', '/v1/contacts/delete', { email: 'bob@example.com' })
    expect(byEmail.status).toBe(200)
    const again = await emu.call('POST', '/v1/contacts/delete', { email: 'bob@example.com' })
    expect(again.status).toBe(404)
    expect(again.json.success).toBe(false)
    expect(await emu.contacts()).toEqual([])
  })
})
