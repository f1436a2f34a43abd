import { describe, expect, it } from 'vitest'
import { start } from './helpers.js'

describe('authentication', () => {
  it('answers 401 with Loops’ body when the Authorization header is missing', async () => {
    const emu = await start()
    const res = await fetch(`${emu.apiUrl}/v1/api-key`)
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({
      success: false,
      message: 'Invalid API key',
      error: 'Invalid API key',
    })
  })

  it('accepts any non-empty Bearer token when no key is configured', async () => {
    const emu = await start({ teamName: 'Acme' })
    const res = await emu.call('GET', '/v1/api-key', undefined, {
      authorization: 'Bearer whatever',
    })
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ success: true, teamName: 'Acme' })
    const empty = await emu.call('GET', '/v1/api-key', undefined, { authorization: 'Bearer ' })
    expect(empty.status).toBe(401)
    const basic = await emu.call('GET', '/v1/api-key', undefined, { authorization: 'Basic abc' })
    expect(basic.status).toBe(401)
  })

  it('accepts only the configured key and never echoes a key back', async () => {
    const emu = await start({ apiKey: 'secret-key-123' })
    const wrong = await emu.call('GET', '/v1/api-key', undefined, {
      authorization: 'Bearer wrong-key-456',
    })
    expect(wrong.status).toBe(401)
    expect(wrong.text).not.toContain('wrong-key-456')
    const ok = await emu.call('GET', '/v1/api-key', undefined, {
      authorization: 'Bearer secret-key-123',
    })
    expect(ok.status).toBe(200)
    const everything = JSON.stringify([
      await emu.inspect('requests'),
      await emu.inspect('state'),
      await (await fetch(`${emu.url}/`)).text(),
    ])
    expect(everything).not.toContain('secret-key-123')
    expect(everything).not.toContain('wrong-key-456')
  })

  it('checks auth on every Loops endpoint, before validating the body', async () => {
    const emu = await start({ apiKey: 'k' })
    const res = await emu.call('PUT', '/v1/contacts/update', '{not json', {
      authorization: 'Bearer nope',
    })
    expect(res.status).toBe(401)
    expect(await emu.contacts()).toEqual([])
  })
})

describe('routing', () => {
  it('answers 404 for unknown Loops paths and 405 with Allow for wrong methods', async () => {
    const emu = await start()
    const missing = await emu.call('GET', '/v1/nope')
    expect(missing.status).toBe(404)
    expect(missing.json).toEqual({ success: false, message: 'Not found.' })
    const wrong = await emu.call('POST', '/v1/contacts/update', { email: 'a@b.co' })
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('PUT')
    expect(wrong.json.success).toBe(false)
  })

  it('rejects bodies that are not a JSON object with 400', async () => {
    const emu = await start()
    const broken = await emu.call('PUT', '/v1/contacts/update', '{"email":')
    expect(broken.status).toBe(400)
    expect(broken.json).toEqual({ success: false, message: 'Invalid JSON in request body.' })
    const array = await emu.call('PUT', '/v1/contacts/update', [{ email: 'a@b.co' }])
    expect(array.status).toBe(400)
  })

  it('sends no CORS headers on the API, like Loops (server-side only)', async () => {
    const emu = await start()
    const res = await emu.call('GET', '/v1/api-key', undefined, { origin: 'https://app.example' })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })
})
