// The relay on another origin than the page (the usual deployment): the plugins' requests are
// CORS "simple" requests — a text/plain string body, no custom headers — so the browser sends no
// preflight (one round trip less before the first batch, and none at pagehide, when the page has
// no time for it), and the keepalive request at pagehide goes out. Every request passes a proxy
// that records its method.
import { expect, test, VARIANTS } from '../fixtures'
import { CountingProxy } from '../helpers/counting-proxy'
import {
  deliveredIds,
  identify,
  openExample,
  overrideExampleConfig,
  track,
  uniqueEmail,
} from '../helpers/page'

for (const variant of VARIANTS) {
  test.describe(variant.name, () => {
    test.use({ variant })

    test('relay on another origin: no CORS preflight, delivered, and the pagehide keepalive goes out', async ({
      app,
      context,
      loops,
    }) => {
      const proxy = await CountingProxy.start(app.url)
      try {
        // The page (http://127.0.0.1:<port>) is told its relay is http://localhost:<proxy>/loops.
        await overrideExampleConfig(context, { relayUrl: `${proxy.origin}/loops` })
        const page = await openExample(context, app, variant)
        const email = uniqueEmail('cors')
        await identify(page, { userId: 'user-21', email, firstName: 'Noa', plan: 'pro' })
        await expect.poll(() => deliveredIds(page, 'contact')).toHaveLength(1)
        await track(page, 'Cross Origin')
        await expect.poll(() => loops.eventsNamed('Cross Origin')).toHaveLength(1)
        expect((await loops.eventsNamed('Cross Origin'))[0]).toMatchObject({ email })

        // Pending at pagehide: the relay asks for a retry in two minutes, then the page goes.
        proxy.refuse(1)
        await track(page, 'Left Cross Origin')
        await expect.poll(() => proxy.posts('Left Cross Origin').length).toBe(1)
        await page.goto(`${app.url}/`) // a page without the plugin: only pagehide can deliver
        await expect.poll(() => loops.eventsNamed('Left Cross Origin')).toHaveLength(1)
        expect(proxy.posts('Left Cross Origin')).toHaveLength(2)

        const batches = proxy.requests.filter((r) => r.path === '/loops/v1/batch')
        expect(batches.length).toBeGreaterThanOrEqual(4) // the relay was on the proxy's origin
        expect(proxy.methods()).not.toContain('OPTIONS')
        for (const b of batches) {
          expect(b.method).toBe('POST')
          expect(b.contentType).toBe('text/plain;charset=UTF-8')
        }
      } finally {
        await proxy.close()
      }
    })
  })
}
