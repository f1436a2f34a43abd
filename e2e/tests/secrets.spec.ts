// The Loops API key stays on the server: it appears in nothing the page receives (bodies and
// headers of every response, the relay's errors included), nothing the page stores, and no
// relay log line — while the relay demonstrably uses it (the emulator only accepts that key).
import { expect, LOOPS_API_KEY, test, VARIANTS } from '../fixtures'
import { identify, openExample, track, uniqueEmail } from '../helpers/page'

for (const variant of VARIANTS) {
  test.describe(variant.name, () => {
    test.use({ variant })

    test('the Loops API key appears in nothing the page receives', async ({
      app,
      context,
      loops,
      relayLog,
      wire,
    }) => {
      wire.recordBodies()
      const headers: string[] = []
      context.on(
        'response',
        (r) => void r.allHeaders().then((h) => headers.push(JSON.stringify(h))),
      )

      const page = await openExample(context, app, variant)
      const email = uniqueEmail('secret')
      await identify(page, { userId: 'user-11', email, firstName: 'Sol', plan: 'pro' })
      await track(page, 'Secret Check')
      await expect.poll(() => loops.eventsNamed('Secret Check')).toHaveLength(1)

      // Loops failing: the relay's 503 and whatever it says about it.
      await loops.fault({ status: 500, times: 1, path: '/api/v1/events/send' })
      await track(page, 'After Fault')
      await expect.poll(() => loops.eventsNamed('After Fault'), { timeout: 45_000 }).toHaveLength(1)

      // The relay's other answers, as the page would get them.
      const statuses = await page.evaluate(async () => {
        const post = (body: string) =>
          fetch('/loops/v1/batch', {
            method: 'POST',
            headers: { 'content-type': 'text/plain' },
            body,
          })
        const answers = await Promise.all([
          fetch('/loops/health'),
          post('not json'),
          post(
            JSON.stringify({
              batch: [{ type: 'event', messageId: 'm1', email: 'a@b.co', eventName: 'a:b' }],
            }),
          ),
          fetch('/loops/v1/batch', { method: 'GET' }),
          fetch('/loops/nope'),
        ])
        await Promise.all(answers.map((a) => a.text()))
        return answers.map((a) => a.status)
      })
      expect(statuses).toEqual([200, 400, 200, 405, 404])
      await page.goto(`${app.url}/`)

      const bodies = await wire.responseBodies()
      expect(
        bodies.filter((b) => new URL(b.url).pathname.startsWith('/loops/')).length,
      ).toBeGreaterThan(5)
      for (const { url, body } of bodies) expect(body, url).not.toContain(LOOPS_API_KEY)
      expect(headers.length).toBeGreaterThan(0)
      for (const h of headers) expect(h).not.toContain(LOOPS_API_KEY)
      const stored = await page.evaluate(
        () => JSON.stringify({ ...localStorage }) + document.cookie,
      )
      expect(stored).not.toContain(LOOPS_API_KEY)
      const cookies = JSON.stringify(await context.cookies())
      expect(cookies).not.toContain(LOOPS_API_KEY)
      expect(relayLog.length).toBeGreaterThan(0)
      expect(JSON.stringify(relayLog)).not.toContain(LOOPS_API_KEY)
    })
  })
}
