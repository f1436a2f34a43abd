// identify → Loops contact: properties and mailing lists sanitized by the relay; an unchanged identify is
// not sent again, a changed one is; mailing lists and `subscribed` go out only when they change.
import { expect, test, VARIANTS } from '../fixtures'
import {
  deliveredIds,
  gotoExample,
  identify,
  openExample,
  sdkIdentify,
  track,
  uniqueEmail,
} from '../helpers/page'

for (const variant of VARIANTS) {
  test.describe(variant.name, () => {
    test.use({ variant })

    test('identify creates the contact with sanitized properties and mailing lists', async ({
      app,
      context,
      loops,
      wire,
    }) => {
      const page = await openExample(context, app, variant)
      const email = uniqueEmail('identify')
      await sdkIdentify(page, variant, 'user-42', {
        email,
        firstName: 'Alex',
        plan: 'pro',
        address: { city: 'Berlin' }, // nested → addressCity
        tags: ['a', 'b'], // arrays are dropped
        id: 'reserved', // a Loops reserved name: dropped
        mailingLists: { newsletter: true, beta: 'false', 'product-updates': 'maybe' },
      })

      await expect
        .poll(() => loops.contact(email))
        .toMatchObject({
          email,
          userId: 'user-42',
          firstName: 'Alex',
          plan: 'pro',
          addressCity: 'Berlin',
          mailingLists: { newsletter: true },
        })
      const contact = await loops.contact(email)
      expect(contact?.mailingLists).toEqual({ newsletter: true })

      // Loops' value rules are the relay's job: what reached Loops has none of the dropped values.
      expect(contact).not.toHaveProperty('tags')
      expect(contact).not.toHaveProperty('id', 'reserved')
      expect(contact).not.toHaveProperty('address')

      // What left the browser: the traits as the app passed them (a JSON copy), mailing lists as
      // given; the relay's validator sanitized them on the way to Loops.
      const [entry, ...more] = wire.contactEntries()
      expect(more).toEqual([])
      expect(entry).toMatchObject({
        type: 'contact',
        email,
        userId: 'user-42',
        properties: {
          firstName: 'Alex',
          plan: 'pro',
          address: { city: 'Berlin' },
          tags: ['a', 'b'],
        },
        mailingLists: { newsletter: true, beta: 'false', 'product-updates': 'maybe' },
      })
      expect(entry?.properties).not.toHaveProperty('email')
      expect(entry?.properties).not.toHaveProperty('mailingLists')
    })

    test('an identical identify is not sent again, a changed one is', async ({
      app,
      context,
      loops,
      wire,
    }) => {
      const page = await openExample(context, app, variant)
      const email = uniqueEmail('dedupe')
      const form = { userId: 'user-7', email, firstName: 'Sam', plan: 'starter' }
      await identify(page, form)
      await expect.poll(() => loops.contact(email)).toMatchObject({ firstName: 'Sam' })
      // The dedupe record is written when the contact update is queued (kept unless refused).
      await expect.poll(() => deliveredIds(page, 'contact')).toHaveLength(1)

      // Apps identify on every page load: same traits after a reload.
      await page.reload()
      await expect(page.locator('html')).toHaveAttribute('data-loops-ready', 'true')
      await identify(page, form)
      // Barrier: the queue is FIFO, so once this track left the page an identify queued before
      // it would have left too.
      await track(page, 'Dedupe Barrier')
      await expect.poll(() => loops.eventsNamed('Dedupe Barrier')).toHaveLength(1)
      expect(wire.contactEntries()).toHaveLength(1)
      expect(await loops.contactUpdates(email)).toHaveLength(1)

      // A real change is delivered.
      await identify(page, { plan: 'team' })
      await expect.poll(() => loops.contact(email)).toMatchObject({ plan: 'team' })
      expect(wire.contactEntries()).toHaveLength(2)
      expect(await loops.contactUpdates(email)).toHaveLength(2)
    })

    test.describe('mailing lists', () => {
      // The relay lets the browser change only the lists it names.
      test.use({ relayConfig: { mailingListAllowlist: ['newsletter'] } })

      test('lists and subscribed are not sent again with a later identify (the SDK merges stored traits), also after a reload; an explicit change is', async ({
        app,
        context,
        loops,
      }) => {
        const page = await openExample(context, app, variant)
        const email = uniqueEmail('lists')
        await sdkIdentify(page, variant, 'user-51', {
          email,
          mailingLists: { newsletter: true },
          subscribed: false,
        })
        await expect.poll(async () => (await loops.contactUpdates(email)).length).toBe(1)
        const [first] = await loops.contactUpdates(email)
        expect(first?.body).toMatchObject({ mailingLists: { newsletter: true }, subscribed: false })

        // The person leaves the list through Loops' unsubscribe link; the app knows nothing of it.
        await gotoExample(page, app, variant) // a reload
        await sdkIdentify(page, variant, 'user-51', { plan: 'pro' })
        // The host SDK still holds the first traits and merges them into this identify.
        const hostTraits = await page.evaluate(async (sdk) => {
          const w = window as unknown as {
            analytics: { user(): { traits(): unknown } | Promise<{ traits(): unknown }> }
            rudderanalytics: { getUserTraits(): unknown }
          }
          return sdk === 'segment'
            ? (await w.analytics.user()).traits()
            : w.rudderanalytics.getUserTraits()
        }, variant.sdk)
        expect(hostTraits).toMatchObject({ mailingLists: { newsletter: true }, subscribed: false })
        await expect.poll(async () => (await loops.contactUpdates(email)).length).toBe(2)
        const second = (await loops.contactUpdates(email))[1]
        expect(second?.body).toMatchObject({ email, userId: 'user-51', plan: 'pro' })
        expect(second?.body).not.toHaveProperty('mailingLists')
        expect(second?.body).not.toHaveProperty('subscribed')

        // An explicit change goes out.
        await sdkIdentify(page, variant, 'user-51', { mailingLists: { newsletter: false } })
        await expect.poll(async () => (await loops.contactUpdates(email)).length).toBe(3)
        const third = (await loops.contactUpdates(email))[2]
        expect(third?.body).toMatchObject({ mailingLists: { newsletter: false } })
        expect(third?.body).not.toHaveProperty('subscribed')
        expect((await loops.contact(email))?.mailingLists).toEqual({})
      })
    })
  })
}
