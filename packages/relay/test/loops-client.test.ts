import { createServer as createHttpServer } from 'node:http'
import { describe, expect, it } from 'vitest'
import { LoopsHttpError, LoopsNetworkError, LoopsTimeoutError } from '../src/errors'
import { createLoopsClient, type LoopsFailure, type LoopsResult } from '../src/loops-client'
import { emulator, onCleanup, waitFor } from './delivery-helpers'
import { freePort, listenOnLoopback } from './helpers/loopback'

const KEY = 'sk_test_9f8e7d6c5b4a39281706'

function failure(result: LoopsResult): LoopsFailure {
  if (result.ok) throw new Error(`expected a failure, got ${result.status}`)
  return result
}

/** Everything a caller could log about a failure: none of it may contain the key. */
function everythingSaid(result: LoopsFailure): string {
  const { error } = result
  return [
    result.reason,
    error.message,
    String(error),
    error.stack ?? '',
    JSON.stringify(result),
    JSON.stringify(error),
  ].join('\n')
}

describe('Loops client (ky) against the emulator', () => {
  it('upserts a contact with the Bearer key and reads the rate-limit headers', async () => {
    const emu = await emulator({ apiKey: KEY, rateLimit: 10 })
    const loops = createLoopsClient({ apiKey: KEY, baseUrl: emu.apiUrl })
    const result = await loops.updateContact({ email: 'ada@example.com', firstName: 'Ada' })
    expect(result).toMatchObject({ ok: true, status: 200, rateLimit: { limit: 10 } })
    const [stored] = await emu.contacts()
    expect(stored).toMatchObject({ email: 'ada@example.com', firstName: 'Ada' })
    const [request] = await emu.requests()
    expect(request?.headers['content-type']).toMatch(/application\/json/)
  })

  it('checks the key with GET /v1/api-key and gets the team name', async () => {
    const emu = await emulator({ apiKey: KEY, teamName: 'Acme' })
    const loops = createLoopsClient({ apiKey: KEY, baseUrl: `${emu.apiUrl}/` })
    expect(await loops.testApiKey()).toMatchObject({ ok: true, status: 200, teamName: 'Acme' })
  })

  it('sends Idempotency-Key: <messageId> and treats a 409 from events/send as delivered', async () => {
    const emu = await emulator()
    const loops = createLoopsClient({ apiKey: KEY, baseUrl: emu.apiUrl })
    const body = { eventName: 'Signup', email: 'ada@example.com', eventProperties: { plan: 'pro' } }
    const first = await loops.sendEvent(body, 'msg-1')
    const again = await loops.sendEvent(body, 'msg-1')
    expect(first).toMatchObject({ ok: true, status: 200 })
    expect(first.ok && first.duplicate).toBeFalsy()
    expect(again).toMatchObject({ ok: true, status: 409, duplicate: true })
    const events = await emu.events()
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ idempotencyKey: 'msg-1', eventName: 'Signup' })
    expect((await emu.requests()).map((r) => r.status)).toEqual([200, 409])
  })

  it('reads an HTML 502 from a load balancer as a retryable LoopsHttpError', async () => {
    const emu = await emulator()
    await emu.fault({ status: 502, times: 1, body: '<html><body>502 Bad Gateway</body></html>' })
    const loops = createLoopsClient({ apiKey: KEY, baseUrl: emu.apiUrl })
    const result = failure(await loops.updateContact({ email: 'ada@example.com' }))
    expect(result).toMatchObject({ status: 502, retryable: true })
    expect(result.error).toBeInstanceOf(LoopsHttpError)
    expect(result.error).toMatchObject({
      name: 'LoopsHttpError',
      status: 502,
      method: 'PUT',
      path: '/v1/contacts/update',
      detail: 'non-JSON body: 502 Bad Gateway',
    })
  })

  it('gives up after its timeout with a LoopsTimeoutError and no ky retry', async () => {
    const emu = await emulator()
    await emu.fault({ delayMs: 600, times: 1, status: 500 })
    const loops = createLoopsClient({ apiKey: KEY, baseUrl: emu.apiUrl, timeoutMs: 150 })
    const result = failure(await loops.sendEvent({ eventName: 'Slow', email: 'a@b.co' }, 'm-slow'))
    expect(result.error).toBeInstanceOf(LoopsTimeoutError)
    expect(result).toMatchObject({ retryable: true, error: { timeoutMs: 150 } })
    expect(result.status).toBeUndefined()
    // One attempt only (the queue owns retries): a ky retry would have been answered at once
    // and logged before the delayed first request.
    await waitFor(async () => (await emu.requests()).length > 0, 5_000, 'delayed request logged')
    expect(await emu.requests()).toHaveLength(1)
  })

  it('times out a body that stops half way (a stalled proxy), not only missing headers', async () => {
    // A real HTTP server standing in for a broken proxy: status and headers, then silence.
    const server = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
      res.write('{"success":')
    })
    const port = await listenOnLoopback(server, onCleanup)
    const loops = createLoopsClient({
      apiKey: KEY,
      baseUrl: `http://127.0.0.1:${port}/api`,
      timeoutMs: 200,
    })
    const result = failure(await loops.updateContact({ email: 'ada@example.com' }))
    expect(result.error).toBeInstanceOf(LoopsTimeoutError)
    expect(result.retryable).toBe(true)
  })

  it('answers a rejected key (401) without the key anywhere in what it reports', async () => {
    const emu = await emulator({ apiKey: 'the-right-key-000000' })
    const loops = createLoopsClient({ apiKey: KEY, baseUrl: emu.apiUrl })
    const result = failure(await loops.testApiKey())
    expect(result).toMatchObject({ status: 401, error: { name: 'LoopsHttpError' } })
    expect(result.reason).toContain('Invalid API key')
    expect(everythingSaid(result)).not.toContain(KEY)
  })

  it('redacts the key when an error body echoes it back', async () => {
    const emu = await emulator()
    await emu.fault({ status: 500, times: 1, body: `<pre>bad header: Bearer ${KEY}</pre>` })
    const loops = createLoopsClient({ apiKey: KEY, baseUrl: emu.apiUrl })
    const result = failure(await loops.updateContact({ email: 'ada@example.com' }))
    expect(result.reason).toContain('Bearer [redacted]')
    expect(everythingSaid(result)).not.toContain(KEY)
  })

  it('reports a refused connection as a retryable LoopsNetworkError without the key', async () => {
    // A port that was free a moment ago: nothing listens there now.
    const port = await freePort()
    const loops = createLoopsClient({ apiKey: KEY, baseUrl: `http://127.0.0.1:${port}/api` })
    const result = failure(await loops.sendEvent({ eventName: 'X', email: 'a@b.co' }, 'm-net'))
    expect(result.error).toBeInstanceOf(LoopsNetworkError)
    expect(result).toMatchObject({ retryable: true, error: { code: 'ECONNREFUSED' } })
    expect(everythingSaid(result)).not.toContain(KEY)
  })

  it('marks a 400 as not retryable and keeps Loops` message as the reason', async () => {
    const emu = await emulator()
    const loops = createLoopsClient({ apiKey: KEY, baseUrl: emu.apiUrl })
    const result = failure(
      await loops.updateContact({ email: 'ada@example.com', mailingLists: { nope: true } }),
    )
    expect(result).toMatchObject({ status: 400, retryable: false })
    expect(result.reason).toMatch(/Mailing list "nope" not found/)
  })
})
