import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CliUsageError, parseArgs, runCli } from '../src/index.js'
import { waitFor } from './helpers.js'

const pkgDir = fileURLToPath(new URL('..', import.meta.url))
const cliPath = join(pkgDir, 'dist/cli.js')

/** Newest mtime under a folder, to tell whether dist is older than src. */
function newest(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile())
      .map((e) => statSync(join(e.parentPath, e.name)).mtimeMs),
  )
}

function builtAt(): number {
  try {
    return statSync(cliPath).mtimeMs
  } catch {
    return 0
  }
}

describe('parseArgs', () => {
  it('reads every flag, in both `--flag value` and `--flag=value` forms', () => {
    expect(parseArgs([])).toEqual({ port: 4010, host: '127.0.0.1' })
    expect(
      parseArgs([
        '--port',
        '0',
        '--api-key=k1',
        '--rate-limit',
        '0',
        '--lists',
        'a:Alpha, b ,c:Gamma list',
        '--auto-properties',
      ]),
    ).toEqual({
      port: 0,
      host: '127.0.0.1',
      apiKey: 'k1',
      rateLimit: 0,
      lists: [
        { id: 'a', name: 'Alpha' },
        { id: 'b', name: 'b' },
        { id: 'c', name: 'Gamma list' },
      ],
      autoProperties: true,
    })
    expect(parseArgs(['--help'])).toBeUndefined()
  })

  it('reads --properties as key:type pairs; a bare key is a string property', () => {
    expect(
      parseArgs(['--properties', 'plan:string, seats:number,trial:boolean,renewsAt:date,team']),
    ).toEqual({
      port: 4010,
      host: '127.0.0.1',
      properties: [
        { key: 'plan', type: 'string' },
        { key: 'seats', type: 'number' },
        { key: 'trial', type: 'boolean' },
        { key: 'renewsAt', type: 'date' },
        { key: 'team', type: 'string' },
      ],
    })
    expect(() => parseArgs(['--properties', 'plan:text'])).toThrow(/not a property type/)
    expect(() => parseArgs(['--properties', ':number'])).toThrow(CliUsageError)
  })

  it('throws CliUsageError for unknown flags, missing values and bad numbers', () => {
    for (const argv of [['--nope'], ['--port'], ['--port', 'x'], ['--rate-limit', '-1']]) {
      expect(() => parseArgs(argv), argv.join(' ')).toThrow(CliUsageError)
    }
  })
})

describe('runCli (in process)', () => {
  it('starts the emulator with the flags and never prints the key', async () => {
    const lines: string[] = []
    const handle = await runCli(
      ['--port', '0', '--api-key', 'cli-key-1', '--rate-limit', '4'],
      (line) => lines.push(line),
    )
    if (!handle) throw new Error('expected a running emulator')
    try {
      expect(lines[0]).toBe(`Loops emulator listening on ${handle.url}`)
      expect(lines.join('\n')).not.toContain('cli-key-1')
      const res = await fetch(`${handle.url}/api/v1/api-key`, {
        headers: { authorization: 'Bearer cli-key-1' },
      })
      expect(res.status).toBe(200)
      expect(res.headers.get('x-ratelimit-limit')).toBe('4')
    } finally {
      await handle.close()
    }
  })

  it('prints the usage for --help and starts nothing', async () => {
    const lines: string[] = []
    expect(await runCli(['--help'], (line) => lines.push(line))).toBeUndefined()
    expect(lines.join('\n')).toContain('--auto-properties')
  })
})

describe('dist/cli.js (built, spawned)', { timeout: 120_000 }, () => {
  const children: ChildProcess[] = []

  beforeAll(() => {
    // Build when dist is missing or older than the sources, so the test never runs stale code.
    if (builtAt() < newest(join(pkgDir, 'src'))) {
      execFileSync('pnpm', ['--filter', '@loops-cdp/loops-emulator', 'build'], {
        cwd: pkgDir,
        stdio: 'ignore',
        timeout: 110_000,
      })
    }
  }, 120_000)

  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  })

  function run(args: string[]) {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: 'pipe' })
    children.push(child)
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    const listening = new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', () => {
        const match = /listening on (http:\/\/\S+)/.exec(stdout)
        if (match?.[1]) resolve(match[1])
      })
      child.once('exit', () => reject(new Error(`exited before listening: ${stderr}`)))
    })
    // Runs that never listen (--help, bad flags) must not leave an unhandled rejection.
    listening.catch(() => undefined)
    return { child, exited, listening, output: () => ({ stdout, stderr }) }
  }

  it('serves the API with --api-key, --rate-limit, --lists and --auto-properties', async () => {
    const cli = run([
      '--port',
      '0',
      '--api-key',
      'spawn-key-1',
      '--rate-limit',
      '50',
      '--lists',
      'l1:Launch,l2:Digest',
      '--auto-properties',
    ])
    const url = await cli.listening
    const call = (path: string, init: RequestInit = {}, key = 'spawn-key-1') =>
      fetch(`${url}/api${path}`, {
        ...init,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      })
    expect((await call('/v1/api-key', {}, 'other')).status).toBe(401)
    const ok = await call('/v1/api-key')
    expect(ok.status).toBe(200)
    expect(ok.headers.get('x-ratelimit-limit')).toBe('50')
    expect(await (await call('/v1/lists')).json()).toEqual([
      { id: 'l1', name: 'Launch', description: null, isPublic: false },
      { id: 'l2', name: 'Digest', description: null, isPublic: false },
    ])
    const update = await call('/v1/contacts/update', {
      method: 'PUT',
      body: JSON.stringify({ email: 'ana@example.com', plan: 'pro', mailingLists: { l2: true } }),
    })
    expect(update.status).toBe(200)
    const contacts = await (await fetch(`${url}/_emulator/contacts`)).json()
    expect(contacts).toEqual([expect.objectContaining({ plan: 'pro', mailingLists: { l2: true } })])
    expect((await fetch(`${url}/`)).status).toBe(200)
    expect(cli.output().stdout).not.toContain('spawn-key-1')

    cli.child.kill('SIGTERM')
    expect(await cli.exited).toBe(0)
  })

  it('stores only the properties named by --properties (unknown ones are ignored, as in Loops)', async () => {
    const cli = run(['--port', '0', '--properties', 'plan:string,seats:number'])
    const url = await cli.listening
    await waitFor(() => cli.output().stdout.includes('Properties:'))
    expect(cli.output().stdout).toContain(
      'Properties: plan (string), seats (number); unknown ones are ignored',
    )
    const headers = { authorization: 'Bearer any', 'content-type': 'application/json' }
    const listed = await fetch(`${url}/api/v1/contacts/properties?list=custom`, { headers })
    expect(await listed.json()).toEqual([
      { key: 'plan', label: 'Plan', type: 'string' },
      { key: 'seats', label: 'Seats', type: 'number' },
    ])
    const body = { email: 'ana@example.com', plan: 'pro', seats: '3', color: 'blue' }
    const update = await fetch(`${url}/api/v1/contacts/update`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(body),
    })
    expect(update.status).toBe(200)
    const [stored] = await (await fetch(`${url}/_emulator/contacts`)).json()
    expect(stored).toMatchObject({ plan: 'pro', seats: 3 })
    expect(stored).not.toHaveProperty('color')
    cli.child.kill('SIGTERM')
    expect(await cli.exited).toBe(0)
  })

  it('turns the rate limit off with --rate-limit 0', async () => {
    const cli = run(['--port', '0', '--rate-limit', '0'])
    const url = await cli.listening
    for (let i = 0; i < 15; i++) {
      const res = await fetch(`${url}/api/v1/api-key`, { headers: { authorization: 'Bearer any' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('x-ratelimit-limit')).toBeNull()
    }
    cli.child.kill('SIGTERM')
    expect(await cli.exited).toBe(0)
  })

  it('exits 0 after --help and 2 with the usage for a bad flag', async () => {
    const help = run(['--help'])
    expect(await help.exited).toBe(0)
    expect(help.output().stdout).toContain('Usage: loops-emulator')
    const bad = run(['--bogus'])
    expect(await bad.exited).toBe(2)
    expect(bad.output().stderr).toContain('unknown option --bogus')
  })
})
