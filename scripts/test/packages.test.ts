// What a newcomer checks before trusting a package: a license file in the tarball, where the
// source lives, which Node it needs, a README, and types for every entry.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { root } from '../sri.mjs'

interface PackageJson {
  name: string
  license?: string
  repository?: { type?: string; url?: string; directory?: string }
  engines?: { node?: string }
  files?: string[]
  exports?: Record<string, unknown>
}

const folders = readdirSync(join(root, 'packages'))
const rootLicense = readFileSync(join(root, 'LICENSE'), 'utf8')

describe.each(folders)('packages/%s', (folder) => {
  const dir = join(root, 'packages', folder)
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson

  it('ships the MIT license file of the repository', () => {
    expect(pkg.license).toBe('MIT')
    expect(pkg.files).toContain('LICENSE')
    expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toBe(rootLicense)
  })

  it('names its repository folder and the Node versions it supports', () => {
    expect(pkg.repository).toMatchObject({ type: 'git', directory: `packages/${folder}` })
    expect(pkg.repository?.url).toMatch(/^git\+https:\/\/github\.com\/.+\.git$/)
    expect(pkg.engines?.node).toBe('>=20')
  })

  it('has a README in the tarball', () => {
    expect(existsSync(join(dir, 'README.md'))).toBe(true)
    expect(pkg.files).toContain('README.md')
  })

  it('gives every entry but package.json types that ship', () => {
    for (const [entry, target] of Object.entries(pkg.exports ?? {})) {
      if (entry === './package.json') continue
      const text = JSON.stringify(target)
      const types = [...text.matchAll(/"types":"([^"]+)"/g)].map((m) => m[1] ?? '')
      expect(types.length, `${pkg.name} ${entry} has no types`).toBeGreaterThan(0)
      for (const file of types) {
        const shipped = pkg.files?.some((f) => file.replace(/^\.\//, '').startsWith(f))
        expect(shipped, `${pkg.name} ${entry}: ${file} is not in files`).toBe(true)
      }
    }
  })
})
