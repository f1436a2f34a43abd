import { defineConfig } from 'tsup'

// Array config (vercel/analytics style). Both entries share one build so `clean` cannot race:
// `index` is the isomorphic browser/Node facade; `protocol` is the relay's validator and is never
// imported by `index` (it stays out of the browser bundles).
export default defineConfig([
  {
    entry: { index: 'src/index.ts', protocol: 'src/protocol.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    target: 'es2020',
    platform: 'neutral',
    sourcemap: true,
  },
])
