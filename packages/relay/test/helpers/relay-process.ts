// The built CLI (`node dist/cli.js`) as a child process: built first when dist is older than the
// sources, started with an environment, its URL read from the JSON `listening` line. Every
// process started here is SIGKILLed after the test unless it already exited.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { onCleanup } from '../delivery-helpers'

const relayDir = fileURLToPath(new URL('../..', import.meta.url))
export const cliPath = join(relayDir, 'dist', 'cli.js')

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

export interface RelayProcess {
  child: ChildProcess
  url: string
  exited: Promise<number | null>
  /** Lines the process printed on stdout and stderr so far. */
  output(): string
}

export async function startRelayProcess(
  env: Record<string, string>,
  args: string[] = [],
): Promise<RelayProcess> {
  const child = spawn(process.execPath, [cliPath, ...args], {
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
  const lines: string[] = []
  child.stderr?.on('data', (chunk: Buffer) => lines.push(chunk.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`relay did not start: ${lines.join('')}`)),
      20_000,
    )
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
      lines.push(`${text}\n`)
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
    child.once('exit', () => {
      clearTimeout(timer)
      reject(new Error(`relay exited early: ${lines.join('')}`))
    })
  })
  return { child, url, exited, output: () => lines.join('') }
}
