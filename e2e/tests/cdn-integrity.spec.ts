// The README's script tags, exactly as printed (version-pinned jsDelivr URL, `integrity`,
// `crossorigin`), in Chromium: the browser runs the file this build made and refuses any other.
// jsDelivr is never contacted: every request of the page is answered (or refused) by page.route
// before a connection is made, the CDN URL with the local dist file and jsDelivr's CORS header.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, type Page, test } from '@playwright/test'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const TAG =
  /<script src="https:\/\/cdn\.jsdelivr\.net\/npm\/@loops-cdp\/([a-z-]+)@[^"]+"\s+integrity="[^"]+" crossorigin="anonymous"><\/script>/g
const tags = [...readme.matchAll(TAG)].map((m) => ({ pkg: m[1] ?? '', html: m[0] }))
const GLOBALS: Record<string, string> = {
  'segment-plugin': 'LoopsSegment',
  'rudder-plugin': 'LoopsRudder',
}

async function serve(page: Page, pkg: string, body: Buffer): Promise<void> {
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url())
    if (url.hostname === 'cdn.jsdelivr.net' && url.pathname.includes(`/@loops-cdp/${pkg}@`)) {
      return route.fulfill({
        status: 200,
        headers: { 'content-type': 'application/javascript', 'access-control-allow-origin': '*' },
        body,
      })
    }
    return route.abort()
  })
}

test('the README shows a script tag for each plugin', () => {
  expect(tags.map((t) => t.pkg).sort()).toEqual(Object.keys(GLOBALS).sort())
})

for (const { pkg, html } of tags) {
  const file = join(root, 'packages', pkg, 'dist', 'cdn.global.js')
  const global = GLOBALS[pkg] ?? ''

  test(`${pkg}: the README tag runs the built file`, async ({ page }) => {
    await serve(page, pkg, readFileSync(file))
    await page.setContent(`<!doctype html>${html}`, { waitUntil: 'load' })
    expect(
      await page.evaluate((name) => typeof (window as never)[name], global),
      'the README integrity does not match the build: run `pnpm sri`',
    ).toBe('object')
  })

  test(`${pkg}: the README tag refuses a file that differs by one byte`, async ({ page }) => {
    const tampered = Buffer.concat([readFileSync(file), Buffer.from('\n')])
    await serve(page, pkg, tampered)
    const refused = page.waitForEvent('console', (m) => m.text().includes('integrity'))
    await page.setContent(`<!doctype html>${html}`, { waitUntil: 'load' })
    await refused
    expect(await page.evaluate((name) => typeof (window as never)[name], global)).toBe('undefined')
  })
}
