// Child processes for the servers under test: each one gets its own process (and event loop),
// apart from the load generator. Every process started here is stopped by its own pid.
import { spawn } from 'node:child_process'
import { createWriteStream, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { outDir } from './env.mjs'

/** An ephemeral loopback port that is free right now (for CLIs that take PORT rather than 0). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/**
 * Starts `node ...nodeArgs <script> ...args` with extra env; its output goes to bench/.out/logs/<name>.log.
 * Resolves once `readyUrl` answers (any HTTP status), within `timeoutMs`.
 */
export async function startNode(
  name,
  script,
  { args = [], nodeArgs = [], env = {}, readyUrl, timeoutMs = 20_000 },
) {
  const logDir = join(outDir, 'logs')
  mkdirSync(logDir, { recursive: true })
  const logFile = join(logDir, `${name}.log`)
  const log = createWriteStream(logFile)
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.pipe(log)
  child.stderr.pipe(log)
  let exited = null
  child.once('exit', (code, signal) => {
    exited = { code, signal }
  })
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`${name} exited early (${exited.code ?? exited.signal}); see ${logFile}`)
    }
    try {
      await fetch(readyUrl, { signal: AbortSignal.timeout(1000) })
      return { name, child, logFile, stop: () => stopChild(child) }
    } catch {
      await sleep(100)
    }
  }
  await stopChild(child)
  throw new Error(`${name} did not answer ${readyUrl} within ${timeoutMs} ms; see ${logFile}`)
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await gone
  clearTimeout(timer)
}
