// An over-large batch from the real plugin in Chromium: the relay answers 413 (a body cap of
// 2 KB here), the browser queue splits the batch in halves until each part fits, and every
// event reaches Loops exactly once.
import { expect, LOOPS_API_KEY, ManagedApp, test, VARIANTS } from '../fixtures'
import { identify, openExample, uniqueEmail } from '../helpers/page'

const EVENTS = 12

for (const variant of VARIANTS) {
  test.describe(variant.name, () => {
    test('a batch over the relay body cap is split on 413 and delivered once', async ({
      context,
      loops,
      relayLog,
      wire,
    }) => {
      const app = new ManagedApp({
        port: 0,
        loopsApiUrl: `${loops.url}/api`,
        loopsApiKey: LOOPS_API_KEY,
        relayMode: 'direct',
        relayOptions: {
          maxBodyBytes: 2048,
          logSink: (line: Record<string, unknown>) => relayLog.push(line),
        },
      })
      const statuses: number[] = []
      context.on('response', (response) => {
        if (new URL(response.url()).pathname === '/loops/v1/batch') statuses.push(response.status())
      })
      await app.start()
      try {
        const page = await openExample(context, app, variant)
        const email = uniqueEmail('oversize')
        await identify(page, { userId: 'user-big', email, firstName: 'Bo', plan: 'pro' })
        await expect.poll(() => loops.contact(email)).toBeDefined()

        // Within one flush interval: one batch of 12 events of ~400 bytes, about 5 KB.
        const names = Array.from({ length: EVENTS }, (_, i) => `Oversize ${i}`)
        await page.evaluate(
          ({ sdk, names }) => {
            const w = window as unknown as Record<
              string,
              { track(event: string, properties: Record<string, unknown>): unknown }
            >
            const host = sdk === 'segment' ? w.analytics : w.rudderanalytics
            if (!host) throw new Error(`no ${sdk} SDK on the page`)
            for (const name of names) host.track(name, { note: 'n'.repeat(200) })
          },
          { sdk: variant.sdk, names },
        )

        for (const name of names) {
          await expect.poll(() => loops.eventsNamed(name), { timeout: 30_000 }).toHaveLength(1)
        }
        // The whole batch went out once and was refused as too large; its halves were not.
        const sizes = wire.batches.map((b) => b.entries.length)
        expect(sizes.filter((n) => n === EVENTS)).toHaveLength(1)
        expect(statuses.filter((s) => s === 413).length).toBeGreaterThan(0)
        for (const name of names) {
          const sends = await loops.eventSends(name)
          expect(sends.filter((r) => r.status === 200)).toHaveLength(1)
          expect((await loops.eventsNamed(name))[0]).toMatchObject({ email, userId: 'user-big' })
        }
      } finally {
        await app.stop()
      }
    })
  })
}
