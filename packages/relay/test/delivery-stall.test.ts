// A queue whose store fails does not stop for good: the worker backs off and retries, /health
// says why meanwhile, ingest answers 503 + Retry-After (never 202 for what was not stored), and
// once the store works again everything accepted is delivered, events once. The failure is
// real: another connection holds SQLite's write lock (`BEGIN EXCLUSIVE`), so every write of
// the relay's store fails with SQLITE_BUSY ("database is locked") until it lets go.
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { createSqliteQueueMode } from '../src/delivery/sqlite-queue'
import { openSqliteStore } from '../src/delivery/sqlite-store'
import { createLoopsClient } from '../src/loops-client'
import { createPacer } from '../src/pacer'
import { contact, emulator, event, items, onCleanup, tempDir, waitFor } from './delivery-helpers'
import { post, relayFor, served } from './http-harness'

/** Another process's connection holding the write lock on the relay's queue.db. */
function holdWriteLock(dataDir: string) {
  const db = new Database(join(dataDir, 'queue.db'))
  db.exec('BEGIN EXCLUSIVE')
  const release = () => {
    if (!db.open) return
    db.exec('COMMIT')
    db.close()
  }
  onCleanup(release)
  return { release }
}

describe('queue mode when its store fails', () => {
  it('the worker stalls, backs off and resumes; ingest answers 503 meanwhile; nothing is lost', async () => {
    const emu = await emulator()
    const dataDir = tempDir()
    const stalls: string[] = []
    const mode = createSqliteQueueMode({
      dataDir,
      loops: createLoopsClient({ apiKey: 'stall-test-key', baseUrl: emu.apiUrl }),
      pacer: createPacer({ ratePerSecond: 50 }),
      onOutcome: () => {},
      onStall: (reason) => stalls.push(reason),
      busyTimeoutMs: 20,
      stallBackoff: { baseMs: 20, capMs: 100 },
    })
    onCleanup(() => mode.stop())
    const queued = [
      contact('c-1', 'ada@example.com', { plan: 'pro' }),
      event('e-1', 'ada@example.com'),
    ]
    expect(await mode.submit(items(queued))).toEqual({ status: 202, rejected: [] })

    const lock = holdWriteLock(dataDir)
    mode.start()
    await waitFor(() => !mode.health?.().ok, 5_000, 'worker stalled')
    expect(mode.health?.()).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /^queue worker cannot use the queue store \(\w+\): .*database is locked/,
      ),
    })
    // Not stored, so not accepted: the browser keeps the batch and tries again later.
    const refused = await mode.submit(items([event('e-2', 'bob@example.com')]))
    expect(refused).toMatchObject({ status: 503, retryAfterSeconds: expect.any(Number) })
    // It keeps trying (several backoffs) and counts one stall for the whole episode.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(stalls).toHaveLength(1)
    expect(await emu.events()).toEqual([]) // nothing delivered while stalled (the key check ran)

    lock.release()
    await waitFor(() => mode.depth() === 0, 10_000, 'queue drained after the store recovered')
    expect(mode.health?.()).toEqual({ ok: true })
    expect(await mode.submit(items([event('e-2', 'bob@example.com')]))).toMatchObject({
      status: 202,
    })
    await waitFor(() => mode.depth() === 0, 10_000, 'e-2 drained')
    expect((await emu.events()).map((e) => e.idempotencyKey).sort()).toEqual(['e-1', 'e-2'])
    expect((await emu.contacts()).find((c) => c.email === 'ada@example.com')).toMatchObject({
      plan: 'pro',
    })
    expect(stalls).toHaveLength(1)
  })

  it('over HTTP: /health 503 with the reason, the stall in /metrics, batches 503 + Retry-After, then all delivered', async () => {
    const emu = await emulator()
    const dataDir = tempDir()
    // Accepted by an earlier run, waiting in the queue.
    const earlier = openSqliteStore({ dataDir })
    await earlier.enqueue([event('queued-1', 'ada@example.com')], Date.now())
    await earlier.close()

    const lock = holdWriteLock(dataDir)
    const { relay } = relayFor(emu, { mode: 'queue', dataDir, metrics: true })
    await relay.start()
    const server = await served(relay)
    const health = async () => {
      const res = await fetch(`${server.url}/health`)
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    }
    const stalls = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text()
      return text.split('\n').find((l) => l.startsWith('loops_relay_worker_stalls_total '))
    }

    // The store's writes wait out SQLite's busy timeout, then fail.
    const refused = await post(server.url, { batch: [event('new-1', 'bob@example.com')] })
    expect(refused.status).toBe(503)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    await waitFor(async () => (await health()).status === 503, 30_000, 'health reports the stall')
    expect((await health()).body).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/database is locked/),
      mode: 'queue',
    })
    await waitFor(
      async () => (await stalls()) === 'loops_relay_worker_stalls_total 1',
      30_000,
      'stall counted',
    )
    expect(await emu.events()).toEqual([]) // nothing delivered while stalled (the key check ran)

    lock.release()
    const accepted = await post(server.url, { batch: [event('new-1', 'bob@example.com')] })
    expect(accepted.status).toBe(202)
    await waitFor(async () => (await emu.events()).length === 2, 30_000, 'both delivered')
    await waitFor(async () => (await health()).status === 200, 30_000, 'healthy again')
    expect((await health()).body).toMatchObject({ ok: true, queueDepth: 0 })
    expect((await health()).body).not.toHaveProperty('reason')
    expect((await emu.events()).map((e) => e.idempotencyKey).sort()).toEqual(['new-1', 'queued-1'])
    expect(await stalls()).toBe('loops_relay_worker_stalls_total 1')
  })
})
