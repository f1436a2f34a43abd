// Hostile suite, defaults: what a stranger with only the relay URL can do to a relay set up with
// nothing but what it needs to start. Secure by default means: no real Loops without identity
// verification (unless opted out, loudly), no mailing list changed unless listed, and a relay
// mounted in a framework with no configuration neither throws nor serves.
//
// Nothing here connects beyond loopback: a "real Loops" URL is only ever configured. Where a
// relay must run against it, its `fetch` sends the calls to the emulator instead.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { signIdentity } from '../src/identity'
import type { LogLine } from '../src/log'
import { createRelay, type RelayOptions } from '../src/relay'
import { buildRelayIfStale, listeningUrl, runCli } from './helpers/built-cli'
import {
  contact,
  emulator,
  event,
  onCleanup,
  post,
  relayFor,
  served,
  type TestEmulator,
} from './http-harness'

const REAL_LOOPS = 'https://app.loops.so/api'
const KEY = 'sk_defaults_Hq3Wm8Zt2Rk6'
const LISTS = [
  { id: 'newsletter', name: 'Newsletter' },
  { id: 'internal', name: 'Internal' },
]
let emu: TestEmulator
beforeAll(buildRelayIfStale, 200_000)
beforeAll(async () => {
  emu = await emulator({ lists: LISTS })
})
beforeEach(() => emu.reset())

/** A `fetch` for "real Loops" that delivers to the emulator: nothing leaves the machine. */
function toEmulator(calls: string[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init)
    calls.push(`${request.method} ${request.url}`)
    const url = request.url.replace(REAL_LOOPS, emu.apiUrl)
    if (!url.startsWith(emu.apiUrl)) throw new Error(`refusing to connect to ${request.url}`)
    const body = request.method === 'GET' ? undefined : await request.arrayBuffer()
    return fetch(url, { method: request.method, headers: request.headers, body })
  }
}

/** A relay made the way a framework route module makes it, with its log lines kept. */
function mounted(options: RelayOptions) {
  const logs: LogLine[] = []
  const relay = createRelay({ logSink: (line) => logs.push(line), ...options })
  onCleanup(() => relay.stop())
  return { relay, logs }
}

const batchRequest = (body: unknown, basePath = '') =>
  new Request(`https://shop.example${basePath}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify(body),
  })

describe('hostile: no verification against real Loops', () => {
  it('no secret against real Loops refuses to start (CLI: exit 1, nothing served)', async () => {
    const r = runCli({ LOOPS_API_KEY: KEY, LOOPS_API_URL: REAL_LOOPS, PORT: '0' })
    expect(await r.exited).toBe(1)
    const stderr = r.err.join('')
    expect(stderr).toMatch(/^loops-relay: RELAY_IDENTITY_SECRET: not set\./m)
    expect(stderr).toMatch(/RELAY_ALLOW_UNVERIFIED=true/)
    expect(r.out.join('')).not.toMatch(/listening/)
    expect(stderr).not.toContain(KEY)

    // The default Loops URL is the real one too; with no key either, both are named.
    const bare = runCli({ PORT: '0' })
    expect(await bare.exited).toBe(1)
    expect(bare.err.join('')).toMatch(/^loops-relay: LOOPS_API_KEY: not set\./m)
    expect(bare.err.join('')).toMatch(/^loops-relay: RELAY_IDENTITY_SECRET: not set\./m)
  })

  it('no secret against real Loops, mounted: 500 naming it on every request, logged once, no Loops call', async () => {
    const calls: string[] = []
    const { relay, logs } = mounted({
      loopsApiKey: KEY,
      loopsApiUrl: REAL_LOOPS,
      basePath: '/loops',
      env: {},
      fetch: toEmulator(calls),
    })
    expect(relay.configError?.setting).toBe('RELAY_IDENTITY_SECRET')
    for (const path of ['/loops/v1/batch', '/loops/health', '/elsewhere']) {
      const res =
        path === '/loops/v1/batch'
          ? await relay.fetch(batchRequest({ batch: [contact('stranger')] }, '/loops'))
          : await relay.fetch(new Request(`https://shop.example${path}`))
      expect(res.status).toBe(500)
      const { error } = (await res.json()) as { error: string }
      expect(error).toMatch(/RELAY_IDENTITY_SECRET/)
    }
    expect(logs.filter((l) => l.level === 'error')).toHaveLength(1)
    expect(logs[0]).toMatchObject({ msg: expect.stringMatching(/not configured/) })
    await expect(relay.start()).rejects.toThrow(/RELAY_IDENTITY_SECRET/)
    expect(calls).toEqual([])
    expect(await emu.requests()).toEqual([])
  })

  it('RELAY_ALLOW_UNVERIFIED=true starts against real Loops, with a loud warning', async () => {
    const calls: string[] = []
    const { relay, logs } = mounted({
      env: { LOOPS_API_KEY: KEY, LOOPS_API_URL: REAL_LOOPS, RELAY_ALLOW_UNVERIFIED: 'true' },
      fetch: toEmulator(calls),
    })
    expect(relay.configError).toBeUndefined()
    const res = await relay.fetch(batchRequest({ batch: [event('opted-out')] }))
    expect(await res.json()).toEqual({ accepted: 1, rejected: [] })
    expect(calls).toContain(`POST ${REAL_LOOPS}/v1/events/send`)
    const warning = logs.find((l) => l.level === 'warn')
    expect(warning?.msg).toMatch(/identity verification is OFF against the real Loops API/)
    expect(warning?.msg).toMatch(/RELAY_ALLOW_UNVERIFIED=true/)
  })

  it('with a secret against real Loops it serves, verifies, and does not warn', async () => {
    const secret = 'defaults-identity-secret-0123'
    const calls: string[] = []
    const { relay, logs } = mounted({
      env: { LOOPS_API_KEY: KEY, LOOPS_API_URL: REAL_LOOPS, RELAY_IDENTITY_SECRET: secret },
      fetch: toEmulator(calls),
    })
    const userHash = await signIdentity(secret, { email: 'signed@example.com' })
    const res = await relay.fetch(
      batchRequest({
        batch: [
          event('signed', { email: 'signed@example.com', userHash }),
          event('unsigned', { email: 'victim@example.com' }),
        ],
      }),
    )
    expect(await res.json()).toEqual({
      accepted: 1,
      rejected: [{ index: 1, messageId: 'unsigned', error: 'userHash is required' }],
    })
    expect((await emu.events()).map((e) => e.email)).toEqual(['signed@example.com'])
    expect(
      logs.filter((l) => l.level === 'warn' && /identity verification/.test(String(l.msg))),
    ).toEqual([])
  })

  it('verification off against the emulator still warns at start', async () => {
    const { relay, logs } = relayFor(emu)
    await relay.start()
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: expect.stringMatching(/identity verification is OFF against a loopback Loops URL/),
      }),
    )
  })

  it('the CLI prints the warning when it starts unverified against the emulator', async () => {
    const r = runCli({ LOOPS_API_URL: emu.apiUrl, PORT: '0', RELAY_MODE: 'direct' })
    await listeningUrl(r)
    expect(r.err.join('')).toMatch(/"level":"warn","msg":"identity verification is OFF/)
    r.child.kill('SIGTERM')
    expect(await r.exited).toBe(0)
  })
})

describe('hostile: mailing lists', () => {
  const subscribeStranger = contact('stranger', {
    email: 'stranger@example.com',
    mailingLists: { newsletter: true, internal: true },
  })
  const listCalls = async () =>
    (await emu.requests()).filter((r) => r.path === '/api/v1/contacts/update')

  it('a stranger cannot subscribe to lists by default', async () => {
    const { relay, logs } = relayFor(emu, { debug: true })
    const { url } = await served(relay)
    const res = await post(url, { batch: [subscribeStranger] })
    // Trimming never refuses the message: the contact is written, its lists are not.
    expect(await res.json()).toEqual({ accepted: 1, rejected: [] })
    const [put] = await listCalls()
    expect(put?.body).toEqual({ email: 'stranger@example.com' })
    const stored = (await emu.contacts()).find((c) => c.email === 'stranger@example.com')
    expect(stored?.mailingLists).toEqual({})
    // One debug line per dropped list, naming the list (not the person).
    const dropped = logs.filter(
      (l) => l.level === 'debug' && String(l.msg).includes('mailing list'),
    )
    expect(dropped.map((l) => l.listId)).toEqual(['newsletter', 'internal'])
  })

  it('RELAY_MAILING_LIST_ALLOWLIST lets only the listed lists through, and * lets all', async () => {
    const only = await served(relayFor(emu, { mailingListAllowlist: ['newsletter'] }).relay)
    await post(only.url, { batch: [subscribeStranger] })
    expect((await listCalls())[0]?.body).toMatchObject({ mailingLists: { newsletter: true } })
    expect((await listCalls())[0]?.body).not.toHaveProperty('mailingLists.internal')

    await emu.reset()
    const all = await served(
      relayFor(emu, { env: { RELAY_MAILING_LIST_ALLOWLIST: '*' }, mailingListAllowlist: undefined })
        .relay,
    )
    await post(all.url, { batch: [subscribeStranger] })
    const stored = (await emu.contacts()).find((c) => c.email === 'stranger@example.com')
    expect(stored?.mailingLists).toEqual({ newsletter: true, internal: true })
  })
})

describe('hostile: a framework mount with no configuration', () => {
  const saved = { ...process.env }
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
    Object.assign(process.env, saved)
  })

  it('createRelay({ basePath }) at module scope with no key does not throw, answers 500, logs once', async () => {
    for (const key of Object.keys(process.env)) {
      if (/^(LOOPS_|RELAY_)/.test(key)) delete process.env[key]
    }
    const logs: LogLine[] = []
    // As `next build` evaluates app/loops/[...path]/route.ts: no secrets in the environment.
    const relay = createRelay({ basePath: '/loops', logSink: (line) => logs.push(line) })
    expect(relay.configError?.message).toMatch(/LOOPS_API_KEY: not set/)
    expect(logs).toEqual([]) // quiet at build time
    const answers = await Promise.all([
      relay.fetch(batchRequest({ batch: [event('x')] }, '/loops')),
      relay.fetch(new Request('https://shop.example/loops/health')),
    ])
    for (const res of answers) {
      expect(res.status).toBe(500)
      const { error } = (await res.json()) as { error: string }
      expect(error).toMatch(/LOOPS_API_KEY: not set/)
      expect(error).toMatch(/RELAY_IDENTITY_SECRET: not set/)
    }
    expect(logs).toHaveLength(1)
    expect(relay.health()).toMatchObject({ ok: false })
  })

  it('takes LOOPS_API_URL and RELAY_* from process.env when not given', async () => {
    const secret = 'process-env-identity-secret'
    process.env.LOOPS_API_URL = emu.apiUrl
    process.env.RELAY_IDENTITY_SECRET = secret
    process.env.RELAY_MAILING_LIST_ALLOWLIST = 'newsletter'
    const { relay } = mounted({})
    expect(relay.config).toMatchObject({
      loopsApiUrl: emu.apiUrl,
      mailingListAllowlist: ['newsletter'],
    })
    const userHash = await signIdentity(secret, { email: 'env@example.com' })
    const res = await relay.fetch(
      batchRequest({
        batch: [
          contact('env', {
            email: 'env@example.com',
            userHash,
            mailingLists: { newsletter: true },
          }),
        ],
      }),
    )
    expect(await res.json()).toEqual({ accepted: 1, rejected: [] })
    const stored = (await emu.contacts()).find((c) => c.email === 'env@example.com')
    expect(stored?.mailingLists).toEqual({ newsletter: true })
  })

  it('an invalid setting makes a relay that answers 500 naming it, never a throw', async () => {
    const relay = createRelay({
      env: { LOOPS_API_URL: emu.apiUrl, RELAY_CLIENT_RATE_LIMIT: 'lots' },
      logSink: () => {},
    })
    expect(relay.configError?.setting).toBe('RELAY_CLIENT_RATE_LIMIT')
    const res = await relay.fetch(new Request('http://relay.test/health'))
    expect(res.status).toBe(500)
    expect(((await res.json()) as { error: string }).error).toMatch(/RELAY_CLIENT_RATE_LIMIT/)
  })
})
