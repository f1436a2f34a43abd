// 1. Size: the CDN builds as shipped, the npm entries as a bundler would tree-shake them, and the
// host SDKs measured the same way (esbuild bundle + minify, node:zlib gzip -9 / brotli q11).
// Where the bytes go: the shipped pipeline (tsup's esbuild → scripts/minify-cdn.mjs) reproduced in
// memory and checked against the shipped file, esbuild's minifier on the same bundle for bytes per
// module, and removal probes (a feature's code replaced in memory, never on disk).
// Also runs size-limit (root config) and quotes it. Budget: each CDN build <= 3,584 bytes (3.5 KiB) gzip.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { build } from 'esbuild'
import { minifyCdn, TERSER_OPTIONS } from '../scripts/minify-cdn.mjs'
import { sizes } from './lib/compress.mjs'
import { benchDir, installedVersion, outDir, paths, requireBuilt, root } from './lib/env.mjs'
import { header, saveRaw } from './lib/report.mjs'
import { fmt, table, verdict } from './lib/stats.mjs'

const BUDGET_GZIP = 3584
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

// The shipped CDN build is tsup (its esbuild) bundling `src/cdn.ts` as an IIFE — core resolved to
// its sources through the plugin's tsconfig `paths` — then the tsup plugin of
// scripts/minify-cdn.mjs (terser, then uglify-js). The profile and the probes below rebuild
// exactly that in memory, with the same minifyCdn().
const rootRequire = createRequire(join(root, 'package.json'))
const tsupEsbuild = () => createRequire(rootRequire.resolve('tsup'))('esbuild')

/** The CDN entry of a plugin's tsup.config.ts, evaluated in memory (its minifier stubbed out). */
async function cdnConfig(pkg) {
  const dir = join(root, 'packages', pkg)
  const out = await tsupEsbuild().build({
    entryPoints: [join(dir, 'tsup.config.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'tsup-stub',
        setup(b) {
          b.onResolve({ filter: /^tsup$/ }, () => ({ path: 'tsup', namespace: 'stub' }))
          b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
            contents: 'export const defineConfig = (c) => c',
          }))
          // The config's plugins are not needed here, and a data: URL module cannot import
          // terser or uglify-js: minifyCdn is imported above instead.
          b.onResolve({ filter: /minify-cdn\.mjs$/ }, () => ({ path: 'm', namespace: 'mini' }))
          b.onLoad({ filter: /.*/, namespace: 'mini' }, () => ({
            contents: 'export const minifyCdnPlugin = () => ({ name: "minify-cdn" })',
          }))
        },
      },
    ],
  })
  const url = `data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`
  const config = (await import(url)).default
  const entries = Array.isArray(config) ? config : [config]
  const cdn = entries.find((c) => c.entry && 'cdn' in c.entry)
  if (!cdn) throw new Error(`${pkg}/tsup.config.ts: no \`cdn\` entry`)
  return { ...cdn, dir, entry: join(dir, cdn.entry.cdn) }
}

/**
 * The shipped pipeline, in memory: esbuild bundle (tsup's options for this entry), then minifyCdn.
 * `edits` replace text of source modules before esbuild reads them (removal probes); sources on
 * disk are never touched.
 */
async function buildCdn(cfg, { edits = [], minify = false, metafile = false } = {}) {
  const missing = []
  const plugins = edits.length
    ? [
        {
          name: 'probe-edits',
          setup(b) {
            b.onLoad({ filter: /\.ts$/ }, (args) => {
              const mine = edits.filter((e) => args.path === join(root, e.file))
              if (!mine.length) return undefined
              let text = readFileSync(args.path, 'utf8')
              for (const e of mine) {
                const next = text.replace(e.from, e.to)
                if (next === text) missing.push(`${e.file}: ${e.from}`)
                text = next
              }
              return { contents: text, loader: 'ts' }
            })
          },
        },
      ]
    : []
  const result = await tsupEsbuild().build({
    entryPoints: [cfg.entry],
    absWorkingDir: cfg.dir,
    bundle: true,
    format: formatOf(cfg),
    target: cfg.target,
    platform: cfg.platform,
    mainFields: ['browser', 'module', 'main'],
    define: { ...cfg.define, TSUP_FORMAT: JSON.stringify(formatOf(cfg)) },
    minify,
    metafile,
    write: false,
    logLevel: 'silent',
    plugins,
  })
  if (missing.length) return { missing }
  const bundled = result.outputFiles[0].text
  return { bundled, metafile: result.metafile }
}

const formatOf = (cfg) => (Array.isArray(cfg.format) ? cfg.format[0] : cfg.format)

// Removal probes: what leaving a feature out of the browser build would save. Each edit replaces
// source text in memory (a probe whose text is no longer found reports "stale"). The variants are
// only built and measured, never run: they say what a feature costs, not that it can go.
const CORE = 'packages/core/src'
const Q = `${CORE}/queue.ts`
const D = `${CORE}/dispatcher.ts`
/** Replaces a whole module. */
const whole = (file, to) => ({ file, from: /^[\s\S]*$/, to })
const PROBES = [
  {
    name: "tab hand-over (lease index with claims in it, adoption of a closed tab's queue, migration of the old layout)",
    edits: [
      whole(
        `${CORE}/tab-lease.ts`,
        'export const CLAIM_PAUSE = 100\nexport function beatAndClaim(_o: unknown): void {}\nexport function markBeat(..._a: unknown[]): void {}\n',
      ),
      whole(
        `${CORE}/queue-migration.ts`,
        'export function migrateLegacyQueues(_o: unknown): void {}\n',
      ),
    ],
  },
  {
    name: '413 split (halve a batch the relay found too large)',
    edits: [
      {
        file: D,
        from: /\n\s*if \(status === 413 && batch\[1\]\) \{[\s\S]*?\n {6}\}(?=\n)/,
        to: '',
      },
    ],
  },
  {
    name: 'pagehide send (one keepalive body under 64 KB, sendBeacon fallback)',
    edits: [
      {
        file: Q,
        from: /const sendBeforeLeaving = \(\) => \{[\s\S]*?\n {2}\}(?=\n)/,
        to: 'const sendBeforeLeaving = () => writeBuffered()',
      },
      { file: D, from: /\n\s*\/\/ No fetch, no keepalive[^\n]*\n[^\n]*sendBeacon[^\n]*/, to: '' },
    ],
  },
  {
    name: 'Retry-After (exponential backoff only)',
    edits: [
      {
        file: D,
        from: /const retryAfter = \([\s\S]*?\n\}(?=\n)/,
        to: 'const retryAfter = (_r: Response | undefined, _n: number): number | undefined => undefined',
      },
    ],
  },
  {
    name: 'identify dedupe and the mailing-list / subscribed record',
    edits: [
      whole(
        `${CORE}/contact-record.ts`,
        "import type { ContactMessage, KeyValueStorage } from './types'\nexport function createContactRecord(_s: KeyValueStorage, _p: string) {\n  return { admit: (_m: ContactMessage) => true, forget(_ids: string[]) {}, clear() {} }\n}\n",
      ),
    ],
  },
  {
    name: 'storage memory fallback (plain localStorage)',
    edits: [
      {
        file: 'packages/core/src/storage.ts',
        from: /export function createStorage\([\s\S]*?\n\}\n/,
        to: 'export function createStorage(preferred?: KeyValueStorage): KeyValueStorage {\n  return preferred || (globalThis as { localStorage: KeyValueStorage }).localStorage\n}\n',
      },
    ],
  },
]

/** Bytes of minified output per input module, largest first, plus what no module accounts for. */
function breakdown(metafile, dir, totalRaw) {
  const out = Object.values(metafile.outputs).find((o) => o.entryPoint)
  const rows = Object.entries(out.inputs)
    .map(([file, i]) => ({ file: relative(root, join(dir, file)), bytes: i.bytesInOutput }))
    .filter((x) => x.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
  const listed = rows.reduce((s, m) => s + m.bytes, 0)
  rows.push({ file: '(IIFE wrapper, separators)', bytes: totalRaw - listed })
  return rows.map((m) => ({ ...m, share: m.bytes / totalRaw }))
}

/**
 * Where the bytes go, for one plugin's CDN build: the shipped pipeline reproduced (checked
 * against the shipped file), esbuild's minifier on the same bundle with a metafile (bytes per
 * module), and the removal probes through the shipped pipeline.
 */
async function sourceProfile(pkg, shipped) {
  const cfg = await cdnConfig(pkg)
  const plain = await buildCdn(cfg)
  const shippedCode = await minifyCdn(plain.bundled)
  const esb = await buildCdn(cfg, { minify: true, metafile: true })
  const esbCode = esb.bundled
  const shippedSizes = sizes(shippedCode)
  const probes = []
  for (const probe of PROBES) {
    try {
      const v = await buildCdn(cfg, { edits: probe.edits })
      if (v.missing) {
        probes.push({ name: probe.name, stale: v.missing })
        continue
      }
      const s = sizes(await minifyCdn(v.bundled))
      probes.push({ name: probe.name, gzip: s.gzip, saved: shippedSizes.gzip - s.gzip })
    } catch (error) {
      probes.push({ name: probe.name, failed: String(error?.message ?? error).split('\n')[0] })
    }
  }
  const ok = probes.filter((p) => p.saved !== undefined)
  let all
  if (ok.length === PROBES.length) {
    const v = await buildCdn(cfg, { edits: PROBES.flatMap((p) => p.edits) })
    if (!v.missing) all = sizes(await minifyCdn(v.bundled)).gzip
  }
  return {
    entry: relative(root, cfg.entry),
    target: cfg.target,
    bundled: sizes(plain.bundled),
    shipped: shippedSizes,
    terser: sizes(await minifyCdn(plain.bundled, { terserOnly: true })),
    esbuild: sizes(esbCode),
    reproduced: shippedCode.trimEnd() === shipped.toString('utf8').trimEnd(),
    modules: breakdown(esb.metafile, cfg.dir, Buffer.byteLength(esbCode)),
    probes,
    allProbes: all === undefined ? undefined : { gzip: all, saved: shippedSizes.gzip - all },
  }
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
  const sha = (file) =>
    `sha256 ${createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12)}`
  add(
    'plugin CDN',
    'segment-plugin dist/cdn.global.js',
    cdn.segment,
    'as shipped',
    sha(paths.segmentCdn),
  )
  add(
    'plugin CDN',
    'rudder-plugin dist/cdn.global.js',
    cdn.rudder,
    'as shipped',
    sha(paths.rudderCdn),
  )

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
    segment: await sourceProfile('segment-plugin', readFileSync(paths.segmentCdn)),
    rudder: await sourceProfile('rudder-plugin', readFileSync(paths.rudderCdn)),
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
      const gz = cdn[k].gzip
      return [
        `Where the bytes go — ${k}-plugin: \`${p.entry}\` bundled as the shipped build is (tsup's esbuild, ${p.target} IIFE, core from source through the plugin's tsconfig \`paths\`; ${fmt.int(p.bundled.raw)} B unminified). That one bundle through three minifiers:`,
        '',
        `- as shipped, \`minifyCdn\` of scripts/minify-cdn.mjs (terser \`${JSON.stringify(TERSER_OPTIONS, (_key, value) => (value instanceof RegExp ? String(value) : value))}\`, then uglify-js in module mode, wrapped again in a strict IIFE): ${fmt.int(p.shipped.raw)} B min, **${fmt.int(p.shipped.gzip)} B gzip**, ${fmt.int(p.shipped.brotli)} B brotli — ${p.reproduced ? 'byte-identical to the shipped file' : `NOT identical to the measured file (${fmt.int(gz)} B gzip): the sources changed after it was built`}`,
        `- terser alone (the same options; what shipped until 2026-12-02): ${fmt.int(p.terser.raw)} B min, ${fmt.int(p.terser.gzip)} B gzip, ${fmt.int(p.terser.brotli)} B brotli (uglify-js after it saves ${fmt.int(p.terser.gzip - p.shipped.gzip)} B gzip, ${fmt.pct((p.terser.gzip - p.shipped.gzip) / p.terser.gzip)})`,
        `- esbuild --minify: ${fmt.int(p.esbuild.raw)} B min, ${fmt.int(p.esbuild.gzip)} B gzip, ${fmt.int(p.esbuild.brotli)} B brotli (the shipped minifier saves ${fmt.int(p.esbuild.gzip - p.shipped.gzip)} B gzip, ${fmt.pct((p.esbuild.gzip - p.shipped.gzip) / p.esbuild.gzip)})`,
        '',
        'Minified bytes per module (esbuild metafile of the esbuild-minified build, before compression; terser and uglify-js output has no per-module map):',
        '',
        table(
          ['module', 'min bytes', 'share'],
          p.modules.map((m) => [`\`${m.file}\``, fmt.int(m.bytes), fmt.pct(m.share)]),
        ),
        '',
      ]
    }),
    'Removal probes: gzip bytes the CDN build would lose without a feature. Each variant is the shipped pipeline (esbuild bundle → minifyCdn) with the named code replaced in memory by a no-op (sources untouched); variants are built and measured, not run.',
    '',
    table(
      ['feature left out', 'segment-plugin saves', 'rudder-plugin saves'],
      [
        ...PROBES.map((probe, i) => [
          probe.name,
          ...['segment', 'rudder'].map((k) => {
            const r = profiles[k].probes[i]
            if (r.stale) return 'stale (source text not found)'
            if (r.failed) return `build failed: ${r.failed}`
            return `${fmt.int(r.saved)} B (${fmt.pct(r.saved / profiles[k].shipped.gzip)})`
          }),
        ]),
        [
          '**all of the above together**',
          ...['segment', 'rudder'].map((k) => {
            const a = profiles[k].allProbes
            return a ? `**${fmt.int(a.saved)} B** → ${fmt.int(a.gzip)} B` : '–'
          }),
        ],
      ],
    ),
    '',
    `Over the budget (${fmt.int(BUDGET_GZIP)} B): segment-plugin by ${fmt.int(cdn.segment.gzip - BUDGET_GZIP)} B, rudder-plugin by ${fmt.int(cdn.rudder.gzip - BUDGET_GZIP)} B.`,
    '',
    `size-limit (\`pnpm size\`, config \`${sizeLimit.config ?? 'none'}\`${sizeLimit.status === undefined ? '' : `, exit ${sizeLimit.status}`}):`,
    '',
    '```',
    sizeLimit.output,
    '```',
  ].join('\n')
  return md
}
