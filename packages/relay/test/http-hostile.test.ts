// Hostile input in-process: garbage bytes, deep nesting, prototype keys, odd values and a
// bounded fuzz. The relay must answer 2xx/4xx JSON — never a 5xx, never a crash.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { contact, emulator, event, relayFor, request, type TestEmulator } from './http-harness'

let emu: TestEmulator
beforeAll(async () => {
  emu = await emulator()
})
beforeEach(() => emu.reset())

const raw = (body: BodyInit, type = 'text/plain') => ({
  method: 'POST',
  headers: { 'content-type': type },
  body,
})

async function expectJson4xx(res: Response) {
  expect(res.status).toBeGreaterThanOrEqual(400)
  expect(res.status).toBeLessThan(500)
  expect(await res.json()).toHaveProperty('error')
}

describe('hostile bodies', () => {
  it('answers 400 for bytes that are not UTF-8', async () => {
    const { relay } = relayFor(emu)
    const bytes = new Uint8Array([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x00, 0x80, 0x7d])
    const res = await request(relay, '/v1/batch', raw(bytes))
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'Body is not valid UTF-8' })
  })

  it('answers 400 for binary noise; a UTF-8 BOM before the JSON is tolerated', async () => {
    const { relay } = relayFor(emu)
    const noise = new Uint8Array(4096)
    let seed = 7
    for (let i = 0; i < noise.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      noise[i] = seed & 0xff
    }
    await expectJson4xx(await request(relay, '/v1/batch', raw(noise)))
    const bom = `\uFEFF${JSON.stringify({ batch: [event('b')] })}`
    expect((await request(relay, '/v1/batch', raw(bom))).status).toBe(200)
  })

  it('survives deeply nested JSON in properties, entries and the envelope', async () => {
    const { relay } = relayFor(emu)
    const depth = 100_000
    const deepObject = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
    const deepArray = `${'['.repeat(depth)}${']'.repeat(depth)}`
    const bodies = [
      `{"batch":[{"type":"contact","messageId":"d1","email":"d@example.com","properties":${deepObject}}]}`,
      `{"batch":[${deepArray}]}`,
      `{"batch":[{"type":"event","messageId":"d2","email":"d@example.com","eventName":"E","eventProperties":{"x":${deepArray}}}]}`,
      deepObject,
    ]
    for (const body of bodies) {
      const res = await request(relay, '/v1/batch', raw(body))
      expect(res.status).toBeLessThan(500)
      expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    }
  })

  it('keeps __proto__, constructor and prototype keys from polluting anything', async () => {
    // Loops ignores unknown properties (no autoProperties): the request body shows what was sent.
    const plain = await emulator({ autoProperties: false })
    const { relay } = relayFor(plain)
    const body = `{"__proto__":{"polluted":"env"},"batch":[
      {"type":"contact","messageId":"proto1","email":"p@example.com","__proto__":{"type":"event"},
       "properties":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"c"}},"plan":"pro"},
       "mailingLists":{"__proto__":true}},
      {"__proto__":{"type":"contact","messageId":"proto2","email":"q@example.com"}}
    ]}`
    const res = await request(relay, '/v1/batch', raw(body))
    expect(res.status).toBe(200)
    const answer = (await res.json()) as { accepted: number; rejected: Array<{ index: number }> }
    expect(answer.accepted).toBe(1)
    // An entry whose fields only exist on a "__proto__" key is not an entry.
    expect(answer.rejected.map((r) => r.index)).toEqual([1])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
    const [put] = (await plain.requests()).filter((r) => r.path === '/api/v1/contacts/update')
    expect(put?.status).toBe(200)
    expect(put?.body).toMatchObject({ email: 'p@example.com', plan: 'pro' })
    expect(Object.getPrototypeOf(put?.body)).toBe(Object.prototype)
  })

  it('drops values Loops cannot take and cuts long strings', async () => {
    const { relay } = relayFor(emu)
    const body = `{"batch":[{"type":"contact","messageId":"v1","email":"v@example.com","properties":{
      "huge":1e400,"list":[1,2],"long":"${'y'.repeat(5000)}","ok":true,"id":"reserved","email":"x@evil.example"}}]}`
    const res = await request(relay, '/v1/batch', raw(body))
    expect(res.status).toBe(200)
    const [put] = (await emu.requests()).filter((r) => r.path === '/api/v1/contacts/update')
    const sent = put?.body as Record<string, unknown>
    expect(sent.email).toBe('v@example.com')
    expect(sent).not.toHaveProperty('huge')
    expect(sent).not.toHaveProperty('list')
    expect(sent).not.toHaveProperty('id')
    expect(sent.ok).toBe(true)
    expect(typeof sent.long === 'string' && sent.long.length <= 500).toBe(true)
  })

  it('rejects message ids Loops could not take as an Idempotency-Key', async () => {
    const { relay } = relayFor(emu)
    const res = await request(
      relay,
      '/v1/batch',
      raw(JSON.stringify({ batch: [event('x'.repeat(101)), event('ünïcode'), event('ok-id')] })),
    )
    const answer = (await res.json()) as { accepted: number; rejected: Array<{ index: number }> }
    expect(answer.accepted).toBe(1)
    expect(answer.rejected.map((r) => r.index)).toEqual([0, 1])
  })

  it('never answers 5xx to a bounded fuzz of mutated batches', async () => {
    const { relay } = relayFor(emu, { clientRateLimit: 0, loopsRateLimit: 1000 })
    const base = JSON.stringify({
      sentAt: '2026-11-22T10:00:00.000Z',
      batch: [
        contact('f1', { userId: 'u1', properties: { a: 1, b: 'two' }, mailingLists: { l: true } }),
        event('f2', { eventProperties: { c: false }, contactProperties: { d: null } }),
      ],
    })
    const pieces = [
      '{',
      '}',
      '[',
      ']',
      '"',
      ':',
      ',',
      'null',
      '1e999',
      '-0',
      '\\u0000',
      'true',
      '"__proto__"',
    ]
    let seed = 42
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const statuses = new Set<number>()
    for (let i = 0; i < 150; i++) {
      let text = base
      for (let m = 0; m <= rand(4); m++) {
        const at = rand(text.length)
        const cut = rand(3)
        text = text.slice(0, at) + (pieces[rand(pieces.length)] ?? '') + text.slice(at + cut)
      }
      const res = await request(relay, '/v1/batch', raw(text))
      statuses.add(res.status)
      expect(res.status, text).toBeLessThan(500)
      expect(typeof (await res.json())).toBe('object')
    }
    expect([...statuses].every((s) => s === 200 || s === 400)).toBe(true)
  })
})
