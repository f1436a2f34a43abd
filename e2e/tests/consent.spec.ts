// Consent (both SDKs) and the RudderStack "not initialised" report, in Chromium with the real SDK
// builds. The pages live in e2e/pages and are served on the example server's origin.
//
// Consent: each page keeps Loops off until the visitor agrees (the plugin's consentCategories).
// Calls made before that are neither sent nor kept; calls after it are delivered. The proof that
// nothing from before arrives is ordering: both the host SDK and the plugin's queue keep order, so
// once a later call has reached the emulator, an earlier queued one would have too.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from '@playwright/test'
import { build } from 'esbuild'
import { expect, test } from '../fixtures'
import { uniqueEmail } from '../helpers/page'

const pages = join(dirname(fileURLToPath(import.meta.url)), '..', 'pages')

// These pages are about consent, not identity: their relay does not verify identities.
test.use({ identitySecret: '' })

interface ConsentPage {
  identify(userId: string, traits: Record<string, unknown>): Promise<void>
  track(name: string): Promise<void>
  agree(): void
  flush(): Promise<void>
  pending(): number
  errors: Array<string | { name: string; message: string }>
}

let segmentBundle: string | undefined
/** The Segment page's script, bundled as an app's bundler would (npm packages, built dist). */
async function segmentScript(): Promise<string> {
  segmentBundle ??= (
    await build({
      entryPoints: [join(pages, 'segment-consent.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      write: false,
      logLevel: 'silent',
    })
  ).outputFiles[0]?.text
  return segmentBundle as string
}

/** Serves e2e/pages under /e2e/ on the app's origin (same origin as the relay and vendor stubs). */
async function openPage(page: Page, appUrl: string, name: string): Promise<void> {
  await page.route(`${appUrl}/e2e/**`, async (route) => {
    const file = new URL(route.request().url()).pathname.slice('/e2e/'.length)
    if (file === 'segment-consent.js') {
      return route.fulfill({ contentType: 'text/javascript', body: await segmentScript() })
    }
    if (file === 'segment-consent.html') {
      return route.fulfill({
        contentType: 'text/html',
        body: '<!doctype html><script src="/config.js"></script><script type="module" src="/e2e/segment-consent.js"></script>',
      })
    }
    return route.fulfill({ contentType: 'text/html', body: readFileSync(join(pages, file)) })
  })
  await page.goto(`${appUrl}/e2e/${name}`)
  await expect(page.locator('html')).toHaveAttribute('data-loops-ready', 'true')
}

const call = <T>(page: Page, fn: (p: ConsentPage, arg: T) => unknown, arg: T) =>
  page.evaluate(
    ([source, a]) => {
      const p = (window as unknown as { consentPage: ConsentPage }).consentPage
      return new Function('p', 'a', `return (${source})(p, a)`)(p, a)
    },
    [fn.toString(), arg] as const,
  )

for (const sdk of ['segment', 'rudder'] as const) {
  test(`${sdk}: nothing reaches Loops before the visitor consents; calls after consent are delivered`, async ({
    app,
    context,
    loops,
  }) => {
    const page = await context.newPage()
    await openPage(page, app.url, `${sdk}-consent.html`)
    const email = uniqueEmail(`consent-${sdk}`)

    // Before consent: the SDK handles the calls, the plugin drops them.
    await call(page, (p, e) => p.identify('user-consent', { email: e, plan: 'pro' }), email)
    await call(page, (p) => p.track('Before Consent'), null)
    await call(page, (p) => p.flush(), null)
    expect(await call(page, (p) => p.pending(), null)).toBe(0)

    // The visitor agrees; the SDK reports it on every later call.
    await call(page, (p) => p.agree(), null)
    await call(page, (p, e) => p.identify('user-consent', { email: e, plan: 'team' }), email)
    await call(page, (p) => p.track('After Consent'), null)

    await expect.poll(() => loops.eventsNamed('After Consent')).toHaveLength(1)
    expect((await loops.eventsNamed('After Consent'))[0]).toMatchObject({
      email,
      userId: 'user-consent',
    })
    expect(await loops.contact(email)).toMatchObject({ userId: 'user-consent', plan: 'team' })
    // Nothing from before consent: not the event, not the first identify.
    expect(await loops.eventsNamed('Before Consent')).toEqual([])
    expect(await loops.contactUpdates(email)).toHaveLength(1)
    // Segment's wrapper also tracks "Segment Consent Preference Updated" when consent changes; it
    // goes to Loops like any track and is refused there while the contact does not exist yet.
    if (sdk === 'rudder') {
      // Set up as documented, RudderStack initialised the integration in time: once its
      // initTimeout (2 s) has passed, no IntegrationNotLoadedError (no error at all).
      await expect.poll(() => page.evaluate(() => performance.now())).toBeGreaterThan(2_500)
      expect(await call(page, (p) => p.errors, null)).toEqual([])
    }
  })
}

test('rudder: an integration added after the SDK loaded reports IntegrationNotLoadedError', async ({
  app,
  context,
}) => {
  const page = await context.newPage()
  const console: string[] = []
  page.on('console', (m) => console.push(m.text()))
  await openPage(page, app.url, 'rudder-added-late.html')
  await expect
    .poll(() => call(page, (p) => p.errors, null))
    .toEqual([expect.objectContaining({ name: 'IntegrationNotLoadedError' })])
  const [error] = (await call(page, (p) => p.errors, null)) as Array<{ message: string }>
  // The message links to the README's list of likely causes; the first is this one, which
  // RudderStack reports in its own words.
  expect(error?.message).toContain('packages/rudder-plugin#when-rudderstack-never-initialises-it')
  expect(console.some((line) => line.includes('Cannot add custom integration'))).toBe(true)
})
