// 1. Size: the CDN builds as shipped, the npm entries as a bundler would tree-shake them, and the
// host SDKs measured the same way (esbuild bundle + minify, node:zlib gzip -9 / brotli q11).
// Also runs size-limit (root config) and quotes it. Budget: each CDN build <= 3,072 bytes gzip.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { build } from 'esbuild'
import { sizes } from './lib/compress.mjs'
import { benchDir, installedVersion, outDir, paths, requireBuilt, root } from './lib/env.mjs'
import { header, saveRaw } from './lib/report.mjs'
import { fmt, table, verdict } from './lib/stats.mjs'

const BUDGET_GZIP = 3072
const work = join(outDir, 'size')

/** esbuild bundle + minify of a tiny entry module; returns entry-chunk and all-chunk sizes. */
export async function bundle(
  name,
  source,
  { external = [], splitting = false, alias, target = 'es2020', format = 'esm' } = {},
) {
  const dir = join(work, name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const entry = join(dir, 'entry.js')
  writeFileSync(entry, source)
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: benchDir,
    nodePaths: [join(benchDir, 'node_modules')],
    bundle: true,
    minify: true,
    format,
    platform: 'browser',
    target,
    splitting,
    outdir: join(dir, 'out'),
    external,
    alias,
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    write: true,
    logLevel: 'silent',
  })
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(result.metafile))
  const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.js'))
  const entryOut = outputs.find(([, o]) => o.entryPoint)
  const entrySizes = sizes(readFileSync(join(benchDir, entryOut[0])))
  const all = outputs.map(([f]) => sizes(readFileSync(join(benchDir, f))))
  const total = all.reduce(
    (s, x) => ({ raw: s.raw + x.raw, gzip: s.gzip + x.gzip, brotli: s.brotli + x.brotli }),
    { raw: 0, gzip: 0, brotli: 0 },
  )
  return { entry: entrySizes, total, chunks: outputs.length, metafile: result.metafile, entryOut }
}

/** Bytes of minified output per input module, largest first (from an esbuild metafile). */
function breakdown(metafile, outputFile) {
  const inputs = metafile.outputs[outputFile].inputs
  const total = Object.values(inputs).reduce((s, i) => s + i.bytesInOutput, 0)
  return Object.entries(inputs)
    .map(([file, i]) => ({
      file: file.replace(/^.*?packages\//, 'packages/'),
      bytes: i.bytesInOutput,
    }))
    .filter((x) => x.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .map((x) => ({ ...x, share: x.bytes / total }))
}

function findSourceEntry(pkg) {
  for (const f of ['src/cdn.ts', 'src/cdn.global.ts', 'src/browser.ts', 'src/index.ts']) {
    const p = join(root, 'packages', pkg, f)
    if (existsSync(p)) return p
  }
  return null
}

/**
 * Rebuild of a plugin's CDN entry from sources (core aliased to src) to see where the bytes go:
 * as an es2017 IIFE like the shipped build (esbuild's `<runtime>` = down-levelling helpers), and
 * at es2020 for the cost of the es2017 target.
 */
async function sourceBreakdown(pkg) {
  const entry = findSourceEntry(pkg)
  if (!entry) return null
  const src = `export * from ${JSON.stringify(entry)}\n`
  const options = {
    external: ['@segment/analytics-next', '@rudderstack/analytics-js'],
    alias: {
      '@loops-cdp/core/protocol': join(root, 'packages/core/src/protocol.ts'),
      '@loops-cdp/core': join(root, 'packages/core/src/index.ts'),
    },
  }
  const b = await bundle(`${pkg}-src`, src, { ...options, target: 'es2017', format: 'iife' })
  const modern = await bundle(`${pkg}-src-es2020`, src, { ...options, format: 'iife' })
  return {
    entry: relative(root, entry),
    sizes: b.entry,
    es2020: modern.entry,
    modules: withRuntime(breakdown(b.metafile, b.entryOut[0]), b.entry.raw),
  }
}

/** Adds the bytes no input module accounts for (runtime helpers, IIFE wrapper); shares of all. */
function withRuntime(modules, totalRaw) {
  const listed = modules.reduce((s, m) => s + m.bytes, 0)
  const rows = [
    ...modules,
    { file: '(esbuild runtime helpers, IIFE wrapper)', bytes: totalRaw - listed },
  ]
  return rows.map((m) => ({ ...m, share: m.bytes / totalRaw }))
}

function runSizeLimit() {
  const configs = ['.size-limit.json', '.size-limit.cjs', '.size-limit.js', '.size-limit.mjs']
  const config = configs.find((c) => existsSync(join(root, c)))
  if (!config) return { config: null, output: 'no size-limit config at the repo root yet' }
  const bin = join(root, 'node_modules/.bin/size-limit')
  const r = spawnSync(bin, [], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  })
  const output = `${r.stdout}${r.stderr}`.trim()
  return { config, status: r.status, output }
}

export async function runSize() {
  requireBuilt('segmentCdn', 'rudderCdn', 'segmentNpm', 'rudderNpm')
  const hostExternal = ['@segment/analytics-next', '@rudderstack/analytics-js']
  const seg = 'node_modules/@segment/analytics-next/dist/umd'
  const rows = []
  const add = (group, artifact, s, how, extra = '') =>
    rows.push({ group, artifact, raw: s.raw, gzip: s.gzip, brotli: s.brotli, how, extra })

  const cdn = {
    segment: sizes(readFileSync(paths.segmentCdn)),
    rudder: sizes(readFileSync(paths.rudderCdn)),
  }
  add('plugin CDN', 'segment-plugin dist/cdn.global.js', cdn.segment, 'as shipped')
  add('plugin CDN', 'rudder-plugin dist/cdn.global.js', cdn.rudder, 'as shipped')

  const npmSeg = await bundle(
    'npm-segment-plugin',
    `import { loopsDestination } from '@loops-cdp/segment-plugin'\nwindow.x = loopsDestination\n`,
    { external: hostExternal },
  )
  const npmRud = await bundle(
    'npm-rudder-plugin',
    `import { loopsIntegration } from '@loops-cdp/rudder-plugin'\nwindow.x = loopsIntegration\n`,
    { external: hostExternal },
  )
  add(
    'plugin npm',
    "`import { loopsDestination } from '@loops-cdp/segment-plugin'`",
    npmSeg.entry,
    'esbuild bundle+minify, core bundled, host SDK external',
  )
  add(
    'plugin npm',
    "`import { loopsIntegration } from '@loops-cdp/rudder-plugin'`",
    npmRud.entry,
    'esbuild bundle+minify, core bundled, host SDK external',
  )

  const segStandalone = sizes(readFileSync(join(benchDir, seg, 'standalone.js')))
  const segIndex = sizes(readFileSync(join(benchDir, seg, 'index.js')))
  add(
    'host',
    `@segment/analytics-next ${installedVersion('@segment/analytics-next')} dist/umd/standalone.js`,
    segStandalone,
    'as shipped (CDN analytics.min.js)',
  )
  add(
    'host',
    '@segment/analytics-next dist/umd/index.js',
    segIndex,
    'as shipped (size-limit target of the repo)',
  )
  const segNpm = await bundle(
    'npm-analytics-next',
    `import { AnalyticsBrowser } from '@segment/analytics-next'\nwindow.x = AnalyticsBrowser\n`,
  )
  const segSplit = await bundle(
    'npm-analytics-next-split',
    `import { AnalyticsBrowser } from '@segment/analytics-next'\nwindow.x = AnalyticsBrowser\n`,
    { splitting: true },
  )
  add(
    'host',
    "`import { AnalyticsBrowser } from '@segment/analytics-next'`",
    segNpm.entry,
    'esbuild bundle+minify, lazy chunks inlined',
    `with splitting: ${segSplit.chunks} chunks, gzip ${fmt.int(segSplit.total.gzip)} in all, entry ${fmt.int(segSplit.entry.gzip)}`,
  )
  const rudNpm = await bundle(
    'npm-rudder',
    `import { RudderAnalytics } from '@rudderstack/analytics-js'\nwindow.x = RudderAnalytics\n`,
  )
  add(
    'host',
    `\`import { RudderAnalytics } from '@rudderstack/analytics-js'\` (${installedVersion('@rudderstack/analytics-js')}, modern core)`,
    rudNpm.entry,
    'esbuild bundle+minify (plugins load from CDN at runtime)',
  )
  const rudBundled = await bundle(
    'npm-rudder-bundled',
    `import { RudderAnalytics } from '@rudderstack/analytics-js/bundled'\nwindow.x = RudderAnalytics\n`,
  )
  add(
    'host',
    '`@rudderstack/analytics-js/bundled` (modern, all plugins)',
    rudBundled.entry,
    'esbuild bundle+minify',
  )

  const ratios = {
    segmentCdnVsStandalone: cdn.segment.gzip / segStandalone.gzip,
    rudderCdnVsModern: cdn.rudder.gzip / rudNpm.entry.gzip,
    segmentNpmVsHostEntry: npmSeg.entry.gzip / segNpm.entry.gzip,
    rudderNpmVsHost: npmRud.entry.gzip / rudNpm.entry.gzip,
  }
  const budget = {
    segment: cdn.segment.gzip <= BUDGET_GZIP,
    rudder: cdn.rudder.gzip <= BUDGET_GZIP,
  }
  const profiles = {
    segment: await sourceBreakdown('segment-plugin'),
    rudder: await sourceBreakdown('rudder-plugin'),
  }
  const sizeLimit = runSizeLimit()
  saveRaw('size', { rows, ratios, budget, profiles, sizeLimit })

  const md = [
    '## 1. Size',
    '',
    header('size'),
    '',
    'Bytes. gzip = node:zlib level 9, brotli = quality 11, of the file as written (CDN builds as',
    'shipped; npm entries and host SDKs after `esbuild --bundle --minify --format=esm --target=es2020',
    '--platform=browser`).',
    '',
    table(
      ['', 'artifact', 'min', 'gzip -9', 'brotli 11', 'how', 'note'],
      rows.map((r) => [
        r.group,
        r.artifact,
        fmt.int(r.raw),
        fmt.int(r.gzip),
        fmt.int(r.brotli),
        r.how,
        r.extra,
      ]),
    ),
    '',
    'Ratios (gzip):',
    `- segment-plugin CDN / analytics-next standalone.js: ${fmt.pct(ratios.segmentCdnVsStandalone)}`,
    `- rudder-plugin CDN / rudder modern core (esbuild): ${fmt.pct(ratios.rudderCdnVsModern)}`,
    `- segment-plugin npm / analytics-next npm (esbuild, lazy chunks inlined): ${fmt.pct(ratios.segmentNpmVsHostEntry)}`,
    `- rudder-plugin npm / rudder modern core npm: ${fmt.pct(ratios.rudderNpmVsHost)}`,
    '',
    `Budget (CDN build <= ${fmt.int(BUDGET_GZIP)} B gzip): segment-plugin ${fmt.int(cdn.segment.gzip)} B ${verdict(budget.segment)}; rudder-plugin ${fmt.int(cdn.rudder.gzip)} B ${verdict(budget.rudder)}.`,
    '',
    ...['segment', 'rudder'].flatMap((k) => {
      const p = profiles[k]
      if (!p) return []
      return [
        `Where the bytes go — ${k}-plugin, rebuilt from \`${p.entry}\` with core from source as an es2017 IIFE like the shipped file (esbuild metafile, minified bytes per module before compression; ${fmt.int(p.sizes.raw)} B min, ${fmt.int(p.sizes.gzip)} B gzip; the same at es2020: ${fmt.int(p.es2020.raw)} B min, ${fmt.int(p.es2020.gzip)} B gzip):`,
        '',
        table(
          ['module', 'min bytes', 'share'],
          p.modules.slice(0, 15).map((m) => [`\`${m.file}\``, fmt.int(m.bytes), fmt.pct(m.share)]),
        ),
        '',
      ]
    }),
    `size-limit (\`pnpm size\`, config \`${sizeLimit.config ?? 'none'}\`${sizeLimit.status === undefined ? '' : `, exit ${sizeLimit.status}`}):`,
    '',
    '```',
    sizeLimit.output,
    '```',
  ].join('\n')
  return md
}
