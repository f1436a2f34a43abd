import { describe, expect, it } from 'vitest'
import { start } from './helpers.js'

const ana = 'ana@example.com'
type Logged = {
  method: string
  path: string
  status: number
  headers: Record<string, string>
  body: unknown
  receivedAt: string
}

describe('inspection API', () => {
  it('GET /_emulator/contacts: Loops find shape, custom properties at the top level', async () => {
    const emu = await start({ properties: [{ key: 'plan', type: 'string' }] })
    await emu.update({
      email: ana,
      userId: 'u1',
      firstName: 'Ana',
      userGroup: 'beta',
      source: 'Segment',
      subscribed: false,
      plan: 'pro',
      mailingLists: { newsletter: true, beta: false },
    })
    expect(await emu.contacts()).toEqual([
      {
        id: expect.any(String),
        email: ana,
        firstName: 'Ana',
        lastName: null,
        source: 'Segment',
        subscribed: false,
        userGroup: 'beta',
        userId: 'u1',
        mailingLists: { newsletter: true },
        optInStatus: null,
        plan: 'pro',
      },
    ])
  })

  it('GET /_emulator/events: accepted events only, with redacted headers', async () => {
    const emu = await start({ apiKey: 'live-key-1' })
    const auth = { authorization: 'Bearer live-key-1' }
    await emu.event({ email: ana, eventName: 'A' }, { ...auth, 'idempotency-key': 'x' })
    await emu.event({ email: ana, eventName: 'A' }, { ...auth, 'idempotency-key': 'x' }) // 409
    await emu.event({ email: ana, eventName: 'b:c' }, auth) // 400
    await emu.event({ email: ana, eventName: 'C' }, { authorization: 'Bearer nope' }) // 401
    const events = await emu.inspect<Array<Record<string, unknown>>>('events')
    expect(events.map((e) => e.eventName)).toEqual(['A'])
    expect(events[0]?.headers).toMatchObject({ authorization: 'Bearer ***' })
    expect(JSON.stringify(events)).not.toContain('live-key-1')
  })

  it('GET /_emulator/requests: every /api request with its status, 4xx and 429 included', async () => {
    const emu = await start({ apiKey: 'live-key-1', rateLimit: 2, now: () => 1 })
    await emu.call('GET', '/v1/api-key', undefined, { authorization: 'Bearer nope' })
    await emu.update({ userId: 'ghost' }).then(() => undefined)
    const auth = { authorization: 'Bearer live-key-1' }
    await emu.call('PUT', '/v1/contacts/update', { email: ana }, auth)
    await emu.call('PUT', '/v1/contacts/update', { userId: 'ghost' }, auth)
    await emu.call('GET', '/v1/lists', undefined, auth)
    await emu.call('GET', '/v1/contacts/find?email=ana%40example.com', undefined, {
      authorization: 'Basic abc',
    })
    const log = await emu.inspect<Logged[]>('requests')
    expect(log.map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/api/v1/api-key', 401],
      ['PUT', '/api/v1/contacts/update', 401],
      ['PUT', '/api/v1/contacts/update', 200],
      ['PUT', '/api/v1/contacts/update', 400],
      ['GET', '/api/v1/lists', 429],
      ['GET', '/api/v1/contacts/find', 401],
    ])
    expect(log[2]).toEqual({
      method: 'PUT',
      path: '/api/v1/contacts/update',
      query: '',
      status: 200,
      headers: expect.objectContaining({
        authorization: 'Bearer ***',
        'content-type': 'application/json',
      }),
      body: { email: ana },
      response: { success: true, id: expect.any(String) },
      ignoredProperties: [],
      fault: false,
      receivedAt: expect.stringMatching(/^1970-01-01T00:00:00\.001Z$/),
    })
    expect(log[5]?.headers.authorization).toBe('***')
    expect(log[5]?.path).toBe('/api/v1/contacts/find')
    expect(JSON.stringify(log)).not.toMatch(/live-key-1|Bearer nope|Basic abc/)
    const lastTwo = await emu.inspect<Logged[]>('requests?limit=2')
    expect(lastTwo.map((r) => r.status)).toEqual([429, 401])
  })

  it('POST /_emulator/reset clears contacts, events, requests, faults and idempotency keys', async () => {
    const emu = await start()
    await emu.event({ email: ana, eventName: 'A' }, { 'idempotency-key': 'k1' })
    await emu.fault({ status: 500, times: 3 })
    const res = await fetch(`${emu.url}/_emulator/reset`, { method: 'POST' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true })
    expect(await emu.contacts()).toEqual([])
    expect(await emu.inspect('events')).toEqual([])
    expect(await emu.inspect('requests')).toEqual([])
    expect(await emu.inspect('faults')).toEqual([])
    // The key is usable again and no fault is left.
    const again = await emu.event({ email: ana, eventName: 'A' }, { 'idempotency-key': 'k1' })
    expect(again.status).toBe(200)
  })

  it('GET /_emulator/state summarises settings and counts', async () => {
    const emu = await start({ apiKey: 'k', rateLimit: 5, autoProperties: true, teamName: 'Acme' })
    await emu.update({ email: ana, plan: 'pro' }).then(() => undefined)
    const state = await emu.inspect<Record<string, unknown>>('state')
    expect(state).toMatchObject({
      teamName: 'Acme',
      apiKeyRequired: true,
      autoProperties: true,
      rateLimit: { limit: 5 },
      counts: { contacts: 0, events: 0, requests: 1, transactional: 0 },
    })
    expect(JSON.stringify(state)).not.toContain('"k"')
  })

  it('answers 404 for an unknown inspection endpoint and for unknown top-level paths', async () => {
    const emu = await start()
    expect((await fetch(`${emu.url}/_emulator/nope`)).status).toBe(404)
    expect((await fetch(`${emu.url}/elsewhere`)).status).toBe(404)
  })
})

describe('Loops error bodies', () => {
  it('are { success: false, message } for every error status', async () => {
    const emu = await start({ apiKey: 'k', rateLimit: 8, now: () => 1 })
    const auth = { authorization: 'Bearer k' }
    await emu.call('PUT', '/v1/contacts/update', { email: ana }, auth)
    const answers = [
      await emu.call('GET', '/v1/api-key', undefined, { authorization: 'Bearer x' }), // 401
      await emu.call('PUT', '/v1/contacts/update', { userId: 'ghost' }, auth), // 400
      await emu.call('POST', '/v1/contacts/delete', { email: 'no@example.com' }, auth), // 404
      await emu.call('GET', '/v1/contacts/update', undefined, auth), // 405
      await emu.call('POST', '/v1/contacts/create', { email: ana }, auth), // 409
      await emu.call('GET', '/v1/unknown', undefined, auth), // 404
    ]
    for (let i = 0; i < 2; i++) await emu.call('GET', '/v1/api-key', undefined, auth)
    answers.push(await emu.call('GET', '/v1/api-key', undefined, auth)) // 429
    expect(answers.map((a) => a.status)).toEqual([401, 400, 404, 405, 409, 404, 429])
    for (const answer of answers) {
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/)
      expect(answer.json).toMatchObject({ success: false, message: expect.any(String) })
      expect(answer.json.message).not.toBe('')
    }
  })
})
