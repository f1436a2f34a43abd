// Attacks on the transport, over real HTTP against serveRelay: over-large bodies from clients
// that write everything before reading, and slow clients holding a connection open.
import { request as httpRequest } from 'node:http'
import { beforeAll, describe, expect, it } from 'vitest'
import { serveRelay } from '../src/serve'
import { sendAndStall } from './helpers/loopback'
import { emulator, onCleanup, relayFor, type TestEmulator } from './http-harness'

let emu: TestEmulator
beforeAll(async () => {
  emu = await emulator()
})

interface Answer {
  status: number
  body: string
}

/**
 * Node's http.request writing the whole body without waiting for an answer, then reading: the
 * kind of client that gets EPIPE / ECONNRESET instead of the answer when a server closes
 * mid-upload. `paceMs` spreads the writes out, like a proxy passing on a slow upload.
 */
function writeAllThenRead(
  url: string,
  body: Buffer,
  { chunked = false, paceMs = 0 }: { chunked?: boolean; paceMs?: number } = {},
  socketErrors: string[] = [],
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/v1/batch`,
      {
        method: 'POST',
        headers: {
          'content-type': 'text/plain',
          ...(chunked ? {} : { 'content-length': String(body.byteLength) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        )
        res.on('error', reject)
      },
    )
    // Counted even after the answer arrived: a reset mid-upload is a failure either way.
    req.on('error', (error: NodeJS.ErrnoException) => {
      socketErrors.push(error.code ?? error.message)
      reject(error)
    })
    if (!chunked && paceMs === 0) return void req.end(body)
    const size = 128 * 1024
    let at = 0
    const next = () => {
      if (req.destroyed) return
      if (at >= body.byteLength) return void req.end()
      req.write(body.subarray(at, at + size))
      at += size
      if (paceMs > 0) setTimeout(next, paceMs)
      else next()
    }
    next()
  })
}

describe('hostile transport', () => {
  it('a 5 MB body written without waiting gets the 413 JSON', async () => {
    const { relay } = relayFor(emu)
    const served = await serveRelay(relay, { port: 0, host: '127.0.0.1' })
    onCleanup(() => served.close())
    const body = Buffer.alloc(5 * 1024 * 1024, 0x20)
    const errors: string[] = []
    let answered = 0
    const socketErrors: string[] = []
    for (let i = 0; i < 50; i++) {
      // Mostly at full speed (Content-Length or chunked); every tenth spread over about a second.
      const how = { chunked: i % 2 === 1, paceMs: i % 10 === 9 ? 25 : 0 }
      try {
        const answer = await writeAllThenRead(served.url, body, how, socketErrors)
        expect(answer.status).toBe(413)
        expect(JSON.parse(answer.body)).toEqual({ error: 'Body is larger than 524288 bytes' })
        answered++
      } catch (error) {
        errors.push((error as NodeJS.ErrnoException).code ?? String(error))
      }
    }
    expect(errors).toEqual([])
    expect(answered).toBe(50)
    expect(socketErrors).toEqual([])
    // And the relay is still fine for the next, normal client.
    const ok = await writeAllThenRead(
      served.url,
      Buffer.from(
        JSON.stringify({
          batch: [
            { type: 'event', messageId: 'after-5mb', email: 'a@example.com', eventName: 'E' },
          ],
        }),
      ),
    )
    expect(ok.status).toBe(200)
  })

  it('slow body is cut off by requestTimeout', async () => {
    const { relay } = relayFor(emu)
    const served = await serveRelay(relay, {
      port: 0,
      host: '127.0.0.1',
      headersTimeoutMs: 500,
      requestTimeoutMs: 1000,
    })
    onCleanup(() => served.close())
    // The rest never comes: the server must give up on its own, answering 408 and closing.
    const received = await sendAndStall(
      { hostname: '127.0.0.1', port: served.port },
      'POST /v1/batch HTTP/1.1\r\nHost: relay\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n{"batch":[',
      15_000,
      onCleanup,
    )
    expect(received).toMatch(/^HTTP\/1\.1 408/)
  })

  it('slow headers are cut off by headersTimeout', async () => {
    const { relay } = relayFor(emu)
    const served = await serveRelay(relay, {
      port: 0,
      host: '127.0.0.1',
      headersTimeoutMs: 500,
      requestTimeoutMs: 5000,
    })
    onCleanup(() => served.close())
    const received = await sendAndStall(
      { hostname: '127.0.0.1', port: served.port },
      'POST /v1/batch HTTP/1.1\r\nHost: relay\r\n',
      15_000,
      onCleanup,
    )
    expect(received).toMatch(/^HTTP\/1\.1 408/)
  })
})
