// middleware/origin.ts alone: listed origins only (scheme, host and port), hono's cors() for
// them, 403 JSON without CORS headers for anything else, preflight included.
import { describe, expect, it } from 'vitest'
import { retryLater } from '../src/http-error'
import { originPolicy } from '../src/middleware/origin'
import { appWith } from './middleware-app'

const post = (origin?: string) => ({
  method: 'POST',
  headers: { 'content-type': 'text/plain', ...(origin ? { origin } : {}) },
  body: '{}',
})
const preflight = (origin: string) => ({
  method: 'OPTIONS',
  headers: {
    origin,
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'content-type, x-tenant',
  },
})
const corsHeaders = (res: Response) =>
  [...res.headers.keys()].filter((name) => name.startsWith('access-control-'))

const app = appWith(
  originPolicy(['https://app.example.com', 'https://*.shop.example', 'http://localhost:3000']),
)
const status = async (origin: string) => (await app.request('/v1/batch', post(origin))).status

describe('originPolicy', () => {
  it('lets a request without Origin through, without CORS headers', async () => {
    const res = await app.request('/v1/batch', post())
    expect(res.status).toBe(200)
    expect(corsHeaders(res)).toEqual([])
  })

  it('answers a listed origin with its CORS headers (echo, Vary, Retry-After exposed)', async () => {
    const res = await app.request('/v1/batch', post('https://app.example.com'))
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
    expect(res.headers.get('vary')).toMatch(/Origin/)
    expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After')
  })

  it('compares scheme, host and port: every other spelling is refused', async () => {
    expect(await status('https://APP.example.com')).toBe(200) // hosts are case-insensitive
    expect(await status('https://app.example.com:443')).toBe(200) // the default port
    expect(await status('http://app.example.com')).toBe(403)
    expect(await status('https://app.example.com:8443')).toBe(403)
    expect(await status('http://localhost:3000')).toBe(200)
    expect(await status('http://localhost:3001')).toBe(403)
    expect(await status('https://localhost:3000')).toBe(403)
    expect(await status('https://app.example.com.evil.example')).toBe(403)
  })

  it('lets a wildcard entry cover subdomains of that scheme and port only', async () => {
    expect(await status('https://eu.shop.example')).toBe(200)
    expect(await status('https://a.b.shop.example')).toBe(200)
    expect(await status('https://shop.example')).toBe(403)
    expect(await status('http://eu.shop.example')).toBe(403)
    expect(await status('https://eu.shop.example:8443')).toBe(403)
    expect(await status('https://evilshop.example')).toBe(403)
  })

  it('refuses with 403 {error} and no CORS headers', async () => {
    for (const origin of ['https://evil.example', 'null', 'not a url', 'ftp://app.example.com']) {
      const res = await app.request('/v1/batch', post(origin))
      expect(res.status).toBe(403)
      expect(await res.json()).toEqual({ error: 'Origin not allowed' })
      expect(corsHeaders(res)).toEqual([])
    }
  })

  it('allows "null" only when listed, and every origin with "*"', async () => {
    const withNull = appWith(originPolicy(['null']))
    expect((await withNull.request('/v1/batch', post('null'))).status).toBe(200)
    const any = appWith(originPolicy(['*']))
    const res = await any.request('/v1/batch', post('https://anything.example'))
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://anything.example')
  })

  it('answers the preflight of a listed origin 204 with methods, headers and max-age', async () => {
    const res = await app.request('/v1/batch', preflight('https://app.example.com'))
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
    expect(res.headers.get('access-control-allow-methods')).toBe('POST,OPTIONS')
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type,x-tenant')
    expect(res.headers.get('access-control-max-age')).toBe('86400')
  })

  it('answers the preflight of any other origin 403 without CORS headers', async () => {
    const res = await app.request('/v1/batch', preflight('http://app.example.com'))
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ error: 'Origin not allowed' })
    expect(corsHeaders(res)).toEqual([])
  })

  it('keeps the CORS headers on an error answer of a listed origin, so the page can read it', async () => {
    const failing = appWith(originPolicy(['https://app.example.com']), async () => {
      throw retryLater(429, 'Too many messages from this client', 7)
    })
    const res = await failing.request('/v1/batch', post('https://app.example.com'))
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('7')
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
    expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After')
  })
})
