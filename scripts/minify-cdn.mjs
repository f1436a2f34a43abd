// The CDN builds' minifier (both plugins' tsup.config.ts; bench/size.mjs measures with it too).
// terser, then uglify-js over terser's output: uglify turns let/const into var and merges
// variables across scopes, which terser does not, and the two together are ~80 B gzip smaller
// than terser alone (bench/RESULTS.md, size). uglify only does that in module mode, where it
// also unwraps the IIFE, so the result is wrapped again: a classic script must not leave its
// names on `window`. The code inside is strict, as the ES modules it came from are.
import { minify as terser } from 'terser'
import uglify from 'uglify-js'

// Property names the minifier may shorten: members of core's internal objects (the option
// objects and methods passed between the queue's layers, the facade and the lazy client), which
// never leave the bundle. Everything else keeps its name: the plugin objects the host SDKs call,
// the options and env the app passes, error fields, wire messages, stored records, and builtins
// (`builtins: true` lets a listed name be shortened although a DOM or JS builtin has it too, so
// no name on this list may be one the bundle reads from a builtin, e.g. Map `get`, Set `add`, or
// the plugins' `load`). The CDN e2e specs run this build in Chromium.
const INTERNAL_PROPERTIES = [
  // queue layers (queue.ts, tab-queue.ts, tab-lease.ts, queue-migration.ts, dispatcher.ts)
  'adopt',
  'beat',
  'beatAt',
  'claimerId',
  'enqueue',
  'globals',
  'indexKey',
  'instanceId',
  'isLive',
  'isSending',
  'log',
  'maxSize',
  'number',
  'onAdopted',
  'onAnswered',
  'queued',
  'release',
  'remove',
  'report',
  'retryAfterMs',
  'send',
  'takeOver',
  'waiting',
  // facade, lazy client, trait store, contact record, identity scope
  'admit',
  'clear',
  'close',
  'forget',
  'guard',
  'handle',
  'isCreated',
  'merge',
  'reset',
  'save',
  'use',
]

export const TERSER_OPTIONS = {
  ecma: 2020,
  toplevel: true,
  compress: { passes: 3 },
  mangle: {
    toplevel: true,
    properties: { builtins: true, regex: new RegExp(`^(${INTERNAL_PROPERTIES.join('|')})$`) },
  },
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
