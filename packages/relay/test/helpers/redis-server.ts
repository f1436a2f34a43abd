// A real redis-server for the tests: found on PATH or at REDIS_SERVER_PATH, started on a free
// loopback port with its own temp dir and AOF on (`appendonly yes`), so a SIGKILL and a restart
// on the same dir keep every write Redis acknowledged. Stopped by PID.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './loopback'

export interface RedisServer {
  url: string
  port: number
  dir: string
  pid(): number | undefined
  /** SIGKILL: no shutdown save, only what the AOF already has survives. */
  kill(): Promise<void>
  /** Starts it again on the same port and dir (AOF replayed). */
  restart(): Promise<void>
  /** SIGTERM and remove the dir. */
  close(): Promise<void>
}

export function redisServerPath(): string {
  const configured = process.env.REDIS_SERVER_PATH
  if (configured) return configured
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim()
  } catch {
    throw new Error('redis-server not found: install it or set REDIS_SERVER_PATH')
  }
}

export async function startRedisServer(
  options: { appendfsync?: 'always' | 'everysec' } = {},
): Promise<RedisServer> {
  const binary = redisServerPath()
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'relay-redis-'))
  let child: ChildProcess | undefined

  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const proc = spawn(
        binary,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--appendonly',
          'yes',
          '--appendfsync',
          options.appendfsync ?? 'everysec',
          '--save',
          '',
          '--daemonize',
          'no',
          '--protected-mode',
          'yes',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      )
      child = proc
      let output = ''
      const timer = setTimeout(() => {
        proc.kill('SIGKILL')
        reject(new Error(`redis-server did not start: ${output}`))
      }, 15_000)
      proc.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve()
        }
      })
      proc.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString()
      })
      proc.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`redis-server exited (${code}): ${output}`))
      })
    })

  const stop = async (signal: NodeJS.Signals) => {
    const proc = child
    child = undefined
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    proc.kill(signal)
    await exited
  }

  await launch()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => child?.pid,
    kill: () => stop('SIGKILL'),
    restart: launch,
    async close() {
      await stop('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
