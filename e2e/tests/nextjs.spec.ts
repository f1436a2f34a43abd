// examples/nextjs as a user deploys it: `next build` where no Loops setting exists (CI, Docker),
// then `next start` with the settings in the environment, and a real Chromium page whose Segment
// SDK (from npm, in a client component) delivers identify + track through the relay route to the
// emulator. The build runs with telemetry off and, where the system allows it, in a network
// namespace of its own, so it provably reaches nothing.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, LOOPS_API_KEY, test } from '../fixtures'

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const appDir = join(repoRoot, 'examples', 'nextjs')
const nextBin = join(appDir, 'node_modules', 'next', 'dist', 'bin', 'next')
const IDENTITY_SECRET = 'e2e-nextjs-identity-secret'

/** The environment without any Loops or relay setting (what a CI or Docker build has). */
function buildEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('LOOPS_') || name.startsWith('RELAY_')) continue
    env[name] = value
  }
  env.NEXT_TELEMETRY_DISABLED = '1'
  return env
}

/** `unshare -rn` gives a process a network namespace with no interfaces (Linux, user namespaces). */
function networkIsolation(): string[] {
  const probe = spawnSync('unshare', ['-rn', 'true'], { stdio: 'ignore' })
  return probe.status === 0 ? ['unshare', '-rn'] : []
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

interface Finished {
  code: number | null
  output: string
}

function run(command: string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  const [file, ...args] = command as [string, ...string[]]
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, output }))
  })
}

/** Stops `next start` and anything it forked: its own process group, by the leader's PID. */
function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve()
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  process.kill(-child.pid, 'SIGTERM')
  return exited
}

async function waitForHealth(url: string, server: ChildProcess, log: () => string): Promise<void> {
  await expect
    .poll(
      async () => {
        if (server.exitCode !== null) throw new Error(`next start exited:\n${log()}`)
        try {
          return (await fetch(`${url}/loops/health`)).status
        } catch {
          return 0
        }
      },
      { timeout: 90_000, message: 'next start serves /loops/health' },
    )
    .toBe(200)
}

test('next build with no Loops key, then next start delivers identify + track to Loops', async ({
  page,
  loops,
}, testInfo) => {
  test.setTimeout(360_000)

  // From scratch, as on a CI runner: no build output or cache from an earlier run.
  rmSync(join(appDir, '.next'), { recursive: true, force: true })
  const isolation = networkIsolation()
  const started = Date.now()
  const build = await run([...isolation, process.execPath, nextBin, 'build'], buildEnv())
  testInfo.annotations.push({
    type: 'next build',
    description: `${((Date.now() - started) / 1000).toFixed(1)} s${isolation.length ? ', no network' : ''}`,
  })
  expect(build.code, `next build failed:\n${build.output}`).toBe(0)

  const port = await freeLoopbackPort()
  const url = `http://127.0.0.1:${port}`
  const server = spawn(
    process.execPath,
    [nextBin, 'start', '-H', '127.0.0.1', '-p', String(port)],
    {
      cwd: appDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...buildEnv(),
        // Settings arrive at run time, as a deployment's secrets do.
        LOOPS_API_KEY,
        LOOPS_API_URL: `${loops.url}/api`,
        RELAY_IDENTITY_SECRET: IDENTITY_SECRET,
        // Browsers send Origin on same-origin POSTs too; the relay allows only listed origins.
        RELAY_ALLOWED_ORIGINS: url,
      },
    },
  )
  let serverLog = ''
  server.stdout?.on('data', (chunk: Buffer) => (serverLog += chunk))
  server.stderr?.on('data', (chunk: Buffer) => (serverLog += chunk))
  try {
    await waitForHealth(url, server, () => serverLog)

    await page.goto(`${url}/`)
    await expect(page.locator('html[data-loops-ready="true"]')).toBeAttached()
    await expect(page.getByText('identity signed by the server')).toBeVisible()
    await page.click('#identify')
    await page.click('#track')

    // The page signed nothing itself: the relay checked the server's signature and delivered.
    await expect
      .poll(() => loops.contact('next-demo@example.com'))
      .toMatchObject({ userId: 'next-demo-user', firstName: 'Ada' })
    await expect.poll(async () => (await loops.eventsNamed('Viewed Pricing')).length).toBe(1)
    const [event] = await loops.eventsNamed('Viewed Pricing')
    expect(event).toMatchObject({
      email: 'next-demo@example.com',
      userId: 'next-demo-user',
      eventProperties: { plan: 'pro' },
    })
    await expect(page.locator('#delivered')).toHaveText('2')
    await expect(page.locator('#last-error')).toHaveText('—')
  } finally {
    await stopGroup(server)
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('next-start.log', { body: serverLog, contentType: 'text/plain' })
    }
  }
})
