// The built relay CLI (`node packages/relay/dist/cli.js`) as a child process, for the tests that
// need the real binary: built first when dist is missing or older than the sources, started with
// exactly the given environment (plus PATH, never the test runner's own variables), its stdout
// and stderr kept, its URL read from the JSON `listening` line. Every process started here is
// SIGKILLed after the test unless it already exited.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'

export const relayDir = fileURLToPath(new URL('../..', import.meta.url))
export const cliPath = join(relayDir, 'dist', 'cli.js')

const stops: Array<() => Promise<void>> = []
afterEach(async () => {
  while (stops.length > 0) await stops.pop()?.()
})

/** Newest modification time under a folder. */
function newest(dir: string): number {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }
  return latest
}

/** Builds the relay when dist is missing or older than the sources, so tests run today's code. */
export function buildRelayIfStale(): void {
  if (existsSync(cliPath) && statSync(cliPath).mtimeMs >= newest(join(relayDir, 'src'))) return
  execFileSync('pnpm', ['--filter', '@loops-cdp/relay', 'build'], {
    cwd: relayDir,
    stdio: 'ignore',
    timeout: 180_000,
  })
}

export interface NodeRun {
  child: ChildProcess
  /** stdout and stderr chunks as they arrived. */
  out: string[]
  err: string[]
  /** The exit code once the process ended and its output is complete (null when signalled). */
  exited: Promise<number | null>
  /** stdout and stderr so far, interleaved in arrival order. */
  output(): string
}

export interface RunOptions {
  cwd?: string
  /** A command that execs Node with the rest (e.g. `prlimit --fsize=…`): same pid. */
  wrap?: string[]
}

/** Starts `node ...args` with exactly `env` (plus PATH). */
export function runNode(
  args: string[],
  env: Record<string, string> = {},
  options: RunOptions = {},
): NodeRun {
  const [command, ...rest] = [...(options.wrap ?? []), process.execPath, ...args]
  const child = spawn(command as string, rest, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out: string[] = []
  const err: string[] = []
  const both: string[] = []
  child.stdout
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => out.push(chunk) && both.push(chunk))
  child.stderr
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => err.push(chunk) && both.push(chunk))
  // 'close', not 'exit': by then stdout and stderr are fully read.
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => resolve(code)),
  )
  stops.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  return { child, out, err, exited, output: () => both.join('') }
}

/** Starts the built CLI with exactly `env` (plus PATH). */
export function runCli(env: Record<string, string>, args: string[] = [], options: RunOptions = {}) {
  return runNode([cliPath, ...args], env, options)
}

/** Every JSON line the process printed (stdout, then stderr). */
export function jsonLines(run: NodeRun): Array<Record<string, unknown>> {
  const lines = [run.out.join(''), run.err.join('')].flatMap((text) => text.split('\n'))
  const parsed: Array<Record<string, unknown>> = []
  for (const line of lines) {
    if (!line.startsWith('{')) continue
    try {
      parsed.push(JSON.parse(line) as Record<string, unknown>)
    } catch {
      // not a JSON line
    }
  }
  return parsed
}

/** Waits for the JSON `listening` line and returns its URL; fails if the process ends first. */
export async function listeningUrl(run: NodeRun, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const listening = jsonLines(run).find((line) => line.msg === 'listening')
    if (typeof listening?.url === 'string') return listening.url
    if (run.child.exitCode !== null || run.child.signalCode !== null) {
      throw new Error(`relay exited before listening: ${run.output()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`relay did not start within ${timeoutMs} ms: ${run.output()}`)
}

export interface RelayProcess extends NodeRun {
  url: string
}

/** Starts the built CLI and resolves once it listens. */
export async function startRelayProcess(
  env: Record<string, string>,
  args: string[] = [],
  options: RunOptions = {},
): Promise<RelayProcess> {
  const run = runCli(env, args, options)
  return { ...run, url: await listeningUrl(run) }
}
