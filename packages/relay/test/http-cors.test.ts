// CORS and the Origin allow list, in-process: allowed origins get their CORS headers, others a
// 403 without any (preflight included), requests without Origin pass, `*` and wildcards work.
import { beforeAll, describe, expect, it } from 'vitest'
import { emulator, event, relayFor, request, type TestEmulator } from './http-harness'

let emu: TestEmulator
beforeAll(async () => {
  emu = await emulator()
})

const send = (origin?: string) => ({
  method: 'POST',
  headers: { 'content-type': 'text/plain', ...(origin ? { origin } : {}) },
  body: JSON.stringify({ batch: [event(`o${Math.random().toString(36).slice(2)}`)] }),
})

const preflight = (origin: string, headers = 'content-type') => ({
  method: 'OPTIONS',
  headers: {
    origin,
    'access-control-request-method': 'POST',
    'access-control-request-headers': headers,
  },
})

const corsHeaders = (res: Response) =>
  [...res.headers.keys()].filter((name) => name.startsWith('access-control-'))

describe('Origin allow list', () => {
  const allowedOrigins = ['https://app.example.com', 'https://*.shop.example']

  it('answers an allowed origin with its CORS headers', async () => {
    const { relay } = relayFor(emu, { allowedOrigins })
    const res = await request(relay, '/v1/batch', send('https://app.example.com'))
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
    expect(res.headers.get('vary')).toMatch(/Origin/)
    expect(res.headers.get('access-control-expose-headers')).toMatch(/Retry-After/)
  })

  it('allows subdomains of a wildcard entry, not the bare domain or another scheme', async () => {
    const { relay } = relayFor(emu, { allowedOrigins })
    expect((await request(relay, '/v1/batch', send('https://eu.shop.example'))).status).toBe(200)
    expect((await request(relay, '/v1/batch', send('https://shop.example'))).status).toBe(403)
    expect((await request(relay, '/v1/batch', send('http://eu.shop.example'))).status).toBe(403)
    expect((await request(relay, '/v1/batch', send('https://evilshop.example'))).status).toBe(403)
  })

  it('refuses any other origin with 403 {error} and no CORS headers, delivering nothing', async () => {
    const { relay } = relayFor(emu, { allowedOrigins })
    for (const origin of ['https://evil.example', 'https://app.example.com.evil.example', 'null']) {
      const res = await request(relay, '/v1/batch', send(origin))
      expect(res.status).toBe(403)
      expect(await res.json()).toEqual({ error: 'Origin not allowed' })
      expect(corsHeaders(res)).toEqual([])
    }
  })

  it('allows requests without an Origin (servers, same-origin tools)', async () => {
    const { relay } = relayFor(emu, { allowedOrigins })
    const res = await request(relay, '/v1/batch', send())
    expect(res.status).toBe(200)
    expect(corsHeaders(res)).toEqual([])
  })

  it('refuses an Origin naming the relay itself unless it is listed (no same-host rule)', async () => {
    const { relay } = relayFor(emu)
    expect((await request(relay, '/v1/batch', send('http://relay.test'))).status).toBe(403)
    const listed = relayFor(emu, { allowedOrigins: ['http://relay.test'] }).relay
    expect((await request(listed, '/v1/batch', send('http://relay.test'))).status).toBe(200)
  })

  it('allows every origin with "*"', async () => {
    const { relay } = relayFor(emu, { allowedOrigins: ['*'] })
    const res = await request(relay, '/v1/batch', send('https://anything.example'))
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://anything.example')
  })

  it('adds CORS headers to error answers for allowed origins, so the page can read them', async () => {
    const { relay } = relayFor(emu, { allowedOrigins })
    const res = await request(relay, '/v1/batch', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'https://app.example.com' },
      body: '{"batch":',
    })
    expect(res.status).toBe(400)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
  })
})

describe('preflight (OPTIONS /v1/batch)', () => {
  const allowedOrigins = ['https://app.example.com']

  it('answers an allowed origin 204 with methods, headers and max-age', async () => {
    const { relay } = relayFor(emu, { allowedOrigins })
    const res = await request(
      relay,
      '/v1/batch',
      preflight('https://app.example.com', 'content-type, x-tenant'),
    )
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
    expect(res.headers.get('access-control-allow-methods')).toBe('POST,OPTIONS')
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type,x-tenant')
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0)
  })

  it('answers a disallowed origin 403 without CORS headers', async () => {
    const { relay } = relayFor(emu, { allowedOrigins })
    const res = await request(relay, '/v1/batch', preflight('https://evil.example'))
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ error: 'Origin not allowed' })
    expect(corsHeaders(res)).toEqual([])
  })
})
