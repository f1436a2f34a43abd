// Delivery survives a relay that is down or failing, Loops answering 5xx, the browser going
// offline and the page going away — and every event reaches Loops exactly once.
import { expect, type RelayMode, test, VARIANTS } from '../fixtures'
import type { LoopsInspector } from '../helpers/loops'
import { MaintenanceServer } from '../helpers/maintenance'
import {
  deliveredIds,
  gotoExample,
  identify,
  openExample,
  track,
  uniqueEmail,
} from '../helpers/page'
import { RelayGate } from '../helpers/relay-route'

/**
 * Exactly one event accepted by Loops and exactly one successful events/send for it. Where the
 * page went away mid-send, the plugin may send again (at least once, by design): any repeat
 * must then have been refused by Loops as a duplicate of the same Idempotency-Key (409).
 */
async function expectDeliveredOnce(
  loops: LoopsInspector,
  eventName: string,
  repeats: 'none' | 'deduped-by-loops' = 'none',
): Promise<void> {
  await expect.poll(() => loops.eventsNamed(eventName)).toHaveLength(1)
  const sends = await loops.eventSends(eventName)
  expect(sends.filter((r) => r.status === 200)).toHaveLength(1)
  const others = sends.filter((r) => r.status !== 200 && !r.fault)
  if (repeats === 'none') expect(others).toEqual([])
  else {
    expect(others.map((r) => r.status)).toEqual(others.map(() => 409))
    test.info().annotations.push({
      type: 'repeats refused by Loops (409)',
      description: String(others.length),
    })
  }
}

for (const variant of VARIANTS) {
  test.describe(variant.name, () => {
    test.use({ variant })

    test('relay down, then answering 503, then back: delivered once', async ({
      app,
      context,
      loops,
      wire,
    }) => {
      const gate = await RelayGate.install(context)
      const page = await openExample(context, app, variant)
      const email = uniqueEmail('relay-down')
      await identify(page, { userId: 'user-3', email, firstName: 'Jo', plan: 'pro' })
      await expect.poll(() => deliveredIds(page, 'contact')).toHaveLength(1)

      await app.stop() // the whole server: pages, relay, everything
      await track(page, 'Survived Outage')
      await expect
        .poll(
          () =>
            wire.batches.filter(
              (b) => b.failed && b.entries.some((e) => e.eventName === 'Survived Outage'),
            ).length,
        )
        .toBeGreaterThan(0)
      gate.failNext(503, 503) // back, but answering 503 at first
      await app.start()

      await expect
        .poll(() => loops.eventsNamed('Survived Outage'), { timeout: 60_000 })
        .toHaveLength(1)
      expect(gate.failed).toBe(2)
      // Barrier: a later event arrived, so no retry of the first one is still on its way.
      await track(page, 'After Outage')
      await expect.poll(() => loops.eventsNamed('After Outage')).toHaveLength(1)
      await expectDeliveredOnce(loops, 'Survived Outage')
      expect((await loops.eventsNamed('Survived Outage'))[0]).toMatchObject({ email })
      expect(await loops.contactUpdates(email)).toHaveLength(1)
    })

    for (const relayMode of ['direct', 'queue'] satisfies RelayMode[]) {
      test.describe(`relay ${relayMode}`, () => {
        test.use({ relayMode })

        test('Loops answering 5xx for a while: delivered once', async ({ app, context, loops }) => {
          const page = await openExample(context, app, variant)
          const email = uniqueEmail(`loops-5xx-${relayMode}`)
          await identify(page, { userId: 'user-4', email, firstName: 'Ana', plan: 'pro' })
          await expect.poll(() => loops.contact(email)).toBeDefined()

          await loops.fault({ status: 500, times: 3, path: '/api/v1/events/send' })
          await track(page, 'Loops Flaky')
          await expect
            .poll(() => loops.eventsNamed('Loops Flaky'), { timeout: 60_000 })
            .toHaveLength(1)
          const faults = (await loops.requests()).filter((r) => r.fault)
          expect(faults.map((r) => r.status)).toEqual([500, 500, 500])

          await track(page, 'After Flaky')
          await expect.poll(() => loops.eventsNamed('After Flaky')).toHaveLength(1)
          await expectDeliveredOnce(loops, 'Loops Flaky')
          expect((await loops.eventsNamed('Loops Flaky'))[0]).toMatchObject({
            email,
            userId: 'user-4',
          })
        })
      })
    }

    test('offline, then online: delivered once', async ({ app, context, loops }) => {
      const page = await openExample(context, app, variant)
      const email = uniqueEmail('offline')
      await identify(page, { userId: 'user-5', email, firstName: 'Lee', plan: 'pro' })
      await expect.poll(() => loops.contact(email)).toBeDefined()
      await expect.poll(() => deliveredIds(page, 'contact')).toHaveLength(1)

      await context.setOffline(true)
      await track(page, 'Offline Click')
      // Both SDKs hold events while navigator.onLine is false, so nothing in the page changes
      // that a test could wait for: stay offline for two flush intervals (1 s each).
      await page.waitForTimeout(2_000)
      expect(await loops.eventsNamed('Offline Click')).toEqual([])
      await context.setOffline(false)

      await expect.poll(() => loops.eventsNamed('Offline Click')).toHaveLength(1)
      await track(page, 'Back Online')
      await expect.poll(() => loops.eventsNamed('Back Online')).toHaveLength(1)
      await expectDeliveredOnce(loops, 'Offline Click')
      expect((await loops.eventsNamed('Offline Click'))[0]).toMatchObject({ email })
    })

    test('an event pending at pagehide is sent with keepalive as the page goes away: once', async ({
      app,
      context,
      loops,
      wire,
    }) => {
      const gate = await RelayGate.install(context)
      const page = await openExample(context, app, variant)
      const email = uniqueEmail('pagehide')
      await identify(page, { userId: 'user-6', email, firstName: 'Max', plan: 'pro' })
      await expect.poll(() => deliveredIds(page, 'contact')).toHaveLength(1)

      // The relay asks the page to retry in two minutes: the event is surely still pending
      // when the page goes, and no ordinary retry can deliver it during this test.
      gate.failNext('retry-later')
      await track(page, 'Left The Page')
      await expect
        .poll(
          () =>
            wire.batches.filter(
              (b) => b.status === 503 && b.entries.some((e) => e.eventName === 'Left The Page'),
            ).length,
        )
        .toBe(1)
      await page.goto(`${app.url}/`) // a page without the plugin: only pagehide can deliver

      await expect.poll(() => loops.eventsNamed('Left The Page')).toHaveLength(1)
      await expectDeliveredOnce(loops, 'Left The Page')
      expect((await loops.eventsNamed('Left The Page'))[0]).toMatchObject({ email })
    })

    test('an event still pending when the tab closes is delivered on the next visit: once', async ({
      app,
      context,
      loops,
    }) => {
      const page = await openExample(context, app, variant)
      const email = uniqueEmail('next-visit')
      await identify(page, { userId: 'user-8', email, firstName: 'Eve', plan: 'pro' })
      await expect.poll(() => deliveredIds(page, 'contact')).toHaveLength(1)

      // Down for maintenance: the same origin answers 503 to everything.
      await app.stop()
      const maintenance = await MaintenanceServer.listen(app.port)
      try {
        await track(page, 'Closed Tab')
        await expect.poll(() => maintenance.attempts('Closed Tab')).toBeGreaterThan(0)
        const before = maintenance.attempts('Closed Tab')
        await page.close({ runBeforeUnload: true })
        // The closing page's last try (keepalive at pagehide) got a 503 too.
        await expect.poll(() => maintenance.attempts('Closed Tab')).toBeGreaterThan(before)
      } finally {
        await maintenance.close()
      }
      await app.start()
      expect(await loops.eventsNamed('Closed Tab')).toEqual([])

      const next = await context.newPage()
      await gotoExample(next, app, variant)
      await expect.poll(() => loops.eventsNamed('Closed Tab'), { timeout: 30_000 }).toHaveLength(1)
      await track(next, 'Came Back')
      await expect.poll(() => loops.eventsNamed('Came Back')).toHaveLength(1)
      await expectDeliveredOnce(loops, 'Closed Tab')
      expect((await loops.eventsNamed('Closed Tab'))[0]).toMatchObject({ email, userId: 'user-8' })
    })
  })
}
