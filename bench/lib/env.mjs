// Paths, the machine description and the build check shared by every benchmark.
import { existsSync, readFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..')
export const root = join(benchDir, '..')
export const outDir = join(benchDir, '.out')

// The CDN builds can be swapped for another build of the same contract (e.g. an older release)
// with BENCH_SEGMENT_CDN / BENCH_RUDDER_CDN, to compare builds on the same machine.
export const paths = {
  segmentCdn:
    process.env.BENCH_SEGMENT_CDN ?? join(root, 'packages/segment-plugin/dist/cdn.global.js'),
  rudderCdn:
    process.env.BENCH_RUDDER_CDN ?? join(root, 'packages/rudder-plugin/dist/cdn.global.js'),
  segmentNpm: join(root, 'packages/segment-plugin/dist/index.js'),
  rudderNpm: join(root, 'packages/rudder-plugin/dist/index.js'),
  coreNpm: join(root, 'packages/core/dist/index.js'),
  relayCli: join(root, 'packages/relay/dist/cli.js'),
  relayDist: join(root, 'packages/relay/dist/index.js'),
  emulatorCli: join(root, 'packages/loops-emulator/dist/cli.js'),
}

/** Throws a readable error naming the missing builds (run `pnpm build` first). */
export function requireBuilt(...keys) {
  const missing = keys.filter((k) => !existsSync(paths[k])).map((k) => paths[k])
  if (missing.length > 0) {
    throw new Error(`missing build output (run \`pnpm build\` first):\n  ${missing.join('\n  ')}`)
  }
}

/** CPU model, cores and memory, read from /proc where it exists (Linux), else from node:os. */
export function machine() {
  let model = cpus()[0]?.model ?? 'unknown'
  let memKb = Math.round(totalmem() / 1024)
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
    model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? model
    const meminfo = readFileSync('/proc/meminfo', 'utf8')
    memKb = Number(/^MemTotal:\s*(\d+)/m.exec(meminfo)?.[1] ?? memKb)
  } catch {
    // not Linux: node:os values stay
  }
  return {
    cpu: model,
    cores: cpus().length,
    memoryGiB: Math.round((memKb / 1024 / 1024) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  }
}

export function machineLine() {
  const m = machine()
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, Node ${m.node.slice(1)}, ${m.platform}`
}

/** Version of a package as installed for the bench (e.g. the host SDKs). */
export function installedVersion(name) {
  try {
    return JSON.parse(readFileSync(join(benchDir, 'node_modules', name, 'package.json'), 'utf8'))
      .version
  } catch {
    return 'unknown'
  }
}
