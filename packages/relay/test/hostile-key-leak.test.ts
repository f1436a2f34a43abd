// Hostile suite, the Loops API key: it is fed through every error path the relay has — Loops
// (or a proxy in front of it) echoing the Authorization header in JSON and HTML error bodies,
// whole or cut, long enough that any excerpt cuts through it; a fetch that throws with the key
// in its message and cause; refused and reset connections; a crash at start with a key that
// holds a newline; ConfigError — and every output is searched for ANY 8-character piece of it:
// responses (status, headers, body), log lines, metrics, /health, the CLI's stdout and stderr,
// and every row of the queue's SQLite file (dead_letters, messages, done).
//
// The emulator cannot echo headers, so a tiny local HTTP server stands in for a misbehaving
// Loops where needed; the emulator's fault injection supplies the HTML 5xx bodies.
import { createServer, type IncomingMessage } from 'node:http'
import { createServer as createTcpServer } from 'node:net'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../src/config'
import type { LogLine } from '../src/log'
import { createRelay, type RelayOptions } from '../src/relay'
import { buildRelayIfStale, jsonLines, listeningUrl, runCli } from './helpers/built-cli'
import { freePort, listenOnLoopback } from './helpers/loopback'
import { contact, emulator, event, onCleanup, post, served, tempDir, waitFor } from './http-harness'

beforeAll(buildRelayIfStale, 200_000)

const KEY = 'sk_Zq8Rt3Lw9Xv2Np7Km4Hd6Jf1Bc5Gy0Ts'
// The key starts ~120 characters into each echoing body: a 160-character excerpt taken before
// redaction would cut through it (the bug this guards against kept 43 of 44 characters).
const FILLER = 'The upstream server could not process this request. '.repeat(2)

/** Every 8-character piece of `secret`. */
const piecesOf = (secret: string) =>
  Array.from({ length: secret.length - 7 }, (_, i) => secret.slice(i, i + 8))

/** Fails naming the output and the piece if any 8-character piece of `secret` is in `text`. */
function expectNoPiece(outputs: Array<[label: string, text: string]>, secret = KEY): void {
  expect(outputs.length).toBeGreaterThan(0)
  for (const [label, text] of outputs) {
    const found = piecesOf(secret).filter((piece) => text.includes(piece))
    expect(found, `${label} leaks part of the key`).toEqual([])
  }
}

type Reply = { status: number; type: string; body: string }

/** A local HTTP server that answers as `reply` says and records the Authorization it got. */
async function echoServer(reply: (req: IncomingMessage, auth: string, body: string) => Reply) {
  const seen: string[] = []
  const server = createServer((req, res) => {
    const auth = req.headers.authorization ?? ''
    seen.push(auth)
    let received = ''
    req.setEncoding('utf8').on('data', (chunk: string) => {
      received += chunk
    })
    req.on('end', () => {
      const { status, type, body } = reply(req, auth, received)
      res.writeHead(status, { 'content-type': type })
      res.end(body)
    })
  })
  const port = await listenOnLoopback(server, onCleanup)
  return { apiUrl: `http://127.0.0.1:${port}/api`, seen }
}

/** Loops answers every call with an error page or JSON that quotes the Authorization header. */
function echoingLoops(req: IncomingMessage, auth: string, body: string): Reply {
  const path = req.url ?? ''
  if (path.endsWith('/api-key')) {
    // A 401 that quotes only the start of the header (cut by the proxy).
    return { status: 401, type: 'text/html', body: `<h1>401</h1><p>${auth.slice(0, 27)}…</p>` }
  }
  if (path.endsWith('/events/send')) {
    // HTML 400 quoting the whole header.
    const body = `<html><body><p>${FILLER}</p><pre>Authorization: ${auth}</pre><p>${FILLER}</p></body></html>`
    return { status: 400, type: 'text/html', body }
  }
  if (body.includes('retry@example.com')) {
    // JSON 500 with the header in `error`: retried, and the reason kept with the queued row.
    return {
      status: 500,
      type: 'application/json',
      body: JSON.stringify({ error: `${FILLER}${auth}` }),
    }
  }
  // JSON 400 with the header in Loops' `message` field.
  return {
    status: 400,
    type: 'application/json',
    body: JSON.stringify({ success: false, message: `${FILLER}Header was "${auth}"` }),
  }
}

async function collect(res: Response): Promise<string> {
  return `${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`
}

function relayWithLogs(options: RelayOptions) {
  const logs: LogLine[] = []
  const relay = createRelay({
    loopsApiKey: KEY,
    mode: 'direct',
    env: {},
    metrics: true,
    logSink: (line) => logs.push(line),
    ...options,
  })
  onCleanup(() => relay.stop())
  return { relay, logs }
}

describe('hostile: the Loops API key never leaks, not even in part', () => {
  it('error bodies echoing Authorization (JSON and HTML, whole and cut) leak no piece in direct mode', async () => {
    const loops = await echoServer(echoingLoops)
    const { relay, logs } = relayWithLogs({ loopsApiUrl: loops.apiUrl })
    const { url } = await served(relay)
    const outputs: Array<[string, string]> = []
    // events/send → HTML 400; contacts/update → JSON 400.
    const refused = await post(url, { batch: [event('html-400'), contact('json-400')] })
    const refusedText = await collect(refused)
    expect(refusedText).toMatch(/rejected by Loops \(400\)/)
    outputs.push(['batch answer (refused)', refusedText])
    await waitFor(() => logs.some((l) => l.msg === 'loops api key check'), 'key check logged')
    outputs.push(['/health', await collect(await fetch(`${url}/health`))])
    outputs.push(['/metrics', await collect(await fetch(`${url}/metrics`))])
    outputs.push(['log lines', logs.map((l) => JSON.stringify(l)).join('\n')])
    expectNoPiece(outputs)
    // The relay did send the key, and Loops' text did reach the operator (redacted).
    expect(loops.seen).toContain(`Bearer ${KEY}`)
    expect(JSON.stringify(logs)).toMatch(/Header was \\"Bearer \[redacted\]/)
    expect(relay.health()).toMatchObject({ loops: 'unauthorized' })
  })

  it('an HTML 5xx from the emulator quoting the key leaks no piece to the 503, the log or metrics', async () => {
    const emu = await emulator({ apiKey: KEY })
    const { relay, logs } = relayWithLogs({ loopsApiUrl: emu.apiUrl })
    const { url } = await served(relay)
    await emu.fault({
      status: 502,
      times: 2,
      path: '/api/v1/events/send',
      body: `<html><body>${FILLER}<pre>Bearer ${KEY}</pre>${FILLER}</body></html>`,
    })
    const outputs: Array<[string, string]> = []
    const res = await post(url, { batch: [event('html-502')] })
    expect(res.status).toBe(503)
    outputs.push(['503 answer', await collect(res)])
    outputs.push(['/metrics', await collect(await fetch(`${url}/metrics`))])
    outputs.push(['log lines', logs.map((l) => JSON.stringify(l)).join('\n')])
    expectNoPiece(outputs)
    expect(logs.some((l) => l.outcome === 'retried')).toBe(true)
  })

  it('a thrown fetch error carrying the key, a refused and a reset connection leak no piece', async () => {
    const throwing: typeof fetch = async () => {
      throw new TypeError(`fetch failed for Authorization: Bearer ${KEY}`, {
        cause: { code: KEY, message: `Bearer ${KEY}` },
      })
    }
    const thrown = relayWithLogs({ loopsApiUrl: 'http://127.0.0.1:9/api', fetch: throwing })
    // A port that was free a moment ago: nothing listens there now.
    const closedPort = await freePort()
    const refused = relayWithLogs({ loopsApiUrl: `http://127.0.0.1:${closedPort}/api` })
    // A server that drops every connection as soon as the request arrives.
    const reset = createTcpServer((socket) => socket.destroy())
    const resetPort = await listenOnLoopback(reset, onCleanup)
    const resetting = relayWithLogs({ loopsApiUrl: `http://127.0.0.1:${resetPort}/api` })

    const outputs: Array<[string, string]> = []
    for (const [name, { relay, logs }] of [
      ['thrown', thrown],
      ['refused', refused],
      ['reset', resetting],
    ] as const) {
      const { url } = await served(relay)
      const res = await post(url, { batch: [event(`net-${name}`)] })
      expect(res.status).toBe(503)
      outputs.push([`${name}: answer`, await collect(res)])
      await waitFor(() => logs.some((l) => l.msg === 'loops api key check'), 'key check logged')
      outputs.push([`${name}: /metrics`, await collect(await fetch(`${url}/metrics`))])
      outputs.push([`${name}: log lines`, logs.map((l) => JSON.stringify(l)).join('\n')])
    }
    expectNoPiece(outputs)
  })

  it('queue mode (CLI): dead_letters, retries, log lines, metrics and stderr hold no piece', async () => {
    const loops = await echoServer(echoingLoops)
    const dataDir = tempDir()
    const r = runCli({
      LOOPS_API_KEY: KEY,
      LOOPS_API_URL: loops.apiUrl,
      PORT: '0',
      RELAY_MODE: 'queue',
      RELAY_DATA_DIR: dataDir,
      RELAY_METRICS: 'true',
    })
    const url = await listeningUrl(r)
    const outputs: Array<[string, string]> = []
    const res = await post(url, {
      batch: [
        event('q-html-400'),
        contact('q-json-400'),
        contact('q-retry', { email: 'retry@example.com' }),
      ],
    })
    expect(res.status).toBe(202)
    outputs.push(['202 answer', await collect(res)])
    const outcomes = () => jsonLines(r).map((l) => `${l.outcome}:${l.messageId}`)
    await waitFor(
      () =>
        outcomes().includes('dead-lettered:q-html-400') &&
        outcomes().includes('dead-lettered:q-json-400') &&
        outcomes().includes('retried:q-retry'),
      'dead letters',
    )
    outputs.push(['/metrics', await collect(await fetch(`${url}/metrics`))])
    outputs.push(['/health', await collect(await fetch(`${url}/health`))])
    r.child.kill('SIGTERM')
    expect(await r.exited).toBe(0)
    outputs.push(['stdout', r.out.join('')], ['stderr', r.err.join('')])

    const db = new Database(join(dataDir, 'queue.db'), { readonly: true })
    try {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all() as Array<{ name: string }>
      for (const { name } of tables) {
        outputs.push([
          `sqlite ${name}`,
          JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all()),
        ])
      }
      const dead = db.prepare('SELECT message_id, reason FROM dead_letters').all() as Array<{
        message_id: string
        reason: string
      }>
      expect(dead.map((d) => d.message_id).sort()).toEqual(['q-html-400', 'q-json-400'])
      // The reason is kept for the operator, with the key taken out before it was cut.
      for (const d of dead) expect(d.reason).toMatch(/\[redacted\]/)
    } finally {
      db.close()
    }
    expectNoPiece(outputs)
    expect(loops.seen).toContain(`Bearer ${KEY}`)
  })

  it('a key with a newline: the CLI exits at start naming LOOPS_API_KEY, printing no piece of it', async () => {
    const broken = `${KEY.slice(0, 18)}\n${KEY.slice(18)}`
    const loops = await echoServer(echoingLoops)
    const r = runCli({ LOOPS_API_KEY: broken, LOOPS_API_URL: loops.apiUrl, PORT: '0' })
    expect(await r.exited).toBe(1)
    const stderr = r.err.join('')
    expect(stderr).toMatch(/^loops-relay: LOOPS_API_KEY: is not a Loops API key/m)
    expectNoPiece(
      [
        ['stdout', r.out.join('')],
        ['stderr', stderr],
      ],
      broken,
    )
    expectNoPiece([['stderr', stderr]], KEY)
    expect(loops.seen).toEqual([]) // refused before any call
  })

  it('ConfigError for a bad key, and the relay that holds it, say no piece of the key', async () => {
    const outputs: Array<[string, string]> = []
    for (const bad of [
      `${KEY}\n`,
      `${KEY.slice(0, 10)} ${KEY.slice(10)}`,
      `${KEY}\u0000`,
      `${KEY}é`,
    ]) {
      const logs: LogLine[] = []
      const relay = createRelay({
        loopsApiKey: bad,
        loopsApiUrl: 'http://127.0.0.1:9/api',
        env: {},
        logSink: (line) => logs.push(line),
      })
      const error = relay.configError
      expect(error).toBeInstanceOf(ConfigError)
      expect(error?.setting).toBe('LOOPS_API_KEY')
      outputs.push(
        ['ConfigError', `${String(error)}\n${error?.stack}\n${JSON.stringify(error)}`],
        ['500 answer', await collect(await relay.fetch(new Request('http://relay.test/v1/batch')))],
        ['log lines', logs.map((l) => JSON.stringify(l)).join('\n')],
      )
      await expect(relay.start()).rejects.toBeInstanceOf(ConfigError)
    }
    expectNoPiece(outputs)
  })
})
