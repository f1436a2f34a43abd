// better-sqlite3 is optional: installed without it (`npm install --omit=optional`), the relay
// still loads and serves in direct mode, and queue mode fails with a SqliteUnavailableError that
// names the package. The install is real: an app folder whose node_modules holds the built relay
// and its dependencies (the workspace's own copies) and no better-sqlite3, used by a separate
// Node process, so module resolution cannot find the workspace's copy.
import { cpSync, existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from './delivery-helpers'
import { buildRelayIfStale, listeningUrl, relayDir, runNode } from './helpers/built-cli'

beforeAll(buildRelayIfStale, 200_000)

/** An app folder with @loops-cdp/relay installed as `--omit=optional` leaves it. */
function appWithoutSqlite(): string {
  const app = tempDir()
  const modules = join(app, 'node_modules')
  const relay = join(modules, '@loops-cdp', 'relay')
  mkdirSync(relay, { recursive: true })
  cpSync(join(relayDir, 'dist'), join(relay, 'dist'), { recursive: true })
  cpSync(join(relayDir, 'package.json'), join(relay, 'package.json'))
  const link = (name: string) => {
    const target = realpathSync(join(relayDir, 'node_modules', name))
    mkdirSync(dirname(join(modules, name)), { recursive: true })
    symlinkSync(target, join(modules, name), 'dir')
  }
  for (const name of ['@loops-cdp/core', 'hono', '@hono/node-server', 'ky']) link(name)
  expect(existsSync(join(modules, 'better-sqlite3'))).toBe(false)
  writeFileSync(join(app, 'package.json'), '{"name":"app","private":true,"type":"module"}')
  return app
}

const HINT =
  "queue mode needs better-sqlite3: npm install better-sqlite3, or use mode 'direct' / 'redis'"

describe('@loops-cdp/relay installed without its optional better-sqlite3', () => {
  it('serves in direct mode; queue mode fails with SqliteUnavailableError naming the package', async () => {
    const app = appWithoutSqlite()
    const script = `
      import { createRelay, SqliteUnavailableError } from '@loops-cdp/relay'
      const options = { loopsApiUrl: 'http://127.0.0.1:9/api', logSink: () => {} }
      const direct = createRelay({ ...options, mode: 'direct' })
      const health = await direct.fetch(new Request('http://relay.test/health'))
      console.log(JSON.stringify({ direct: health.status, body: await health.json() }))
      await direct.stop()
      const queue = createRelay({ ...options, mode: 'queue', dataDir: './queue-data' })
      const error = await queue.start().then(() => undefined, (e) => e)
      const queueHealth = await queue.fetch(new Request('http://relay.test/health'))
      console.log(JSON.stringify({
        named: error instanceof SqliteUnavailableError,
        name: error?.name,
        message: error?.message,
        packageName: error?.packageName,
        health: queueHealth.status,
        reason: (await queueHealth.json()).reason,
      }))
      await queue.stop()
    `
    writeFileSync(join(app, 'check.mjs'), script)
    const run = runNode(['check.mjs'], {}, { cwd: app })
    expect(await run.exited).toBe(0)
    const [direct, queue] = run
      .output()
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(direct).toEqual({ direct: 200, body: expect.objectContaining({ ok: true }) })
    expect(queue).toEqual({
      named: true,
      name: 'SqliteUnavailableError',
      message: expect.stringContaining(HINT),
      packageName: 'better-sqlite3',
      health: 503,
      reason: expect.stringContaining(HINT),
    })
  })

  it('the CLI in queue mode exits 1 with the hint; in direct mode it listens', async () => {
    const app = appWithoutSqlite()
    const bin = join(app, 'node_modules', '@loops-cdp', 'relay', 'dist', 'cli.js')
    const env = { LOOPS_API_URL: 'http://127.0.0.1:9/api', PORT: '0', HOST: '127.0.0.1' }
    const queue = runNode(
      [bin],
      { ...env, RELAY_MODE: 'queue', RELAY_DATA_DIR: './q' },
      { cwd: app },
    )
    expect(await queue.exited).toBe(1)
    expect(queue.output()).toContain(`loops-relay: SqliteUnavailableError: ${HINT}`)

    const direct = runNode([bin], { ...env, RELAY_MODE: 'direct' }, { cwd: app })
    await listeningUrl(direct)
    expect(direct.output()).toContain('"msg":"listening"')
    direct.child.kill('SIGTERM')
    expect(await direct.exited).toBe(0)
  })
})
