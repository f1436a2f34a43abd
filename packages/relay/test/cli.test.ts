// The built CLI (`node packages/relay/dist/cli.js`) as a child process against the real
// emulator: refusing to start without a key, the listening line with the real port, a full flow
// with a distinctive key that must appear in no output and no response, flags, graceful stop.
import { execFileSync } from 'node:child_process'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildRelayIfStale, listeningUrl, relayDir, runCli } from './helpers/built-cli'
import { sendAndStall } from './helpers/loopback'
import { contact, emulator, event, onCleanup, tempDir, waitFor } from './http-harness'

beforeAll(buildRelayIfStale, 200_000)

describe('loops-relay CLI', () => {
  it('refuses to start without LOOPS_API_KEY for a non-loopback Loops URL', async () => {
    const envs: Array<Record<string, string>> = [
      { LOOPS_API_URL: 'https://app.loops.so/api', PORT: '0' },
      { PORT: '0' }, // the default URL is Loops itself
      { LOOPS_API_URL: 'http://10.0.0.8:4010/api', PORT: '0', LOOPS_API_KEY: '' },
    ]
    for (const env of envs) {
      const r = runCli(env)
      expect(await r.exited).toBe(1)
      const stderr = r.err.join('')
      expect(stderr).toMatch(/^loops-relay: LOOPS_API_KEY: not set\./)
      expect(stderr).toMatch(/loopback/)
      expect(r.out.join('')).not.toMatch(/listening/)
    }
  })

  it('starts without a key for the emulator, prints the real port, stops on SIGTERM', async () => {
    const emu = await emulator()
    const r = runCli({ LOOPS_API_URL: emu.apiUrl, PORT: '0', RELAY_DATA_DIR: tempDir() })
    const url = await listeningUrl(r)
    const port = Number(new URL(url).port)
    expect(port).toBeGreaterThan(0)
    const health = (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>
    expect(health).toMatchObject({ ok: true, mode: 'queue' })
    await waitFor(async () => {
      const h = (await (await fetch(`${url}/health`)).json()) as { loops: string }
      return h.loops === 'ok'
    }, 'key check')
    r.child.kill('SIGTERM')
    expect(await r.exited).toBe(0)
    expect(r.out.join('')).toMatch(/"msg":"stopped"/)
  })

  it('takes flags over the environment, and explains --help and unknown flags', async () => {
    const emu = await emulator()
    const r = runCli({ LOOPS_API_URL: 'https://app.loops.so/api', PORT: '1' }, [
      `--api-url=${emu.apiUrl}`,
      '--port',
      '0',
      '--mode',
      'direct',
      '--metrics',
    ])
    const url = await listeningUrl(r)
    expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ mode: 'direct' })
    expect((await fetch(`${url}/metrics`)).status).toBe(200)
    r.child.kill('SIGINT')
    expect(await r.exited).toBe(0)

    const help = runCli({}, ['--help'])
    expect(await help.exited).toBe(0)
    expect(help.out.join('')).toMatch(/RELAY_ALLOWED_ORIGINS/)
    const bad = runCli({}, ['--no-such-flag'])
    expect(await bad.exited).toBe(1)
    expect(bad.err.join('')).toMatch(/--no-such-flag: unknown flag/)
  })

  it('never shows the API key: full flow in queue mode, every line and every response checked', async () => {
    const KEY = 'sk_live_DISTINCTIVE_9f8e7d6c5b4a'
    const emu = await emulator({ apiKey: KEY })
    const r = runCli({
      LOOPS_API_KEY: KEY,
      LOOPS_API_URL: emu.apiUrl,
      PORT: '0',
      RELAY_DATA_DIR: tempDir(),
      RELAY_ALLOWED_ORIGINS: 'https://app.example.com',
      RELAY_METRICS: 'true',
      RELAY_IDENTITY_SECRET: 'backend-shared-secret',
    })
    const url = await listeningUrl(r)
    const seen: string[] = []
    const call = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${url}${path}`, init)
      seen.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`)
      return res
    }
    const { signIdentity } = await import('../src/identity')
    const sign = (email: string) =>
      signIdentity('backend-shared-secret', { userId: 'u-key', email })
    const body = JSON.stringify({
      batch: [
        contact('k1', {
          userId: 'u-key',
          userHash: await sign('k1@example.com'),
          properties: { plan: 'pro' },
        }),
        event('k2', { userId: 'u-key', userHash: await sign('k2@example.com') }),
        event('k3', { userId: 'u-key', userHash: 'bad' }),
        // Loops refuses this one (400): it is dead-lettered with Loops' reason.
        contact('k4', {
          userId: 'u-key',
          userHash: await sign('not-an-email'),
          email: 'not-an-email',
        }),
      ],
    })
    const headers = { 'content-type': 'text/plain', origin: 'https://app.example.com' }
    expect((await call('/v1/batch', { method: 'POST', headers, body })).status).toBe(202)
    await call('/v1/batch', { method: 'OPTIONS', headers: { origin: 'https://app.example.com' } })
    await call('/v1/batch', {
      method: 'POST',
      headers: { ...headers, origin: 'https://evil.example' },
      body,
    })
    await call('/v1/batch', { method: 'POST', headers, body: '{"batch":' })
    await call('/v1/batch', { method: 'POST', headers: { 'content-type': 'image/png' }, body })
    await call('/v1/batch', { method: 'GET' })
    await call('/nope')
    await waitFor(async () => (await emu.events()).some((e) => e.idempotencyKey === 'k2'), 'k2')
    await waitFor(
      () =>
        r.out.join('').includes('"outcome":"dead-lettered"') ||
        r.err.join('').includes('"outcome":"dead-lettered"'),
      'dead letter',
    )
    await call('/health')
    const metrics = await call('/metrics')
    expect(metrics.status).toBe(200)
    r.child.kill('SIGTERM')
    expect(await r.exited).toBe(0)

    // The key did its job: the emulator only accepts that exact key.
    expect((await emu.contacts()).some((c) => c.userId === 'u-key')).toBe(true)
    const output = r.out.join('') + r.err.join('')
    expect(output).toMatch(/"outcome":"delivered"/)
    expect(seen.length).toBe(9)
    for (const text of [output, ...seen]) {
      expect(text).not.toContain(KEY)
      expect(text).not.toContain('DISTINCTIVE')
      expect(text).not.toContain('backend-shared-secret')
    }
    // One JSON object per stdout/stderr line.
    for (const line of output.split('\n').filter(Boolean))
      expect(() => JSON.parse(line)).not.toThrow()
  })

  it('cuts off a client that sends its headers too slowly (15 s, not the 60 s of Node)', async () => {
    const emu = await emulator()
    const r = runCli({ LOOPS_API_URL: emu.apiUrl, PORT: '0', RELAY_MODE: 'direct' })
    const url = new URL(await listeningUrl(r))
    const received = await sendAndStall(
      { hostname: url.hostname, port: Number(url.port) },
      'POST /v1/batch HTTP/1.1\r\nHost: relay\r\n', // and never the rest
      25_000,
      onCleanup,
    )
    expect(received).toMatch(/^HTTP\/1\.1 408/)
    r.child.kill('SIGTERM')
    expect(await r.exited).toBe(0)
  }, 40_000)

  it('ships npm entries that load with require() and import and answer /health', () => {
    const script = (load: string) =>
      `${load}.then(async (m) => {
        const relay = m.createRelay({ loopsApiUrl: 'http://127.0.0.1:9/api', logSink: () => {}, env: {} })
        const res = await relay.fetch(new Request('http://relay.test/health'))
        console.log(res.status, typeof m.signIdentity, typeof m.ConfigError)
        await relay.stop()
      })`
    for (const [flag, load] of [
      ['--input-type=commonjs', `Promise.resolve(require('./dist/index.cjs'))`],
      ['--input-type=module', `import('./dist/index.js')`],
    ] as const) {
      const out = execFileSync(process.execPath, [flag, '-e', script(load)], {
        cwd: relayDir,
        encoding: 'utf8',
        timeout: 20_000,
      })
      expect(out.trim()).toBe('200 function function')
    }
  })
})
