// Identity verification end to end: the relay has RELAY_IDENTITY_SECRET (every e2e test runs so),
// the example server signs the page's user (userId + email) as an app's server would, and the
// plugin sends that hash. A page that puts someone else's email beside its signed userId, or
// makes a hash up, gets its messages rejected, and nothing of them reaches Loops.
import { createHmac } from 'node:crypto'
import type { Page } from '@playwright/test'
import { expect, IDENTITY_SECRET, test, VARIANTS } from '../fixtures'
import { deliveredIds, identify, openExample, track, uniqueEmail } from '../helpers/page'

/** The v1 hash as documented, computed here, not by the relay's code. */
const v1Hash = (userId: string | undefined, email: string | undefined) =>
  createHmac('sha256', IDENTITY_SECRET)
    .update(`v1\n${userId ?? ''}\n${email ?? ''}`, 'utf8')
    .digest('hex')

/** What the page's onError saw (window.loopsDebug.errors). */
const pageErrors = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { loopsDebug: { errors: Array<{ name: string; message: string }> } })
        .loopsDebug.errors,
  )

for (const variant of VARIANTS) {
  test.describe(variant.name, () => {
    test.use({ variant })

    test('delivers with verification on: the hash comes from the example server', async ({
      app,
      context,
      loops,
      wire,
    }) => {
      const page = await openExample(context, app, variant)
      const email = uniqueEmail('verified')
      await identify(page, { userId: 'user-31', email, firstName: 'Ines', plan: 'pro' })
      await track(page, 'Verified Event')
      await expect
        .poll(() => loops.contact(email))
        .toMatchObject({ userId: 'user-31', firstName: 'Ines' })
      await expect.poll(() => loops.eventsNamed('Verified Event')).toHaveLength(1)

      // Both messages carried the hash of exactly (userId, email), signed with the relay's secret.
      const sent = wire.batches.flatMap((b) => b.entries) as Array<{ userHash?: string }>
      expect(sent.length).toBeGreaterThanOrEqual(2)
      for (const entry of sent) expect(entry.userHash).toBe(v1Hash('user-31', email))
      expect(await pageErrors(page)).toEqual([])
    })

    test('a forged identity from the page reaches nothing in Loops', async ({
      app,
      context,
      loops,
    }) => {
      const page = await openExample(context, app, variant)
      const own = uniqueEmail('attacker')
      const victim = uniqueEmail('victim')
      await identify(page, { userId: 'user-32', email: own, firstName: 'Mal', plan: 'pro' })
      await expect.poll(() => deliveredIds(page, 'contact')).toHaveLength(1)

      // The page is the attacker's: it has a valid hash for its own identity and offers it for
      // the victim's email beside its signed userId; then a made-up hash for the victim alone.
      await page.evaluate(
        ({ own, victim, madeUp }) => {
          const signed = JSON.parse(localStorage.getItem('loops-example:signed') ?? '{}')
          const mine = signed[`user-32\n${own}`]
          if (!mine) throw new Error('the page holds no hash of its own')
          signed[`user-32\n${victim}`] = mine
          signed[`\n${victim}`] = madeUp
          localStorage.setItem('loops-example:signed', JSON.stringify(signed))
        },
        { own, victim, madeUp: 'ab'.repeat(32) },
      )
      await page.fill('#email', victim)
      await page.fill('#firstName', 'Pwned')
      await page.click('#identify')
      await track(page, 'Forged Event')
      await page.click('#reset')
      await page.fill('#userId', '')
      await page.fill('#email', victim)
      await page.click('#identify')
      await page.evaluate(() =>
        (window as unknown as { loopsDebug: { flush(): Promise<void> } }).loopsDebug.flush(),
      )

      // The relay refused every forged message, for identity…
      await expect
        .poll(async () => (await pageErrors(page)).map((e) => e.message).join('\n'))
        .toMatch(/userHash does not match/)
      // The three forged messages may come back in more than one answer: wait for all of them.
      await expect
        .poll(async () => (await pageErrors(page)).filter((e) => /userHash/.test(e.message)).length)
        .toBeGreaterThanOrEqual(3)
      // …and nothing of them reached Loops: no contact, event or call with the victim's email,
      // and the attacker's contact was not renamed.
      expect(await loops.contact(victim)).toBeUndefined()
      expect(await loops.eventsNamed('Forged Event')).toEqual([])
      expect(JSON.stringify(await loops.contactUpdates())).not.toContain(victim)
      expect(await loops.contact(own)).toMatchObject({ userId: 'user-32', firstName: 'Mal' })
    })
  })
}
