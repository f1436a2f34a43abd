// The README's test command (`npm test`): install if needed, build, then every unit test
// (vitest) and every end-to-end test (Playwright in a real Chromium). Both suites always run;
// the last line sums them up as "tests: N passed, N failed".
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ensureInstalled, root, runPnpm } from './bootstrap.mjs'

ensureInstalled()
runPnpm(['run', 'build'])

const out = join(root, 'test-results')
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
const bin = (name) => join(root, 'node_modules', '.bin', name)

let crashed = false
const suite = (cmd, args, env = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } })
  if (r.status !== 0) crashed = true
}
suite(bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${join(out, 'vitest.json')}`,
])
suite(bin('playwright'), ['test', '-c', 'e2e/playwright.config.ts', '--reporter=list,json'], {
  PLAYWRIGHT_JSON_OUTPUT_NAME: join(out, 'playwright.json'),
})

const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null)
const v = read(join(out, 'vitest.json'))
const p = read(join(out, 'playwright.json'))
const unit = {
  passed: v?.numPassedTests ?? 0,
  failed: v ? v.numFailedTests : 1,
  skipped: (v?.numPendingTests ?? 0) + (v?.numTodoTests ?? 0),
}
const e2e = {
  passed: p?.stats?.expected ?? 0,
  failed: p ? (p.stats.unexpected ?? 0) + (p.stats.flaky ?? 0) : 1,
  skipped: p?.stats?.skipped ?? 0,
}
console.log(
  `\nunit (vitest): ${unit.passed} passed, ${unit.failed} failed, ${unit.skipped} skipped`,
)
console.log(`e2e (playwright): ${e2e.passed} passed, ${e2e.failed} failed, ${e2e.skipped} skipped`)
let failedTotal = unit.failed + e2e.failed
if (crashed && failedTotal === 0) failedTotal = 1 // a runner failed outside any test
console.log(`tests: ${unit.passed + e2e.passed} passed, ${failedTotal} failed`)
process.exit(failedTotal > 0 ? 1 : 0)
