// SIGKILL mid-drain: the built CLI (`node dist/cli.js`) in queue mode is killed while it is
// sending, restarted over the same data dir, and must then deliver every accepted message —
// each event exactly once by its idempotency key, every contact present.
import { execFileSync } from 'node:child_process'
import type { WireMessage } from '@loops-cdp/core/protocol'
import { beforeAll, describe, expect, it } from 'vitest'
import { contact, emulator, event, tempDir, waitFor } from './delivery-helpers'
import { buildRelayIfStale, startRelayProcess } from './helpers/built-cli'

const RATE = 5

beforeAll(buildRelayIfStale, 200_000)

/**
 * Starts the CLI and resolves once it listens. `fileLimit` runs it under a soft file-size limit
 * (RLIMIT_FSIZE, via util-linux `prlimit`, which then execs Node: same pid): writes past that
 * size fail as on a full disk, until the limit is raised.
 */
function startRelay(env: Record<string, string>, fileLimit?: number) {
  const wrap = fileLimit === undefined ? [] : ['prlimit', `--fsize=${fileLimit}:unlimited`]
  return startRelayProcess(env, [], { wrap })
}

describe('crash safety of the built CLI in queue mode', () => {
  it('SIGKILL mid-drain, restart on the same data dir: everything delivered, events once', async () => {
    const emu = await emulator({ rateLimit: RATE })
    const env = {
      PORT: '0',
      RELAY_MODE: 'queue',
      RELAY_DATA_DIR: tempDir(),
      LOOPS_API_URL: emu.apiUrl,
      RELAY_LOOPS_RATE_LIMIT: String(RATE),
    }
    const messages: WireMessage[] = []
    for (let i = 0; i < 15; i++) {
      const email = `crash${i}@example.com`
      messages.push(contact(`c-${i}`, email, { firstName: `User${i}` }))
      messages.push(event(`e-${i}`, email, 'Signup', { n: i }))
    }
    const events = messages.filter((m) => m.type === 'event').map((m) => m.messageId)

    const first = await startRelay(env)
    const answer = await fetch(`${first.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ sentAt: new Date().toISOString(), batch: messages }),
    })
    expect(answer.status).toBe(202)
    expect(await answer.json()).toEqual({ accepted: messages.length, rejected: [] })

    // Let it drain part of the queue, then hold the next event calls in Loops so some are in
    // flight (sent, answer not yet read) at the moment of the kill.
    await waitFor(async () => (await emu.events()).length >= 3, 20_000, 'drain under way')
    await emu.fault({ delayMs: 1_500, times: 2, path: '/api/v1/events/send' })
    // Both held calls have reached Loops (the rule is used up): they are in flight now.
    await waitFor(async () => (await emu.faults()).length === 0, 20_000, 'calls held in flight')
    first.child.kill('SIGKILL')
    expect(await first.exited).toBeNull() // killed by the signal, no clean exit
    const beforeRestart = (await emu.events()).length
    expect(beforeRestart).toBeLessThan(events.length)

    const second = await startRelay(env)
    await waitFor(
      async () => {
        const [got, people] = await Promise.all([emu.events(), emu.contacts()])
        return got.length >= events.length && people.length >= messages.length / 2
      },
      45_000,
      'all delivered after restart',
    )
    await waitFor(
      async () =>
        ((await (await fetch(`${second.url}/health`)).json()) as { queueDepth: number })
          .queueDepth === 0,
      10_000,
      'queue empty',
    )

    const delivered = (await emu.events()).map((e) => e.idempotencyKey)
    expect([...delivered].sort()).toEqual([...events].sort()) // each exactly once
    const people = await emu.contacts()
    expect(people.map((c) => c.email).sort()).toEqual(
      messages
        .filter((m) => m.type === 'contact')
        .map((m) => m.email)
        .sort(),
    )
    for (const person of people) expect(person.firstName).toMatch(/^User\d+$/)
    const requests = await emu.requests()
    const duplicates = requests.filter((r) => r.status === 409).length
    const throttled = requests.filter((r) => r.status === 429).length
    console.log(
      JSON.stringify({
        crash: {
          messages: messages.length,
          eventsBeforeKill: beforeRestart,
          loopsCalls: requests.length,
          duplicates409: duplicates,
          throttled429: throttled,
        },
      }),
    )
    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)
  }, 120_000)
})

describe('the built CLI in queue mode when its disk refuses writes', () => {
  it('answers 503 and reports the stall while writes fail, then delivers everything once', async () => {
    const emu = await emulator()
    const dataDir = tempDir()
    const env = {
      PORT: '0',
      RELAY_MODE: 'queue',
      RELAY_DATA_DIR: dataDir,
      LOOPS_API_URL: emu.apiUrl,
      RELAY_METRICS: 'true',
      RELAY_LOOPS_RATE_LIMIT: '50',
    }
    // Room for the schema and a few dozen commits of the WAL, then every write fails (EFBIG).
    const relay = await startRelay(env, 256 * 1024)
    const health = async () => {
      const res = await fetch(`${relay.url}/health`)
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    }
    const accepted: string[] = []
    let refused: Response | undefined
    for (let i = 0; i < 500 && !refused; i++) {
      const message = event(`disk-${i}`, `disk${i % 7}@example.com`, 'Tick', {
        a: 'x'.repeat(400),
        b: 'y'.repeat(400),
        c: 'z'.repeat(400),
      })
      const res = await fetch(`${relay.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ batch: [message] }),
      })
      if (res.status === 202) accepted.push(message.messageId)
      else refused = res
    }
    expect(refused?.status).toBe(503)
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(accepted.length).toBeGreaterThan(0)
    // Both sides use the store: while writes fail, /health says so with SQLite's reason.
    await waitFor(async () => (await health()).status === 503, 10_000, 'health reports it')
    expect((await health()).body).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/disk I\/O error|database or disk is full/),
    })

    // Space comes back (the operator freed the disk): raise the limit of the running process.
    execFileSync('prlimit', ['--pid', String(relay.child.pid), '--fsize=unlimited:unlimited'])
    const late = await fetch(`${relay.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ batch: [event('disk-late', 'late@example.com')] }),
    })
    expect(late.status).toBe(202)
    accepted.push('disk-late')
    await waitFor(
      async () => (await emu.events()).length >= accepted.length,
      60_000,
      'everything accepted delivered',
    )
    await waitFor(async () => (await health()).status === 200, 30_000, 'healthy again')
    const keys = (await emu.events()).map((e) => e.idempotencyKey)
    expect([...keys].sort()).toEqual([...accepted].sort()) // each once, nothing refused sent
    const metrics = await (await fetch(`${relay.url}/metrics`)).text()
    const stalls = Number(/^loops_relay_worker_stalls_total (\d+)$/m.exec(metrics)?.[1])
    console.log(JSON.stringify({ diskFull: { accepted: accepted.length, stalls } }))
    relay.child.kill('SIGTERM')
    expect(await relay.exited).toBe(0)
  }, 120_000)
})
