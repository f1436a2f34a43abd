import { defineConfig } from 'tsup'
import { minifyCdnPlugin } from '../../scripts/minify-cdn.mjs'

// One object per shipped artifact (vercel/analytics style).
export default defineConfig([
  {
    // npm: ESM + CJS + types; @loops-cdp/core stays an import (a dependency), the host SDK is types only.
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    // The CDN build below runs in parallel and writes into the same folder: keep its files.
    clean: ['!cdn.global.js'],
    target: 'es2020',
    platform: 'browser',
    sourcemap: true,
  },
  {
    // CDN: one minified IIFE, core bundled in, exposing window.LoopsRudder (see cdn.d.ts).
    entry: { cdn: 'src/cdn.ts' },
    format: ['iife'],
    noExternal: ['@loops-cdp/core'],
    // terser then uglify-js (scripts/minify-cdn.mjs): ~7 % smaller than esbuild's minifier
    // (bench/RESULTS.md, size). tsup runs its own `minify` after plugins, so it stays off here.
    plugins: [minifyCdnPlugin()],
    target: 'es2020',
    platform: 'browser',
  },
])
