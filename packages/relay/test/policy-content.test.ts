// Content policies over real HTTP against the real emulator: event-name allow list, contact
// property allow/deny lists, mailing-list allow list, and `subscribed: true` only when allowed.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { RelayOptions } from '../src/relay'
import {
  contact,
  type EmuRequest,
  emulator,
  event,
  post,
  relayFor,
  served,
  type TestEmulator,
} from './http-harness'

const LISTS = [
  { id: 'newsletter', name: 'Newsletter' },
  { id: 'product', name: 'Product updates' },
  { id: 'internal', name: 'Internal' },
]
let emu: TestEmulator
beforeAll(async () => {
  emu = await emulator({ lists: LISTS })
})
beforeEach(() => emu.reset())

async function relayUrl(options: RelayOptions) {
  return (await served(relayFor(emu, options).relay)).url
}

const calls = async (path: string): Promise<EmuRequest[]> =>
  (await emu.requests()).filter((r) => r.path === `/api/v1/${path}`)

describe('event-name allow list', () => {
  it('delivers listed events and rejects others with a reason', async () => {
    const url = await relayUrl({ eventAllowlist: ['Signup', 'Upgrade'] })
    const res = await post(url, {
      batch: [
        event('a1'),
        event('a2', { eventName: 'Deleted account' }),
        event('a3', { eventName: 'Upgrade' }),
      ],
    })
    expect(await res.json()).toEqual({
      accepted: 2,
      rejected: [{ index: 1, messageId: 'a2', error: 'eventName is not allowed' }],
    })
    expect((await emu.events()).map((e) => e.eventName).sort()).toEqual(['Signup', 'Upgrade'])
  })
})

describe('contact-property allow and deny lists', () => {
  it('keeps only allowed properties, on contacts and on events, and the deny list wins', async () => {
    const url = await relayUrl({
      propertyAllowlist: ['firstName', 'plan', 'role'],
      propertyDenylist: ['role'],
    })
    const res = await post(url, {
      batch: [
        contact('p1', {
          properties: { firstName: 'Ada', plan: 'pro', role: 'admin', isStaff: true },
        }),
        event('p2', {
          contactProperties: { plan: 'team', creditLimit: 9000 },
          eventProperties: { creditLimit: 1 },
        }),
      ],
    })
    // Trimming never refuses a message.
    expect(await res.json()).toEqual({ accepted: 2, rejected: [] })
    const [put] = await calls('contacts/update')
    expect(put?.body).toEqual({ email: 'p1@example.com', firstName: 'Ada', plan: 'pro' })
    const [send] = await calls('events/send')
    expect(send?.body).toMatchObject({ plan: 'team', eventProperties: { creditLimit: 1 } })
    expect(send?.body).not.toHaveProperty('creditLimit')
    const stored = (await emu.contacts()).find((c) => c.email === 'p1@example.com')
    expect(stored).toMatchObject({ firstName: 'Ada', plan: 'pro' })
    expect(stored).not.toHaveProperty('role')
    expect(stored).not.toHaveProperty('isStaff')
  })

  it('with only a deny list, drops the denied names and keeps everything else', async () => {
    const url = await relayUrl({ propertyDenylist: ['isAdmin'] })
    await post(url, { batch: [contact('d1', { properties: { isAdmin: true, company: 'Acme' } })] })
    const [put] = await calls('contacts/update')
    expect(put?.body).toEqual({ email: 'd1@example.com', company: 'Acme' })
  })
})

describe('mailing-list allow list', () => {
  it('forwards only allowed lists', async () => {
    const url = await relayUrl({ mailingListAllowlist: ['newsletter', 'product'] })
    await post(url, {
      batch: [
        contact('m1', { mailingLists: { newsletter: true, internal: true, product: false } }),
      ],
    })
    const [put] = await calls('contacts/update')
    expect(put?.body).toMatchObject({ mailingLists: { newsletter: true, product: false } })
    const stored = (await emu.contacts()).find((c) => c.email === 'm1@example.com')
    expect(stored?.mailingLists).toEqual({ newsletter: true })
  })

  it('sends no mailingLists at all when none is allowed', async () => {
    const url = await relayUrl({ mailingListAllowlist: ['newsletter'] })
    await post(url, { batch: [contact('m2', { mailingLists: { internal: true } })] })
    const [put] = await calls('contacts/update')
    expect(put?.body).not.toHaveProperty('mailingLists')
  })
})

describe('subscribed: true (re-subscribing)', () => {
  it('is dropped by default, while subscribed: false passes', async () => {
    const url = await relayUrl({})
    await post(url, {
      batch: [contact('s1', { subscribed: true }), contact('s2', { subscribed: false })],
    })
    const bodies = (await calls('contacts/update')).map((r) => r.body)
    expect(bodies).toContainEqual({ email: 's1@example.com' })
    expect(bodies).toContainEqual({ email: 's2@example.com', subscribed: false })
  })

  it('re-subscribes an unsubscribed contact only when allowResubscribe is set', async () => {
    const strict = await relayUrl({})
    await post(strict, { batch: [contact('r1', { subscribed: false })] })
    await post(strict, { batch: [contact('r2', { email: 'r1@example.com', subscribed: true })] })
    let stored = (await emu.contacts()).find((c) => c.email === 'r1@example.com')
    expect(stored?.subscribed).toBe(false)

    const lenient = await relayUrl({ allowResubscribe: true })
    await post(lenient, { batch: [contact('r3', { email: 'r1@example.com', subscribed: true })] })
    stored = (await emu.contacts()).find((c) => c.email === 'r1@example.com')
    expect(stored?.subscribed).toBe(true)
  })
})
