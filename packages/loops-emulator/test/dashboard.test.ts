import { type Browser, chromium } from '@playwright/test'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { start } from './helpers.js'

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
]

describe('dashboard page', () => {
  it('is one self-contained HTML document with the stable ids', async () => {
    const emu = await start({ apiKey: 'dash-key-1' })
    const res = await fetch(`${emu.url}/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const html = await res.text()
    for (const id of ['contacts', 'events', 'requests', 'contact-count', 'status', 'reset']) {
      expect(html).toContain(`id="${id}"`)
    }
    expect(html).toContain('/_emulator/contacts')
    expect(html).toContain('/_emulator/events')
    // No external assets: no <link>, no src attribute, no absolute URL.
    expect(html).not.toMatch(/<link|\ssrc=|https?:\/\//)
    expect(html).not.toContain('dash-key-1')
    const head = await fetch(`${emu.url}/`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })
})

describe('dashboard in Chromium', { timeout: 60_000 }, () => {
  let browser: Browser

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
  })

  it('shows contacts, events and requests, and refreshes itself', async () => {
    const emu = await start({
      apiKey: 'dash-key-2',
      properties: [{ key: 'plan', type: 'string' }],
      lists: [{ id: 'news', name: 'Newsletter' }],
    })
    const auth = { authorization: 'Bearer dash-key-2' }
    await emu.call(
      'PUT',
      '/v1/contacts/update',
      { email: 'ana@example.com', userId: 'u1', plan: 'pro', mailingLists: { news: true } },
      auth,
    )
    await emu.call(
      'POST',
      '/v1/events/send',
      { email: 'ana@example.com', eventName: 'Signup', eventProperties: { via: 'ad' }, shoe: 42 },
      { ...auth, 'idempotency-key': 'm-1' },
    )
    await emu.call('PUT', '/v1/contacts/update', { userId: 'ghost' }, auth)

    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(String(error)))
    await page.goto(`${emu.url}/`)

    const ana = page.locator('#contacts tr.contact[data-email="ana@example.com"]')
    await ana.waitFor()
    expect(await ana.getAttribute('data-user-id')).toBe('u1')
    expect(await ana.locator('.list[data-list-id="news"]').textContent()).toBe('Newsletter')
    expect(await ana.locator('.prop[data-key="plan"]').textContent()).toBe('planpro')

    const event = page.locator('#events tr.event[data-event-name="Signup"]')
    await event.waitFor()
    expect(await event.getAttribute('data-idempotency-key')).toBe('m-1')
    expect(await event.locator('.event-properties .prop[data-key="via"]').count()).toBe(1)
    // An unknown custom property is shown as ignored.
    expect(await event.locator('.contact-properties .prop.ignored[data-key="shoe"]').count()).toBe(
      1,
    )

    await page.locator('#requests tr.request[data-status="400"]').waitFor()
    expect(await page.locator('#requests tr.request').count()).toBe(3)

    // New data shows up without a reload.
    await emu.call('PUT', '/v1/contacts/update', { email: 'bob@example.com' }, auth)
    await page.locator('#contacts tr.contact[data-email="bob@example.com"]').waitFor()
    expect(await page.locator('#contact-count').textContent()).toBe('2')

    // A fault answered after processing says so.
    await emu.fault({ status: 502, times: 1, after: true })
    await emu.call('PUT', '/v1/contacts/update', { email: 'cy@example.com' }, auth)
    const lost = page.locator('#requests tr.request[data-status="502"]')
    await lost.waitFor()
    expect(await lost.getAttribute('data-processed-status')).toBe('200')
    expect(await lost.locator('.processed').textContent()).toContain('the answer was lost')

    // Request details are redacted.
    await page.locator('#requests tr.request[data-status="400"]').click()
    const detail = await page.locator('#request-detail').textContent()
    expect(detail).toContain('Bearer ***')
    expect(await page.content()).not.toContain('dash-key-2')

    // The reset button empties the page.
    await page.locator('#reset').click()
    await page.locator('#contacts tr.empty').waitFor()
    expect(await emu.contacts()).toEqual([])
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows the offline status when the emulator goes away', async () => {
    const emu = await start()
    const page = await browser.newPage()
    await page.goto(`${emu.url}/`)
    await page.locator('#status.live').waitFor()
    await emu.close()
    await page.locator('#status.offline').waitFor()
    await page.close()
  })
})
