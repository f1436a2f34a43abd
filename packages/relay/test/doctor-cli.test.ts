// `loops-relay doctor`: the built CLI spawned against the real emulator, on a correct set-up and
// on broken ones. What a person reads (the table), what a script reads (--json, exit status).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildRelayIfStale, runCli } from './helpers/built-cli'
import { freePort } from './helpers/loopback'
import {
  contact,
  emulator,
  post,
  relayFor,
  served,
  type TestEmulator,
  tempDir,
  waitFor,
} from './http-harness'

const KEY = 'doctor-test-key-7f3a'

beforeAll(buildRelayIfStale, 200_000)

/** Runs `loops-relay doctor` with exactly `env` (plus PATH); resolves exit code and output. */
async function doctor(env: Record<string, string>, args: string[] = []) {
  const run = runCli(env, ['doctor', ...args])
  const code = await run.exited
  return { code: code ?? -1, stdout: run.out.join(''), stderr: run.err.join('') }
}

/** The status and detail of one row of the table. */
function rowOf(table: string, name: string): { status: string; detail: string } | undefined {
  const line = table.split('\n').find((l) => l.slice(8).startsWith(`${name} `))
  if (!line) return undefined
  return { status: line.slice(2, 6).trim(), detail: line.slice(8 + name.length).trim() }
}

const LISTS = [
  { id: 'newsletter', name: 'Newsletter' },
  { id: 'beta', name: 'Beta' },
]

function goodEnv(emu: TestEmulator, dataDir: string): Record<string, string> {
  return {
    LOOPS_API_URL: emu.apiUrl,
    LOOPS_API_KEY: KEY,
    RELAY_IDENTITY_SECRET: 'doctor-identity-secret',
    RELAY_ALLOWED_ORIGINS: 'https://app.example.com',
    RELAY_MAILING_LIST_ALLOWLIST: 'newsletter,beta',
    RELAY_DATA_DIR: dataDir,
  }
}

describe('loops-relay doctor', { timeout: 60_000 }, () => {
  it('passes a correct set-up: every row ok (redis skipped in queue mode), exit 0', async () => {
    const emu = await emulator({ apiKey: KEY, rateLimit: 10, lists: LISTS, teamName: 'Acme' })
    const { code, stdout } = await doctor(goodEnv(emu, tempDir()))
    console.log(stdout)
    expect(code).toBe(0)
    expect(stdout).toContain(`loops-relay doctor: ${emu.apiUrl}, queue mode`)
    expect(rowOf(stdout, 'Loops key')).toEqual({
      status: 'ok',
      detail: `accepted by ${emu.apiUrl}; team "Acme"`,
    })
    expect(rowOf(stdout, 'rate limit')?.detail).toMatch(/^Loops allows 10\/s \(\d+ left\)/)
    for (const name of ['identity', 'origins', 'mailing lists', 'properties', 'data dir']) {
      expect(rowOf(stdout, name)?.status, name).toBe('ok')
    }
    expect(rowOf(stdout, 'redis')).toEqual({ status: 'skip', detail: 'not used in queue mode' })
    expect(stdout).toContain('No problems.')
    expect(stdout).not.toContain(KEY)
  })

  it('names the allow-listed list and the properties the running relay saw that Loops lacks, exit 1', async () => {
    const emu = await emulator({
      apiKey: KEY,
      rateLimit: 10,
      lists: LISTS,
      properties: [{ key: 'plan', type: 'string' }],
    })
    const dataDir = tempDir()
    // A relay in queue mode meets a property Loops does not have, and records it at stop.
    const { relay } = relayFor(emu, { loopsApiKey: KEY, mode: 'queue', dataDir })
    const { url } = await served(relay)
    await post(url, {
      batch: [contact('d1', { properties: { plan: 'pro', favoriteColor: 'teal' } })],
    })
    await waitFor(async () => (await emu.contacts()).length === 1, 'contact delivered')
    await relay.stop()

    const env = { ...goodEnv(emu, dataDir), RELAY_MAILING_LIST_ALLOWLIST: 'newsletter,retired' }
    const { code, stdout } = await doctor(env)
    console.log(stdout)
    expect(code).toBe(1)
    expect(rowOf(stdout, 'mailing lists')).toEqual({
      status: 'FAIL',
      detail: 'RELAY_MAILING_LIST_ALLOWLIST names lists Loops lacks: retired (2 in Loops)',
    })
    expect(rowOf(stdout, 'properties')?.status).toBe('FAIL')
    expect(rowOf(stdout, 'properties')?.detail).toContain(
      'seen in the last 24 h, not in Loops (values dropped): favoriteColor;',
    )
    expect(stdout).toContain('2 problems, 0 warnings.')
  })

  it('fails a rejected key and an unreachable Redis, and says so in --json for scripts', async () => {
    const emu = await emulator({ apiKey: KEY, lists: LISTS })
    const env = {
      LOOPS_API_URL: emu.apiUrl,
      LOOPS_API_KEY: 'not-the-key',
      RELAY_MODE: 'redis',
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    }
    const table = await doctor(env)
    console.log(table.stdout)
    expect(table.code).toBe(1)
    expect(rowOf(table.stdout, 'Loops key')).toEqual({
      status: 'FAIL',
      detail: `rejected by ${emu.apiUrl} (401): check LOOPS_API_KEY`,
    })
    expect(rowOf(table.stdout, 'redis')?.detail).toMatch(/^could not reach Redis \(ECONNREFUSED\)/)
    expect(rowOf(table.stdout, 'mailing lists')?.status).toBe('skip')

    const json = await doctor(env, ['--json'])
    expect(json.code).toBe(1)
    const report = JSON.parse(json.stdout) as {
      ok: boolean
      mode: string
      checks: Array<{ name: string; status: string }>
    }
    expect(report.ok).toBe(false)
    expect(report.mode).toBe('redis')
    expect(Object.fromEntries(report.checks.map((c) => [c.name, c.status]))).toEqual({
      'Loops key': 'fail',
      'rate limit': 'skip',
      identity: 'warn',
      origins: 'warn',
      'mailing lists': 'skip',
      properties: 'skip',
      redis: 'fail',
      'data dir': 'skip',
    })
  })

  it('without a key for the real Loops, connects nowhere and fails the key, identity and an unwritable data dir', async () => {
    const file = join(tempDir(), 'a-file')
    writeFileSync(file, 'not a directory')
    const { code, stdout } = await doctor(
      // Never contacted: without a key the doctor stops before any Loops call.
      { LOOPS_API_URL: 'https://app.loops.so/api', RELAY_DATA_DIR: join(file, 'queue') },
      ['--json'],
    )
    expect(code).toBe(1)
    const report = JSON.parse(stdout) as {
      checks: Array<{ name: string; status: string; detail: string }>
    }
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]))
    expect(byName['Loops key']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('LOOPS_API_KEY is not set'),
    })
    expect(byName.identity).toMatchObject({ status: 'fail' })
    expect(byName['data dir']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('ENOTDIR'),
    })
  })

  it('reports an unusable setting as a failed config row', async () => {
    const { code, stdout } = await doctor({
      LOOPS_API_URL: 'http://127.0.0.1:9/api',
      RELAY_MODE: 'fast',
    })
    expect(code).toBe(1)
    expect(stdout).toContain('FAIL  config  RELAY_MODE: must be one of direct, queue, redis')
  })
})
