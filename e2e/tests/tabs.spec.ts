// Two tabs of the same site share storage: neither may send the other's messages twice, and a
// tab that closes with messages still pending hands them to the tab that stays.

import { expect, test, VARIANTS } from '../fixtures'
import type { LoopsInspector } from '../helpers/loops'
import { MaintenanceServer } from '../helpers/maintenance'
import { deliveredIds, identify, openExample, track, uniqueEmail } from '../helpers/page'
import { RelayGate } from '../helpers/relay-route'

/** One accepted event, one events/send call for it, nothing refused as a duplicate. */
async function expectOnce(loops: LoopsInspector, eventName: string): Promise<void> {
  await expect.poll(() => loops.eventsNamed(eventName)).toHaveLength(1)
  expect((await loops.eventSends(eventName)).map((r) => r.status)).toEqual([200])
}

for (const variant of VARIANTS) {
  test.describe(variant.name, () => {
    test.use({ variant })

    test('two tabs: every event once, an identify already delivered by the other tab is not re-sent', async ({
      app,
      context,
      loops,
      wire,
    }) => {
      const gate = await RelayGate.install(context)
      const tabA = await openExample(context, app, variant)
      const tabB = await openExample(context, app, variant)
      const email = uniqueEmail('tabs')
      const form = { userId: 'user-9', email, firstName: 'Ria', plan: 'pro' }
      await identify(tabA, form)
      await expect.poll(() => deliveredIds(tabA, 'contact')).toHaveLength(1)
      await identify(tabB, form)

      // Both tabs queue while the relay is unreachable, then deliver when it is back.
      gate.block()
      await track(tabA, 'From Tab A')
      await track(tabB, 'From Tab B')
      await expect.poll(() => wire.eventEntries('From Tab A').length).toBeGreaterThan(0)
      await expect.poll(() => wire.eventEntries('From Tab B').length).toBeGreaterThan(0)
      gate.open()

      await expect.poll(() => loops.eventsNamed('From Tab A')).toHaveLength(1)
      await expect.poll(() => loops.eventsNamed('From Tab B')).toHaveLength(1)
      // Barrier in each tab: anything queued earlier has left by the time these arrive.
      await track(tabA, 'Barrier A')
      await track(tabB, 'Barrier B')
      await expect.poll(() => loops.eventsNamed('Barrier A')).toHaveLength(1)
      await expect.poll(() => loops.eventsNamed('Barrier B')).toHaveLength(1)
      await expectOnce(loops, 'From Tab A')
      await expectOnce(loops, 'From Tab B')
      expect(wire.contactEntries()).toHaveLength(1)
      expect(await loops.contactUpdates(email)).toHaveLength(1)
    })

    test('a tab closed with pending events: the other tab delivers them, once', async ({
      app,
      context,
      loops,
    }) => {
      const tabA = await openExample(context, app, variant)
      const tabB = await openExample(context, app, variant)
      const email = uniqueEmail('orphan')
      await identify(tabA, { userId: 'user-10', email, firstName: 'Oli', plan: 'pro' })
      await expect.poll(() => deliveredIds(tabA, 'contact')).toHaveLength(1)

      await app.stop()
      const maintenance = await MaintenanceServer.listen(app.port)
      try {
        await track(tabA, 'Orphaned')
        await expect.poll(() => maintenance.attempts('Orphaned')).toBeGreaterThan(0)
        const before = maintenance.attempts('Orphaned')
        await tabA.close({ runBeforeUnload: true })
        // Tab A's last try at pagehide was refused too; its queue is left in shared storage.
        await expect.poll(() => maintenance.attempts('Orphaned')).toBeGreaterThan(before)
      } finally {
        await maintenance.close()
      }
      await app.start()

      // Tab B, still open and never asked to send anything, adopts and delivers it.
      await expect.poll(() => loops.eventsNamed('Orphaned'), { timeout: 45_000 }).toHaveLength(1)
      await track(tabB, 'Barrier')
      await expect.poll(() => loops.eventsNamed('Barrier')).toHaveLength(1)
      await expectOnce(loops, 'Orphaned')
      expect((await loops.eventsNamed('Orphaned'))[0]).toMatchObject({ email, userId: 'user-10' })
    })
  })
}
