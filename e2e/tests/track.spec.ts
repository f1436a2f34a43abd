// track → Loops event: the stored email and contact properties ride along, the SDK's messageId
// is the Idempotency-Key, and the identity survives a reload.
import { expect, type RelayMode, test, VARIANTS } from '../fixtures'
import { gotoExample, identify, openExample, track, uniqueEmail } from '../helpers/page'

for (const variant of VARIANTS) {
  test.describe(variant.name, () => {
    test.use({ variant })

    for (const relayMode of ['direct', 'queue'] satisfies RelayMode[]) {
      test.describe(`relay ${relayMode}`, () => {
        test.use({ relayMode })

        test('track after identify carries the stored email, contact properties and the SDK messageId', async ({
          app,
          context,
          loops,
          wire,
        }) => {
          const page = await openExample(context, app, variant)
          const email = uniqueEmail('track')
          await identify(page, { userId: 'user-1', email, firstName: 'Alex', plan: 'pro' })
          await expect.poll(() => loops.contact(email)).toBeDefined()

          await track(page, 'Plan Upgraded')
          await expect.poll(() => loops.eventsNamed('Plan Upgraded')).toHaveLength(1)
          const [event] = await loops.eventsNamed('Plan Upgraded')
          expect(event).toMatchObject({
            email,
            userId: 'user-1',
            contactProperties: { firstName: 'Alex', plan: 'pro' },
          })
          expect(event?.contactProperties).not.toHaveProperty('mailingLists')

          // The host SDK's own call to its (stubbed) API names the messageId it gave the event.
          await expect.poll(() => wire.sdkTrackIds('Plan Upgraded')).toHaveLength(1)
          const [sdkMessageId] = wire.sdkTrackIds('Plan Upgraded')
          expect(event?.idempotencyKey).toBe(sdkMessageId)
          expect(wire.eventEntries('Plan Upgraded').map((e) => e.messageId)).toEqual([sdkMessageId])
          // direct: 200 once Loops accepted; queue: 202 once durably stored (docs/protocol.md).
          await expect
            .poll(() =>
              wire.batches
                .filter((b) => b.entries.some((e) => e.eventName === 'Plan Upgraded'))
                .map((b) => b.status),
            )
            .toEqual([relayMode === 'direct' ? 200 : 202])
        })
      })
    }

    test('after a reload a track still carries the email', async ({ app, context, loops }) => {
      const page = await openExample(context, app, variant)
      const email = uniqueEmail('reload')
      await identify(page, { userId: 'user-2', email, firstName: 'Kim', plan: 'pro' })
      await expect.poll(() => loops.contact(email)).toBeDefined()

      await page.reload()
      await expect(page.locator('html')).toHaveAttribute('data-loops-ready', 'true')
      await track(page, 'After Reload')
      await expect.poll(() => loops.eventsNamed('After Reload')).toHaveLength(1)
      const [event] = await loops.eventsNamed('After Reload')
      expect(event).toMatchObject({
        email,
        userId: 'user-2',
        contactProperties: { firstName: 'Kim', plan: 'pro' },
      })

      // A fresh visit in a new tab of the same browser profile, too.
      const later = await context.newPage()
      await gotoExample(later, app, variant)
      await track(later, 'Next Visit')
      await expect.poll(() => loops.eventsNamed('Next Visit')).toHaveLength(1)
      expect((await loops.eventsNamed('Next Visit'))[0]).toMatchObject({ email, userId: 'user-2' })
    })

    test("after reset and a new user's identify, events carry nothing of the previous user", async ({
      app,
      context,
      loops,
    }) => {
      const page = await openExample(context, app, variant)
      const first = uniqueEmail('first-user')
      await identify(page, { userId: 'user-a', email: first, firstName: 'Alex', plan: 'pro' })
      await expect.poll(() => loops.contact(first)).toBeDefined()

      await page.click('#reset')
      const second = uniqueEmail('second-user')
      await identify(page, { userId: 'user-b', email: second, firstName: '', plan: '' })
      await track(page, 'Second User Event')
      await expect.poll(() => loops.eventsNamed('Second User Event')).toHaveLength(1)
      const [event] = await loops.eventsNamed('Second User Event')
      expect(event).toMatchObject({ email: second, userId: 'user-b' })
      expect(event?.contactProperties).not.toHaveProperty('firstName')
      expect(event?.contactProperties).not.toHaveProperty('plan')
      expect(await loops.contact(second)).toMatchObject({ userId: 'user-b', firstName: null })
      expect(await loops.contact(first)).toMatchObject({ userId: 'user-a', firstName: 'Alex' })
    })
  })
}
