import { defineConfig } from 'tsup'

// One object per shipped artifact (vercel/analytics style). Both builds run at once into dist/.
export default defineConfig([
  {
    // npm entry: ESM + CJS + types. Dependencies (core, hono) stay imports; ky is ESM-only, so a
    // `require()` of it gives a namespace, not ky: it is bundled in (~5 KB). better-sqlite3 is
    // optional and loaded at run time through createRequire(import.meta.url): `shims` gives the
    // CJS build an import.meta.url.
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    noExternal: ['ky'],
    // The CLI build below writes into the same folder at the same time: keep its file.
    clean: ['!cli.js'],
    target: 'node20',
    platform: 'node',
    // Optional peers, loaded by a dynamic import only in the mode that needs them.
    external: ['better-sqlite3', 'bullmq', 'ioredis'],
    shims: true,
    sourcemap: true,
  },
  {
    // `loops-relay` / `node dist/cli.js`: one self-contained file (core bundled in), so the CLI
    // runs from a fresh build of this package alone. better-sqlite3 is native: never bundled,
    // and loaded only when queue mode opens its store.
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    noExternal: ['@loops-cdp/core'],
    external: ['better-sqlite3', 'bullmq', 'ioredis'],
    splitting: false,
    banner: { js: '#!/usr/bin/env node' },
    target: 'node20',
    platform: 'node',
  },
])
