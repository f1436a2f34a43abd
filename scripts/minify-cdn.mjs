// The CDN builds' minifier (both plugins' tsup.config.ts; bench/size.mjs measures with it too).
// terser, then uglify-js over terser's output: uglify turns let/const into var and merges
// variables across scopes, which terser does not, and the two together are ~80 B gzip smaller
// than terser alone (bench/RESULTS.md, size). uglify only does that in module mode, where it
// also unwraps the IIFE, so the result is wrapped again: a classic script must not leave its
// names on `window`. The code inside is strict, as the ES modules it came from are.
import { minify as terser } from 'terser'
import uglify from 'uglify-js'

export const TERSER_OPTIONS = {
  ecma: 2020,
  toplevel: true,
  compress: { passes: 3 },
  mangle: { toplevel: true },
}

/** Minifies one IIFE bundle; `terserOnly` stops after terser (for the bench's comparison). */
export async function minifyCdn(code, { terserOnly = false } = {}) {
  // terser writes into the options object it is given: a fresh copy per call.
  const first = (await terser(code, structuredClone(TERSER_OPTIONS))).code
  if (terserOnly) return first
  const second = uglify.minify(first, {
    module: true,
    toplevel: true,
    compress: { passes: 3 },
    mangle: { toplevel: true },
  })
  if (second.error) throw second.error
  // The trailing `;` keeps the file safe to concatenate with another script.
  return `(()=>{"use strict";${second.code}})();`
}

/** tsup plugin: minifies each JS chunk with minifyCdn (use instead of `minify`). */
export function minifyCdnPlugin() {
  return {
    name: 'minify-cdn',
    async renderChunk(code, chunk) {
      if (chunk.type !== 'chunk' || !/\.[cm]?js$/.test(chunk.path)) return
      return { code: await minifyCdn(code) }
    },
  }
}
