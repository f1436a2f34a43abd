// Nothing silently lost inside Loops: the emulator runs as Loops does (a property the team lacks
// is accepted and dropped). From a real SDK in a real page: the relay reports such a property
// once, or creates it first when asked to; and a 502 after Loops did the work is retried into a
// 409 that counts as delivered, through the relay's queue.
import { expect, test, VARIANTS } from '../fixtures'
import { openExample, sdkIdentify, track, uniqueEmail } from '../helpers/page'

const REPORTED = 'contact property not in Loops: Loops drops its values'
// One variant per SDK: the catalog sits behind the relay, the same for every page.
const variants = VARIANTS.filter((v) => v.name === 'segment script' || v.name === 'rudder npm')

for (const variant of variants) {
  test.describe(variant.name, () => {
    test.use({ variant })

    test('a property Loops lacks is reported once by the relay, and Loops keeps the rest', async ({
      app,
      context,
      loops,
      relayLog,
    }) => {
      const page = await openExample(context, app, variant)
      const email = uniqueEmail('catalog-report')
      await sdkIdentify(page, variant, 'user-c1', { email, plan: 'pro', favoriteColor: 'teal' })
      await expect.poll(() => loops.contact(email)).toMatchObject({ email, plan: 'pro' })
      expect(await loops.contact(email)).not.toHaveProperty('favoriteColor')
      await sdkIdentify(page, variant, 'user-c1', { email, plan: 'team', favoriteColor: 'red' })
      await expect.poll(() => loops.contact(email)).toMatchObject({ plan: 'team' })
      expect(relayLog.filter((l) => l.msg === REPORTED)).toEqual([
        expect.objectContaining({
          property: 'favoriteColor',
          fix: expect.stringContaining('RELAY_CREATE_PROPERTIES=true'),
        }),
      ])
    })

    test.describe('RELAY_CREATE_PROPERTIES=true', () => {
      test.use({ relayConfig: { createProperties: true } })

      test('the property is created with its type, then the contact keeps the value', async ({
        app,
        context,
        loops,
        relayLog,
      }) => {
        const page = await openExample(context, app, variant)
        const email = uniqueEmail('catalog-create')
        await sdkIdentify(page, variant, 'user-c2', { email, favoriteColor: 'teal', seatCount: 4 })
        await expect
          .poll(() => loops.contact(email))
          .toMatchObject({ email, favoriteColor: 'teal', seatCount: 4 })
        expect(await loops.customProperties()).toEqual(
          expect.arrayContaining([
            { key: 'favoriteColor', type: 'string' },
            { key: 'seatCount', type: 'number' },
          ]),
        )
        expect(relayLog.filter((l) => l.msg === REPORTED)).toEqual([])
      })
    })

    test.describe('relay queue', () => {
      test.use({ relayMode: 'queue' })

      test('Loops answers 502 after doing the work: retried, 409, delivered once', async ({
        app,
        context,
        loops,
        relayLog,
      }) => {
        const page = await openExample(context, app, variant)
        const email = uniqueEmail('lost-answer')
        await sdkIdentify(page, variant, 'user-c3', { email, plan: 'pro' })
        await expect.poll(() => loops.contact(email)).toBeDefined()

        await loops.fault({ status: 502, times: 1, path: '/api/v1/events/send', after: true })
        await track(page, 'Answer Lost')
        await expect
          .poll(async () => (await loops.eventSends('Answer Lost')).map((r) => r.status), {
            timeout: 30_000,
          })
          .toEqual([502, 409])
        const [lost] = await loops.eventSends('Answer Lost')
        expect(lost).toMatchObject({ fault: true, processedStatus: 200 })
        expect(await loops.eventsNamed('Answer Lost')).toHaveLength(1)
        await expect
          .poll(() =>
            relayLog
              .filter((l) => l.msg === 'delivery' && l.type === 'event')
              .map((l) => [l.outcome, l.status])
              .filter(([, status]) => status === 502 || status === 409),
          )
          .toEqual([
            ['retried', 502],
            ['delivered', 409],
          ])
      })
    })
  })
}
