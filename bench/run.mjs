// Single entry of the benchmarks:
// node bench/run.mjs [size|main-thread|main-thread-steady|ingest|efficiency|scale-out|all]
// Each benchmark prints its markdown section and writes it into bench/RESULTS.md (between its
// markers; --no-write skips that) and its raw numbers into bench/.out/<name>.json.
// Build first: pnpm build.
import { writeSection } from './lib/report.mjs'

const benches = {
  size: async () => (await import('./size.mjs')).runSize(),
  'main-thread': async () => (await import('./main-thread.mjs')).runMainThread(),
  'main-thread-steady': async () => {
    const m = await import('./main-thread.mjs')
    return m.runMainThread(m.SCENARIOS.steady)
  },
  ingest: async () => (await import('./ingest.mjs')).runIngest(),
  efficiency: async () => (await import('./efficiency.mjs')).runEfficiency(),
  'scale-out': async () => (await import('./scale-out.mjs')).runScaleOut(),
}

const args = process.argv.slice(2)
const write = !args.includes('--no-write')
const which = args.find((a) => !a.startsWith('--')) ?? 'all'
const names = which === 'all' ? Object.keys(benches) : [which]

if (!names.every((n) => n in benches)) {
  console.error(`usage: node bench/run.mjs [${Object.keys(benches).join('|')}|all] [--no-write]`)
  process.exit(2)
}

let failed = 0
for (const name of names) {
  const started = Date.now()
  console.log(`\n▶ ${name}`)
  try {
    const markdown = await benches[name]()
    console.log(`\n${markdown}\n`)
    if (write) writeSection(name, markdown)
    console.log(`✓ ${name} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  } catch (error) {
    failed++
    console.error(`✗ ${name}: ${error instanceof Error ? (error.stack ?? error.message) : error}`)
  }
}
process.exit(failed ? 1 : 0)
