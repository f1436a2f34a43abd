// The READMEs' CDN script tags must load the file this build makes: pinned to the package
// version, with the sha384 of dist/cdn.global.js as `integrity` (browsers refuse anything else).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  CDN_PACKAGES,
  cdnFile,
  integrityOf,
  packageVersion,
  pinScriptTags,
  READMES,
  root,
  scriptTags,
} from '../sri.mjs'

const FIX = 'the CDN build changed: run `pnpm sri` to rewrite the README script tags'

describe('README CDN script tags', () => {
  for (const readme of READMES) {
    it(`${readme} pins every CDN file to its version and current sha384`, () => {
      const tags = scriptTags(readFileSync(join(root, readme), 'utf8'))
      expect(tags.length, `${readme} shows no CDN script tag`).toBeGreaterThan(0)
      for (const tag of tags) {
        expect(CDN_PACKAGES, `${readme}: unknown CDN package`).toContain(tag.pkg)
        expect(tag.version, `${readme}, ${tag.pkg}: version; ${FIX}`).toBe(packageVersion(tag.pkg))
        expect(tag.integrity, `${readme}, ${tag.pkg}: integrity; ${FIX}`).toBe(
          integrityOf(cdnFile(tag.pkg)),
        )
      }
    })
  }

  it('the root README shows both CDN files', () => {
    const shown = scriptTags(readFileSync(join(root, 'README.md'), 'utf8')).map((t) => t.pkg)
    expect(new Set(shown)).toEqual(new Set(CDN_PACKAGES))
  })

  it('the build wrote dist/cdn.global.js.sri with the same hash', () => {
    for (const pkg of CDN_PACKAGES) {
      expect(readFileSync(`${cdnFile(pkg)}.sri`, 'utf8').trim(), `${pkg}; ${FIX}`).toBe(
        integrityOf(cdnFile(pkg)),
      )
    }
  })
})

describe('pinScriptTags', () => {
  const pins = { 'segment-plugin': { version: '1.2.3', integrity: 'sha384-abc' } }

  it('pins an unpinned tag and keeps what follows it', () => {
    const before =
      '<script src="https://cdn.jsdelivr.net/npm/@loops-cdp/segment-plugin/dist/cdn.global.js"></script>'
    const after = pinScriptTags(before, pins)
    expect(after).toBe(
      '<script src="https://cdn.jsdelivr.net/npm/@loops-cdp/segment-plugin@1.2.3/dist/cdn.global.js"\n  integrity="sha384-abc" crossorigin="anonymous"></script>',
    )
    expect(pinScriptTags(after, pins)).toBe(after)
    expect(scriptTags(after)).toEqual([
      { pkg: 'segment-plugin', version: '1.2.3', integrity: 'sha384-abc' },
    ])
  })

  it('replaces an old version and hash, and leaves other packages alone', () => {
    const rudder =
      '<script src="https://cdn.jsdelivr.net/npm/@loops-cdp/rudder-plugin@0.0.1/dist/cdn.global.js" integrity="sha384-old" crossorigin="anonymous">'
    const old =
      '<script src="https://cdn.jsdelivr.net/npm/@loops-cdp/segment-plugin@0.0.9/dist/cdn.global.js" integrity="sha384-old" crossorigin="anonymous">'
    expect(pinScriptTags(`${old}\n${rudder}`, pins)).toBe(
      `<script src="https://cdn.jsdelivr.net/npm/@loops-cdp/segment-plugin@1.2.3/dist/cdn.global.js" integrity="sha384-abc" crossorigin="anonymous">\n${rudder}`,
    )
  })
})
