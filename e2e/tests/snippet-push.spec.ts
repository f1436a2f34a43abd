// Older snippets have no register / addCustomIntegration stub; the pages' `?push` mode uses the
// generic buffer instead (`analytics.push(['register', …])`, `rudderanalytics.push([...])`).
import { expect, test, VARIANTS } from '../fixtures'
import { identify, track, uniqueEmail } from '../helpers/page'

for (const variant of VARIANTS.filter((v) => v.install === 'script')) {
  test.describe(variant.name, () => {
    test('plugin added with push() before the SDK loads: identify and track reach Loops', async ({
      app,
      context,
      loops,
    }) => {
      const page = await context.newPage()
      await page.goto(`${app.url}${variant.path}?push`)
      await expect(page.locator('html')).toHaveAttribute('data-loops-ready', 'true')
      const email = uniqueEmail('push')
      await identify(page, { userId: 'user-12', email, firstName: 'Pat', plan: 'pro' })
      await track(page, 'Pushed')
      await expect.poll(() => loops.contact(email)).toMatchObject({ firstName: 'Pat', plan: 'pro' })
      await expect.poll(() => loops.eventsNamed('Pushed')).toHaveLength(1)
      expect((await loops.eventsNamed('Pushed'))[0]).toMatchObject({ email, userId: 'user-12' })
    })
  })
}
