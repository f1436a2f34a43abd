// A redis-server for the redis-mode benchmarks: found on PATH or at REDIS_SERVER_PATH, on a free
// loopback port with its own temp dir and the persistence the relay README recommends (AOF,
// appendfsync everysec). Stopped by its pid; the dir is removed.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, stopChild } from './proc.mjs'

function redisServerPath() {
  if (process.env.REDIS_SERVER_PATH) return process.env.REDIS_SERVER_PATH
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim()
  } catch {
    throw new Error('redis-server not found: install it or set REDIS_SERVER_PATH')
  }
}

export async function startRedis() {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'loops-bench-redis-'))
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir]
  args.push('--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '')
  const child = spawn(redisServerPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] })
  await new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start: ${output}`)),
      15_000,
    )
    child.stdout.on('data', (chunk) => {
      output += chunk
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited (${code}): ${output}`))
    })
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await stopChild(child)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
