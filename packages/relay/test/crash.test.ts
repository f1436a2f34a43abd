// SIGKILL mid-drain: the built CLI (`node dist/cli.js`) in queue mode is killed while it is
// sending, restarted over the same data dir, and must then deliver every accepted message —
// each event exactly once by its idempotency key, every contact present.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { WireMessage } from '@loops-cdp/core/protocol'
import { beforeAll, describe, expect, it } from 'vitest'
import { contact, emulator, event, onCleanup, tempDir, waitFor } from './delivery-helpers'

const relayDir = fileURLToPath(new URL('..', import.meta.url))
const cli = join(relayDir, 'dist', 'cli.js')
const RATE = 5

/** Newest modification time under a folder. */
function newest(dir: string): number {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }
  return latest
}

beforeAll(() => {
  // Build only when dist is missing or older than the sources, so the test runs today's code.
  if (existsSync(cli) && statSync(cli).mtimeMs >= newest(join(relayDir, 'src'))) return
  execFileSync('pnpm', ['--filter', '@loops-cdp/relay', 'build'], {
    cwd: relayDir,
    stdio: 'ignore',
    timeout: 180_000,
  })
}, 200_000)

interface Running {
  child: ChildProcess
  url: string
  exited: Promise<number | null>
}

/** Starts the CLI and resolves with its URL from the JSON `listening` line it prints. */
async function startRelay(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [cli], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  const stderr: string[] = []
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`relay did not start: ${stderr.join('')}`)),
      15_000,
    )
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
      try {
        const line = JSON.parse(text) as { msg?: string; url?: string }
        if (line.msg === 'listening' && line.url) {
          clearTimeout(timer)
          resolve(line.url)
        }
      } catch {
        // not a JSON line
      }
    })
    child.once('exit', () => reject(new Error(`relay exited early: ${stderr.join('')}`)))
  })
  return { child, url, exited }
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
