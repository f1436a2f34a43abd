// Drives the example pages through their shared controls (examples/shared/ui.js), and the host
// SDK directly where a call needs traits the form has no field for.
import { type BrowserContext, expect, type Page } from '@playwright/test'

export interface Variant {
  name: string
  sdk: 'segment' | 'rudder'
  install: 'script' | 'npm'
  path: string
}

export type Field = 'userId' | 'email' | 'firstName' | 'plan' | 'eventName'

/** `window.loopsDebug` of the example pages (examples/shared/ui.js). */
interface LoopsDebug {
  signIn(userId: string | undefined, email: string | undefined): Promise<void>
}

/** Opens a variant's page and waits until its controls are wired to the SDK and the plugin. */
export async function openExample(
  context: BrowserContext,
  app: { url: string },
  variant: Variant,
): Promise<Page> {
  const page = await context.newPage()
  await gotoExample(page, app, variant)
  return page
}

export async function gotoExample(
  page: Page,
  app: { url: string },
  variant: Variant,
): Promise<void> {
  await page.goto(`${app.url}${variant.path}`)
  await expect(page.locator('html')).toHaveAttribute('data-loops-ready', 'true')
}

export async function fill(page: Page, values: Partial<Record<Field, string>>): Promise<void> {
  for (const [field, value] of Object.entries(values)) await page.fill(`#${field}`, value)
}

export async function identify(page: Page, values: Partial<Record<Field, string>>): Promise<void> {
  await fill(page, values)
  await page.click('#identify')
}

export async function track(page: Page, eventName: string): Promise<void> {
  await fill(page, { eventName })
  await page.click('#track')
}

/**
 * `identify(userId, traits)` on the page's host SDK (snippet stub or loaded instance), after the
 * page signed in as that user (the example server signs userId + email for `userHash`).
 */
export async function sdkIdentify(
  page: Page,
  variant: Variant,
  userId: string,
  traits: Record<string, unknown>,
): Promise<void> {
  await page.evaluate(
    async ({ sdk, userId, traits }) => {
      const debug = (window as unknown as { loopsDebug?: LoopsDebug }).loopsDebug
      await debug?.signIn(userId, typeof traits.email === 'string' ? traits.email : undefined)
      const w = window as unknown as Record<string, { identify(id: string, t: unknown): unknown }>
      const host = sdk === 'segment' ? w.analytics : w.rudderanalytics
      if (!host) throw new Error(`no ${sdk} SDK on the page`)
      host.identify(userId, traits)
    },
    { sdk: variant.sdk, userId, traits },
  )
}

/** Messages the relay acknowledged to this page (the page's onDeliver log), by type. */
export async function deliveredIds(page: Page, type: 'contact' | 'event'): Promise<string[]> {
  return page.evaluate(
    (type) =>
      (
        (
          window as unknown as {
            loopsDebug?: { delivered: Array<{ type: string; messageId: string }> }
          }
        ).loopsDebug?.delivered ?? []
      )
        .filter((m) => m.type === type)
        .map((m) => m.messageId),
    type,
  )
}

/** A unique, readable email per test so parallel tests never share a contact. */
export function uniqueEmail(tag: string): string {
  return `${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`
}

/**
 * Overrides fields of the example page's `window.LOOPS_EXAMPLE` (its relay URL, its origin…) in
 * every page of the context, before the page's own scripts read it. Not with context.route: once a
 * context routes anything, Playwright answers CORS preflights itself.
 */
export async function overrideExampleConfig(
  context: BrowserContext,
  overrides: Record<string, string>,
): Promise<void> {
  await context.addInitScript((fields) => {
    let config: unknown
    Object.defineProperty(window, 'LOOPS_EXAMPLE', {
      configurable: true,
      get: () => config,
      set: (value: object) => {
        config = { ...value, ...fields }
      },
    })
  }, overrides)
}
