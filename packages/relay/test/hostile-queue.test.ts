// Attacks on queue mode's capacity: a full queue answers its own 503, so an operator can tell
// "the relay is full" from "Loops is down", and the browser keeps the batch for later.
import { describe, expect, it } from 'vitest'
import { emulator, event, post, relayFor, served, tempDir, waitFor } from './http-harness'

describe('hostile queue', () => {
  it('queue cap answers its own 503', async () => {
    const emu = await emulator()
    // Loops failing: what is queued stays queued (retried with backoff).
    await emu.fault({ status: 500, times: 1000, path: '/api/v1/events/send' })
    const { relay } = relayFor(emu, { mode: 'queue', dataDir: tempDir(), maxQueue: 3 })
    const { url } = await served(relay)
    expect((await post(url, { batch: [event('cap1'), event('cap2'), event('cap3')] })).status).toBe(
      202,
    )
    await waitFor(() => relay.health().queueDepth === 3, 'three queued')
    const full = await post(url, { batch: [event('cap4')] })
    expect(full.status).toBe(503)
    expect(await full.json()).toEqual({ error: 'Relay queue is full, retry later' })
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
  })
})
