// Makes the README's two commands work on a fresh machine that has only Node >= 20 and npm:
// finds pnpm (or runs the pinned version through npx) and installs the workspace when needed.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager // pnpm@x.y.z

const [major] = process.versions.node.split('.').map(Number)
if (major < 20) {
  console.error(`loops-cdp needs Node >= 20 (this is ${process.version}).`)
  process.exit(1)
}

function hasGlobalPnpm() {
  const r = spawnSync('pnpm', ['--version'], { encoding: 'utf8' })
  return r.status === 0 && r.stdout.trim().startsWith('10.')
}

/** The command that runs pnpm here: a global pnpm 10, else the pinned one through npx. */
export const pnpm = hasGlobalPnpm() ? ['pnpm'] : ['npx', '--yes', pinned]

/** Runs a command from the repo root with inherited output; exits the process when it fails. */
export function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options })
  if (r.status !== 0) {
    console.error(`\n✗ ${[cmd, ...args].join(' ')} failed (exit ${r.status ?? r.signal})`)
    process.exit(r.status || 1)
  }
}

export function runPnpm(args, options) {
  run(pnpm[0], [...pnpm.slice(1), ...args], options)
}

/** Installs dependencies when node_modules is missing or older than the lockfile. */
export function ensureInstalled() {
  const marker = join(root, 'node_modules', '.modules.yaml')
  const lock = join(root, 'pnpm-lock.yaml')
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return
  console.log('Installing dependencies (first run compiles better-sqlite3, about 2 minutes)…')
  runPnpm(['install', '--frozen-lockfile'])
}
