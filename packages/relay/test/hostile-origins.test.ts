// Attacks on the Origin check, over real HTTP: another scheme or port of a listed origin, and a
// DNS-rebinding page whose Host header matches its own Origin. Nothing may reach Loops.
import { request as httpRequest } from 'node:http'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { emulator, event, post, relayFor, served, type TestEmulator } from './http-harness'

let emu: TestEmulator
beforeAll(async () => {
  emu = await emulator()
})
beforeEach(() => emu.reset())

/** A POST with a Host header of our choosing (fetch does not allow setting it). */
function postWithHost(url: string, host: string, origin: string, body: unknown) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const req = httpRequest(
        `${url}/v1/batch`,
        { method: 'POST', headers: { host, origin, 'content-type': 'text/plain' } },
        (res) => {
          let text = ''
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }),
          )
        },
      )
      req.on('error', reject)
      req.end(JSON.stringify(body))
    },
  )
}

describe('hostile origins', () => {
  it('http://host origin is refused for an https-only listing', async () => {
    const { url } = await served(relayFor(emu, { allowedOrigins: ['https://shop.example'] }).relay)
    const res = await post(url, { batch: [event('scheme1')] }, { origin: 'http://shop.example' })
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ error: 'Origin not allowed' })
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    const ok = await post(url, { batch: [event('scheme2')] }, { origin: 'https://shop.example' })
    expect(ok.status).toBe(200)
    expect((await emu.events()).map((e) => e.idempotencyKey)).toEqual(['scheme2'])
  })

  it('a listed origin on another port is refused', async () => {
    const { url } = await served(relayFor(emu, { allowedOrigins: ['https://shop.example'] }).relay)
    const res = await post(
      url,
      { batch: [event('port1')] },
      { origin: 'https://shop.example:8443' },
    )
    expect(res.status).toBe(403)
    expect(await emu.events()).toEqual([])
  })

  it('DNS-rebinding origin with matching Host is refused', async () => {
    // A page on attacker.example re-points its name at the relay's address: the browser then
    // sends Origin http://attacker.example and Host attacker.example, as if same-origin.
    const { url } = await served(relayFor(emu, { allowedOrigins: ['https://shop.example'] }).relay)
    const port = new URL(url).port
    for (const host of ['attacker.example', `attacker.example:${port}`]) {
      const origin = `http://${host}`
      const res = await postWithHost(url, host, origin, { batch: [event(`rebind-${host}`)] })
      expect(res.status).toBe(403)
      expect(JSON.parse(res.body)).toEqual({ error: 'Origin not allowed' })
      expect(res.headers['access-control-allow-origin']).toBeUndefined()
    }
    expect(await emu.events()).toEqual([])
  })

  it("the relay's own address as Origin is refused unless listed", async () => {
    const { url } = await served(relayFor(emu).relay)
    const res = await post(url, { batch: [event('self1')] }, { origin: url })
    expect(res.status).toBe(403)
    const listed = await served(relayFor(emu, { allowedOrigins: ['http://127.0.0.1:1'] }).relay)
    const listedSelf = await post(listed.url, { batch: [event('self2')] }, { origin: listed.url })
    expect(listedSelf.status).toBe(403)
    expect(await emu.events()).toEqual([])
  })
})
