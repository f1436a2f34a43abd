// Bundles the two npm example apps (segment-npm, rudder-npm) with esbuild, the way an app's own
// bundler would: workspace packages resolve to their built dist (run `pnpm run build` first).
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))

export async function buildExamples({ quiet = false } = {}) {
  for (const app of ['segment-npm', 'rudder-npm']) {
    await build({
      entryPoints: [join(here, app, 'main.js')],
      outfile: join(here, app, 'dist', 'main.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      minify: true,
      sourcemap: true,
      logLevel: quiet ? 'warning' : 'info',
    })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildExamples()
