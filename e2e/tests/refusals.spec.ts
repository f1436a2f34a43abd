// A relay that refuses the page: the error the app gets says why, in the relay's own words, and
// nothing reaches Loops. The set-up is the usual way to get there: a dev proxy with
// `changeOrigin` (the page and its relay path on the proxy's origin, the proxy rewriting Host to
// the relay's), so the relay sees an Origin that is neither its own host nor in
// RELAY_ALLOWED_ORIGINS and answers 403 — an answer the page can read, as it is same-origin.
import { expect, test, VARIANTS } from '../fixtures'
import { CountingProxy } from '../helpers/counting-proxy'
import { identify, overrideExampleConfig, track, uniqueEmail } from '../helpers/page'

interface PageErrors {
  loopsDebug?: { errors: Array<{ name: string; message: string }> }
}

for (const variant of VARIANTS) {
  test.describe(variant.name, () => {
    test.use({ variant })

    test("a 403 from the relay reaches onError with the relay's reason", async ({
      app,
      context,
      loops,
    }) => {
      const proxy = await CountingProxy.start(app.url)
      try {
        // Everything the page loads (the SDK's vendor stubs included) goes through the proxy.
        await overrideExampleConfig(context, {
          origin: proxy.origin,
          relayUrl: `${proxy.origin}/loops`,
          // The example server signs the page's user: also through the proxy.
          identityUrl: `${proxy.origin}/api/identity`,
        })
        const page = await context.newPage()
        await page.goto(`${proxy.origin}${variant.path}`)
        await expect(page.locator('html')).toHaveAttribute('data-loops-ready', 'true')
        const email = uniqueEmail('refused')
        await identify(page, { userId: 'user-61', email })
        await track(page, 'Refused Origin')
        await expect
          .poll(() => page.evaluate(() => (window as PageErrors).loopsDebug?.errors ?? []))
          .toContainEqual({
            name: 'RelayHttpError',
            message: 'Relay answered 403: Origin not allowed',
          })
        expect(proxy.requests.filter((r) => r.path === '/loops/v1/batch').length).toBeGreaterThan(0)
        expect(await loops.eventsNamed('Refused Origin')).toEqual([])
        expect(await loops.contactUpdates(email)).toEqual([])
      } finally {
        await proxy.close()
      }
    })
  })
}
