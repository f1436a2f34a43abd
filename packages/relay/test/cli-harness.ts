// The built CLI (`node dist/cli.js`) as a child process, for the hostile suites: started with
// exactly the given environment (plus PATH), its stdout and stderr kept, killed after the file.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { beforeAll } from 'vitest'
import { onCleanup, waitFor } from './http-harness'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

beforeAll(() => {
  // The root test script builds first; a bare `vitest run` builds here instead of skipping.
  if (!existsSync(cli)) {
    execFileSync('pnpm', ['run', 'build'], { cwd: packageDir, stdio: 'ignore', timeout: 180_000 })
  }
}, 200_000)

export interface CliRun {
  child: ChildProcess
  out: string[]
  err: string[]
  exited: Promise<number | null>
}

export function runCli(env: Record<string, string>, args: string[] = []): CliRun {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out: string[] = []
  const err: string[] = []
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => out.push(chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => err.push(chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  return { child, out, err, exited }
}

/** Waits for the JSON "listening" line and returns its URL. */
export async function listeningUrl(r: CliRun): Promise<string> {
  let url: string | undefined
  await waitFor(
    () => {
      for (const text of r.out.join('').split('\n')) {
        if (!text.startsWith('{')) continue
        const line = JSON.parse(text) as { msg?: string; url?: string }
        if (line.msg === 'listening') url = line.url
      }
      if (r.child.exitCode !== null) throw new Error(`cli exited: ${r.err.join('')}`)
      return url !== undefined
    },
    'listening line',
    15_000,
  )
  return url as string
}

/** Every JSON line the CLI printed (stdout and stderr). */
export function jsonLines(r: CliRun): Array<Record<string, unknown>> {
  return (r.out.join('') + r.err.join(''))
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}
