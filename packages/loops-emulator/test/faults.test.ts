import { describe, expect, it } from 'vitest'
import { start, waitFor } from './helpers.js'

const ana = 'ana@example.com'
type Logged = { path: string; status: number; fault: boolean; response: unknown }

describe('fault injection', () => {
  it('answers the injected status `times` times, then behaves normally again', async () => {
    const emu = await start()
    const posted = await emu.fault({ status: 503, times: 2 })
    expect(posted.status).toBe(200)
    expect(await posted.json()).toEqual({ ok: true })
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await emu.update({ email: ana })).status)
    expect(statuses).toEqual([503, 503, 200])
    const log = await emu.inspect<Logged[]>('requests')
    expect(log.map((r) => [r.status, r.fault])).toEqual([
      [503, true],
      [503, true],
      [200, false],
    ])
    expect(log[0]?.response).toEqual({ success: false, message: 'Service unavailable.' })
    // A faulted request changed nothing: only the third call created the contact.
    expect(await emu.contacts()).toHaveLength(1)
  })

  it('serves an HTML body as text/html, like a load balancer 502', async () => {
    const emu = await start()
    const html = '<html><body>502 Bad Gateway</body></html>'
    await emu.fault({ status: 502, times: 1, body: html })
    const res = await emu.update({ email: ana })
    expect(res.status).toBe(502)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(res.text).toBe(html)
    await emu.fault({ status: 500, times: 1, body: { oops: true } })
    const json = await emu.update({ email: ana })
    expect(json.status).toBe(500)
    expect(json.json).toEqual({ oops: true })
    await emu.fault({ status: 503, times: 1, body: 'Service Unavailable' })
    const text = await emu.update({ email: ana })
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(text.text).toBe('Service Unavailable')
  })

  it('gives an injected 429 the rate-limit headers', async () => {
    const emu = await start({ rateLimit: 10 })
    await emu.fault({ status: 429, times: 1 })
    const res = await emu.call('GET', '/v1/api-key')
    expect(res.status).toBe(429)
    expect(res.headers.get('x-ratelimit-limit')).toBe('10')
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(res.json).toEqual({ success: false, message: 'Rate limit exceeded.' })
  })

  it('matches `path` against the full request path only', async () => {
    const emu = await start()
    await emu.fault({ status: 500, times: 1, path: '/api/v1/events/send' })
    expect((await emu.update({ email: ana })).status).toBe(200)
    expect((await emu.call('GET', '/v1/api-key')).status).toBe(200)
    expect((await emu.event({ email: ana, eventName: 'A' })).status).toBe(500)
    expect((await emu.event({ email: ana, eventName: 'B' })).status).toBe(200)
  })

  it('queues rules in order; a request takes the first rule that matches it', async () => {
    const emu = await start()
    await emu.fault([
      { status: 502, times: 1, path: '/api/v1/events/send' },
      { status: 503, times: 1 },
    ])
    await emu.fault({ status: 500, times: 1 })
    // The update skips the events-only rule and takes the 503, then the 500.
    expect((await emu.update({ email: ana })).status).toBe(503)
    expect((await emu.update({ email: ana })).status).toBe(500)
    expect((await emu.event({ email: ana, eventName: 'A' })).status).toBe(502)
    expect((await emu.event({ email: ana, eventName: 'A' })).status).toBe(200)
  })

  it('only delays when the rule has no status', async () => {
    const emu = await start()
    await emu.fault({ delayMs: 2500, times: 1, path: '/api/v1/contacts/update' })
    const slow = emu.update({ email: ana })
    // The rule is taken as soon as the slow request arrives…
    await waitFor(async () => (await emu.inspect<unknown[]>('faults')).length === 0)
    // …and a request sent after it is answered first.
    expect((await emu.call('GET', '/v1/api-key')).status).toBe(200)
    const answer = await slow
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual({ success: true, id: expect.any(String) })
    const log = await emu.inspect<Logged[]>('requests')
    expect(log.map((r) => [r.path, r.status, r.fault])).toEqual([
      ['/api/v1/api-key', 200, false],
      ['/api/v1/contacts/update', 200, false],
    ])
    expect(await emu.contacts()).toHaveLength(1)
  })

  it('delays and then answers the status when a rule has both', async () => {
    const emu = await start()
    await emu.fault({ status: 503, delayMs: 50, times: 1 })
    expect((await emu.update({ email: ana })).status).toBe(503)
    expect((await emu.update({ email: ana })).status).toBe(200)
  })

  it('with `after: true` processes the request, then answers the status (the answer was lost)', async () => {
    const emu = await start()
    await emu.fault({ status: 502, times: 1, path: '/api/v1/events/send', after: true })
    const headers = { 'idempotency-key': 'msg-after-1' }
    const lost = await emu.event({ email: ana, eventName: 'Signup', plan: 'pro' }, headers)
    expect(lost.status).toBe(502)
    expect(lost.json).toEqual({ success: false, message: 'Bad gateway.' })
    // Loops did the work: the contact and the event exist, and the key is used.
    expect(await emu.contacts()).toEqual([expect.objectContaining({ email: ana })])
    expect(await emu.inspect<Array<{ eventName: string }>>('events')).toEqual([
      expect.objectContaining({ eventName: 'Signup', idempotencyKey: 'msg-after-1' }),
    ])
    const retry = await emu.event({ email: ana, eventName: 'Signup' }, headers)
    expect(retry.status).toBe(409)
    const log = await emu.inspect<Array<Logged & { processedStatus?: number }>>('requests')
    expect(log.map((r) => [r.status, r.fault, r.processedStatus])).toEqual([
      [502, true, 200],
      [409, false, undefined],
    ])
  })

  it('with `after: true` keeps a refused request refused (nothing changes on a 400)', async () => {
    const emu = await start()
    await emu.fault({ status: 503, times: 1, after: true })
    expect((await emu.update({ userId: 'nobody' })).status).toBe(503)
    expect(await emu.contacts()).toEqual([])
    const log = await emu.inspect<Array<Logged & { processedStatus?: number }>>('requests')
    expect(log[0]?.processedStatus).toBe(400)
  })

  it('lists pending rules, clears them with DELETE, and refuses malformed rules', async () => {
    const emu = await start()
    await emu.fault({ status: 500, times: 3, path: '/api/v1/lists' })
    await emu.call('GET', '/v1/lists')
    expect(await emu.inspect('faults')).toEqual([
      { status: 500, times: 3, path: '/api/v1/lists', remaining: 2 },
    ])
    await fetch(`${emu.url}/_emulator/faults`, { method: 'DELETE' })
    expect(await emu.inspect('faults')).toEqual([])
    for (const bad of [
      { status: 404, times: 1 },
      { status: 500, times: 0 },
      { times: 1 },
      { status: 500, times: 1, path: '/v1/events/send' },
      { status: 500, times: 1, delayMs: -1 },
      { delayMs: 10, times: 1, after: true },
      { status: 502, times: 1, after: 'yes' },
      'nope',
    ]) {
      const res = await emu.fault(bad)
      expect(res.status, JSON.stringify(bad)).toBe(400)
      expect(await res.json()).toEqual({ ok: false, error: expect.any(String) })
    }
    expect(await emu.inspect('faults')).toEqual([])
  })

  it('never applies to the inspection API or the dashboard', async () => {
    const emu = await start()
    await emu.fault({ status: 500, times: 5 })
    expect((await fetch(`${emu.url}/`)).status).toBe(200)
    expect((await fetch(`${emu.url}/_emulator/contacts`)).status).toBe(200)
    expect(await emu.inspect<Array<{ remaining: number }>>('faults')).toEqual([
      expect.objectContaining({ remaining: 5 }),
    ])
  })
})
