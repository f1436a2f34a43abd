// The CDN files as shipped (dist/cdn.global.js) are classic scripts: each must add its one global
// and nothing else to the page. The minifier unwraps the bundle and wraps it again
// (scripts/minify-cdn.mjs), so a mistake there would leave the bundle's names on `window`.
import { expect, test } from '../fixtures'

const BUILDS = [
  { path: '/cdn/segment.js', global: 'LoopsSegment', factory: 'loopsDestination' },
  { path: '/cdn/rudder.js', global: 'LoopsRudder', factory: 'loopsIntegration' },
] as const

for (const build of BUILDS) {
  test(`${build.path} adds window.${build.global} and nothing else, and its factory works`, async ({
    app,
    page,
  }) => {
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(`${app.url}/`)
    const globals = () => page.evaluate(() => Object.getOwnPropertyNames(window))
    const before = await globals()
    await page.addScriptTag({ url: `${app.url}${build.path}` })
    const added = (await globals()).filter((name) => !before.includes(name))
    expect(added).toEqual([build.global])

    const made = await page.evaluate(
      ({ global, factory }) => {
        const api = (window as unknown as Record<string, Record<string, unknown>>)[global]
        const create = api?.[factory] as (o: { relayUrl: string }) => Record<string, unknown>
        const plugin = create({ relayUrl: '/loops' })
        return {
          exports: Object.keys(api ?? {}),
          keys: Object.keys(plugin).sort(),
          name: plugin.name,
          type: plugin.type,
        }
      },
      { global: build.global, factory: build.factory },
    )
    expect(made.exports).toEqual([build.factory])
    if (build.global === 'LoopsSegment') {
      expect(made).toMatchObject({ name: 'Loops', type: 'destination' })
      expect(made.keys).toEqual(
        expect.arrayContaining(['isLoaded', 'load', 'identify', 'track', 'page', 'version']),
      )
    } else {
      expect(made.keys).toEqual(
        expect.arrayContaining(['init', 'isReady', 'identify', 'track', 'flush', 'pending']),
      )
    }
    expect(errors).toEqual([])
  })
}
