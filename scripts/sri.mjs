// Subresource Integrity for the two CDN files. The READMEs pin each script tag to the package
// version and carry the file's sha384, so a browser refuses a CDN file that differs from the one
// we built. The hash changes with every change to the CDN build, hence one command:
//
//   pnpm sri                      build, then rewrite every README script tag (and the .sri files)
//   node scripts/sri.mjs --files <pkg>   only write that package's dist/cdn.global.js.sri (its
//                                        build runs this)
//
// scripts/test/sri.test.ts fails while a README shows a hash or version the build does not match;
// e2e/tests/cdn-integrity.spec.ts loads the root README's tags, verbatim, in Chromium.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** The packages that ship a CDN file, with the READMEs that show its script tag. */
export const CDN_PACKAGES = ['segment-plugin', 'rudder-plugin']
export const READMES = [
  'README.md',
  'packages/segment-plugin/README.md',
  'packages/rudder-plugin/README.md',
]

export class MissingBuildError extends Error {
  name = 'MissingBuildError'
  constructor(file) {
    super(`${file} does not exist: run \`pnpm build\` (or \`pnpm sri\`) first`)
    this.file = file
  }
}

export function cdnFile(pkg) {
  return join(root, 'packages', pkg, 'dist', 'cdn.global.js')
}

export function packageVersion(pkg) {
  return JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')).version
}

/** `sha384-<base64>` of a file, the form the `integrity` attribute takes. */
export function integrityOf(file) {
  if (!existsSync(file)) throw new MissingBuildError(file)
  return `sha384-${createHash('sha384').update(readFileSync(file)).digest('base64')}`
}

/**
 * Every script tag of a README that loads a loops-cdp CDN file, with what it pins. A tag is
 * `<script src="https://cdn.jsdelivr.net/npm/@loops-cdp/<pkg>@<version>/dist/cdn.global.js"`
 * followed (across whitespace) by `integrity="…"` and `crossorigin="anonymous"`.
 */
const TAG =
  /(<script src="https:\/\/cdn\.jsdelivr\.net\/npm\/@loops-cdp\/)([a-z-]+)(?:@([^/"]*))?(\/dist\/cdn\.global\.js")(?:(\s+)integrity="([^"]*)")?(?:\s+crossorigin="anonymous")?/g

export function scriptTags(text) {
  return [...text.matchAll(TAG)].map((m) => ({
    pkg: m[2],
    version: m[3],
    integrity: m[6],
  }))
}

/** The README text with every tag pinned to `pins[pkg]` = `{ version, integrity }`. */
export function pinScriptTags(text, pins) {
  return text.replace(TAG, (whole, start, pkg, _version, path, space) => {
    const pin = pins[pkg]
    if (!pin) return whole
    const gap = space ?? '\n  '
    return `${start}${pkg}@${pin.version}${path}${gap}integrity="${pin.integrity}" crossorigin="anonymous"`
  })
}

export function currentPins() {
  return Object.fromEntries(
    CDN_PACKAGES.map((pkg) => [
      pkg,
      { version: packageVersion(pkg), integrity: integrityOf(cdnFile(pkg)) },
    ]),
  )
}

function writeSriFile(pkg, integrity) {
  writeFileSync(`${cdnFile(pkg)}.sri`, `${integrity}\n`)
}

function main(args) {
  const only = args.indexOf('--files')
  if (only >= 0) {
    // One package, from its own build: the other plugin may be building at the same time.
    const pkg = args[only + 1]
    if (!CDN_PACKAGES.includes(pkg))
      throw new Error(`--files needs one of ${CDN_PACKAGES.join(', ')}`)
    writeSriFile(pkg, integrityOf(cdnFile(pkg)))
    return
  }
  const pins = currentPins()
  for (const [pkg, pin] of Object.entries(pins)) writeSriFile(pkg, pin.integrity)
  for (const readme of READMES) {
    const path = join(root, readme)
    const before = readFileSync(path, 'utf8')
    const after = pinScriptTags(before, pins)
    if (after !== before) writeFileSync(path, after)
    console.log(`${readme}: ${after === before ? 'up to date' : 'rewritten'}`)
  }
  for (const [pkg, pin] of Object.entries(pins))
    console.log(`${pkg}@${pin.version} ${pin.integrity}`)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2))
}
