// The documented ways to mount the handler, in-process: inside a Hono app (tested with hono's own
// `app.request()`), and as Next.js App Router route exports under a basePath.
import { Hono } from 'hono'
import { beforeAll, describe, expect, it } from 'vitest'
import { emulator, event, relayFor, type TestEmulator } from './http-harness'

let emu: TestEmulator
beforeAll(async () => {
  emu = await emulator()
})

const batch = (id: string) => ({
  method: 'POST',
  headers: { 'content-type': 'text/plain', origin: 'https://shop.example' },
  body: JSON.stringify({ batch: [event(id)] }),
})

describe('mounting relay.fetch', () => {
  it('works inside a Hono app under /loops/*', async () => {
    const { relay } = relayFor(emu, {
      basePath: '/loops',
      allowedOrigins: ['https://shop.example'],
    })
    const app = new Hono()
    app.get('/', (c) => c.text('the shop'))
    app.all('/loops/*', (c) => relay.fetch(c.req.raw))

    const res = await app.request('/loops/v1/batch', batch('hono1'))
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example')
    expect(await res.json()).toEqual({ accepted: 1, rejected: [] })
    expect((await app.request('/loops/health')).status).toBe(200)
    expect(await (await app.request('/')).text()).toBe('the shop')
    expect((await emu.events()).some((e) => e.idempotencyKey === 'hono1')).toBe(true)
  })

  it('works as Next.js route handler exports (app/loops/[...path]/route.ts)', async () => {
    const { relay } = relayFor(emu, {
      basePath: '/loops',
      allowedOrigins: ['https://shop.example'],
    })
    const POST = (req: Request) => relay.fetch(req)
    const OPTIONS = (req: Request) => relay.fetch(req)
    const GET = (req: Request) => relay.fetch(req)

    const url = 'https://shop.example/loops/v1/batch'
    const preflight = await OPTIONS(
      new Request(url, {
        method: 'OPTIONS',
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
      }),
    )
    expect(preflight.status).toBe(204)
    const res = await POST(new Request(url, batch('next1')))
    expect(await res.json()).toEqual({ accepted: 1, rejected: [] })
    const health = await GET(new Request('https://shop.example/loops/health'))
    expect(await health.json()).toMatchObject({ ok: true, mode: 'direct' })
  })
})
