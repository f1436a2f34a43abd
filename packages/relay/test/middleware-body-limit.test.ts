// middleware/body-limit.ts alone: 415 before anything is read, the body handed on within the
// cap, and past the cap a 413 that arrives: the rest of the upload is read and discarded up to
// the drain bound, and only a larger body is answered at once (Connection: close).
import { describe, expect, it } from 'vitest'
import { bodyLimit } from '../src/middleware/body-limit'
import { appWith } from './middleware-app'

const echoBytes = appWith(bodyLimit({ maxBytes: 1024, drainBytes: 8192 }), async (c) =>
  c.json({ bytes: c.var.body.byteLength, text: new TextDecoder().decode(c.var.body) }),
)

/** A streamed body of `chunks` × `size` bytes that counts how much of it was read. */
function countingBody(chunks: number, size = 512) {
  const read = { bytes: 0 }
  let left = chunks
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (left-- <= 0) return controller.close()
        read.bytes += size
        controller.enqueue(new Uint8Array(size).fill(0x20))
      },
    },
    { highWaterMark: 0 },
  ) // nothing is pulled before the reader asks
  return { stream, read }
}

const streamed = (body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
  ({
    method: 'POST',
    headers: { 'content-type': 'text/plain', ...headers },
    body,
    duplex: 'half',
  }) as RequestInit

describe('bodyLimit', () => {
  it('hands the body on as bytes for text/plain and application/json', async () => {
    for (const type of ['text/plain;charset=UTF-8', 'application/json']) {
      const res = await echoBytes.request('/v1/batch', {
        method: 'POST',
        headers: { 'content-type': type },
        body: '{"batch":[]}',
      })
      expect(await res.json()).toEqual({ bytes: 12, text: '{"batch":[]}' })
    }
  })

  it('answers 415 for any other Content-Type without reading the body', async () => {
    const { stream, read } = countingBody(4)
    const res = await echoBytes.request(
      '/v1/batch',
      streamed(stream, { 'content-type': 'application/x-www-form-urlencoded' }),
    )
    expect(res.status).toBe(415)
    expect(await res.json()).toEqual({
      error: 'Content-Type must be text/plain or application/json',
    })
    expect(read.bytes).toBe(0)
  })

  it('accepts a body of exactly the cap', async () => {
    const { stream } = countingBody(2)
    const res = await echoBytes.request('/v1/batch', streamed(stream))
    expect(await res.json()).toMatchObject({ bytes: 1024 })
  })

  it('reads an over-large body to its end (within the drain bound) before answering 413', async () => {
    const { stream, read } = countingBody(10) // 5 KB: over the cap, under the bound
    const res = await echoBytes.request('/v1/batch', streamed(stream))
    expect(res.status).toBe(413)
    expect(await res.json()).toEqual({ error: 'Body is larger than 1024 bytes' })
    expect(read.bytes).toBe(5120)
    expect(res.headers.get('connection')).toBeNull() // the connection stays usable
  })

  it('stops at the drain bound and asks to close the connection', async () => {
    const { stream, read } = countingBody(1000)
    const res = await echoBytes.request('/v1/batch', streamed(stream))
    expect(res.status).toBe(413)
    expect(res.headers.get('connection')).toBe('close')
    expect(read.bytes).toBeLessThan(8192 + 8 * 512)
  })

  it('answers a declared Content-Length over the drain bound at once, reading nothing', async () => {
    const { stream, read } = countingBody(100)
    const res = await echoBytes.request(
      '/v1/batch',
      streamed(stream, { 'content-length': '51200' }),
    )
    expect(res.status).toBe(413)
    expect(res.headers.get('connection')).toBe('close')
    expect(read.bytes).toBe(0)
  })
})
