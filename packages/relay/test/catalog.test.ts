// The property and list catalog, end to end: a real relay delivering to the real emulator running
// as Loops does (unknown properties accepted and dropped). What a user sees: the log line, the
// metric, the property in Loops' catalog and on the contact, the list dropped instead of the update.
import { describe, expect, it } from 'vitest'
import type { LogLine } from '../src/log'
import type { Relay } from '../src/relay'
import { contact, emulator, event, relayFor, request, type TestEmulator } from './http-harness'

const send = async (relay: Relay, batch: unknown[]) => {
  const res = await request(relay, '/v1/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ batch }),
  })
  return { status: res.status, body: (await res.json()) as unknown }
}

const lines = (logs: LogLine[], msg: string) => logs.filter((l) => l.msg === msg)

const customProperties = async (emu: TestEmulator) =>
  (await (
    await fetch(`${emu.apiUrl}/v1/contacts/properties?list=custom`, {
      headers: { authorization: 'Bearer any' },
    })
  ).json()) as Array<{ key: string; type: string }>

const metricsText = async (relay: Relay) => (await request(relay, '/metrics')).text()

describe('unknown contact properties (reported)', () => {
  it('logs one line per property per hour naming it and the fix, counts every use, stores nothing', async () => {
    const emu = await emulator()
    const { relay, logs } = relayFor(emu, { metrics: true })
    const props = { firstName: 'Ada', plan: 'pro', favoriteColor: 'teal' }
    expect((await send(relay, [contact('u1', { properties: props })])).status).toBe(200)
    expect((await send(relay, [contact('u2', { properties: props })])).status).toBe(200)
    expect(
      (await send(relay, [event('u3', { contactProperties: { favoriteColor: 'red' } })])).status,
    ).toBe(200)

    const reported = lines(logs, 'contact property not in Loops: Loops drops its values')
    expect(reported).toEqual([
      expect.objectContaining({
        level: 'warn',
        property: 'favoriteColor',
        fix: 'create it in Loops → Settings → Contact properties, or set RELAY_CREATE_PROPERTIES=true',
      }),
    ])
    // The update still went out; Loops kept what it knows and dropped the rest.
    const stored = (await emu.contacts()).find((c) => c.email === 'u1@example.com')
    expect(stored).toMatchObject({ firstName: 'Ada', plan: 'pro' })
    expect(stored).not.toHaveProperty('favoriteColor')
    expect(await metricsText(relay)).toContain(
      'loops_relay_unknown_properties_total{property="favoriteColor"} 3',
    )
    // Known and default properties are never reported; null (a clear) neither.
    await send(relay, [contact('u4', { properties: { lastName: 'K', plan: null, gone: null } })])
    expect(lines(logs, 'contact property not in Loops: Loops drops its values')).toHaveLength(1)
  })

  it('caps the metric label at 100 property names, then counts the rest as "other"', async () => {
    const emu = await emulator()
    const { relay } = relayFor(emu, { metrics: true })
    const properties = Object.fromEntries(
      Array.from({ length: 105 }, (_, i) => [`made${i}`, 'x'] as const),
    )
    await send(relay, [contact('m1', { properties })])
    const text = await metricsText(relay)
    const series = text.split('\n').filter((l) => l.startsWith('loops_relay_unknown_properties'))
    expect(series).toHaveLength(101)
    expect(text).toContain('loops_relay_unknown_properties_total{property="other"} 5')
  })
})

describe('RELAY_CREATE_PROPERTIES=true', () => {
  it('creates each missing property with the type of its value, then the update keeps the value', async () => {
    const emu = await emulator()
    const { relay, logs } = relayFor(emu, { createProperties: true, metrics: true })
    const properties = {
      favoriteColor: 'teal',
      seatsBought: 3,
      isTrial: true,
      trialEndsAt: 1_798_761_600_000, // 2027-01-01 in ms: a date
      renewedOn: '2026-11-22T10:00:00.000Z',
      unixSeconds: 1_764_000_000, // seconds, not ms: a number
      zip: '02134', // digits in a string: a string
    }
    // Two messages carrying the same new properties, delivered concurrently (direct mode).
    const res = await send(relay, [contact('c1', { properties }), contact('c2', { properties })])
    expect(res).toEqual({ status: 200, body: { accepted: 2, rejected: [] } })
    expect(await customProperties(emu)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'favoriteColor', type: 'string' }),
        expect.objectContaining({ key: 'seatsBought', type: 'number' }),
        expect.objectContaining({ key: 'isTrial', type: 'boolean' }),
        expect.objectContaining({ key: 'trialEndsAt', type: 'date' }),
        expect.objectContaining({ key: 'renewedOn', type: 'date' }),
        expect.objectContaining({ key: 'unixSeconds', type: 'number' }),
        expect.objectContaining({ key: 'zip', type: 'string' }),
      ]),
    )
    for (const email of ['c1@example.com', 'c2@example.com']) {
      expect((await emu.contacts()).find((c) => c.email === email)).toMatchObject(properties)
    }
    // One creation per property, however many messages carried it.
    const posts = (await emu.requests()).filter(
      (r) => r.method === 'POST' && r.path === '/api/v1/contacts/properties',
    )
    expect(posts.map((r) => r.body?.name).sort()).toEqual(Object.keys(properties).sort())
    expect(lines(logs, 'created contact property in Loops')).toHaveLength(7)
    expect(lines(logs, 'contact property not in Loops: Loops drops its values')).toEqual([])
    expect(await metricsText(relay)).toContain(
      'loops_relay_properties_created_total{type="date"} 2',
    )
  })

  it('creates properties carried by an event as contact properties too', async () => {
    const emu = await emulator({ properties: [] })
    const { relay } = relayFor(emu, { createProperties: true })
    await send(relay, [event('e1', { contactProperties: { lifetimeValue: 120 } })])
    expect(await customProperties(emu)).toEqual([
      expect.objectContaining({ key: 'lifetimeValue', type: 'number' }),
    ])
    expect((await emu.contacts())[0]).toMatchObject({ lifetimeValue: 120 })
  })

  it('never creates reserved or non-camelCase names, respects the allow list and the hourly cap', async () => {
    const emu = await emulator({ properties: [] })
    const { relay, logs } = relayFor(emu, {
      createProperties: true,
      createPropertiesPerHour: 1,
      propertyAllowlist: ['firstName', 'plan', 'first', 'second', 'snake_case'],
    })
    await send(relay, [
      contact('r1', { properties: { first: 'a', second: 'b', snake_case: 'c', other: 'd' } }),
    ])
    expect((await customProperties(emu)).map((p) => p.key)).toEqual(['first'])
    const reasons = Object.fromEntries(
      lines(logs, 'contact property not in Loops: Loops drops its values').map((l) => [
        l.property,
        l.reason,
      ]),
    )
    // `other` never reached Loops: the policy's allow list removed it before delivery.
    expect(reasons).toEqual({
      second:
        'not created: 1 properties created in the last hour (RELAY_CREATE_PROPERTIES_PER_HOUR)',
      snake_case: 'cannot be created: not a camelCase name Loops can create',
    })
  })
})

describe('mailing lists', () => {
  const LISTS = [{ id: 'newsletter', name: 'Newsletter' }]

  it('warns at start about an allow-listed list Loops lacks, and drops it from messages instead of losing the update', async () => {
    const emu = await emulator({ lists: LISTS })
    const { relay, logs } = relayFor(emu, {
      mailingListAllowlist: ['newsletter', 'retired-list'],
      metrics: true,
    })
    await relay.start()
    const res = await send(relay, [
      contact('l1', {
        properties: { plan: 'pro' },
        mailingLists: { newsletter: true, 'retired-list': true },
      }),
    ])
    expect(res).toEqual({ status: 200, body: { accepted: 1, rejected: [] } })
    expect(lines(logs, 'RELAY_MAILING_LIST_ALLOWLIST names a list Loops does not have')).toEqual([
      expect.objectContaining({ level: 'warn', listId: 'retired-list' }),
    ])
    expect(lines(logs, 'mailing list not in Loops: dropped from the message')).toEqual([
      expect.objectContaining({ listId: 'retired-list' }),
    ])
    const [stored] = await emu.contacts()
    expect(stored).toMatchObject({ plan: 'pro', mailingLists: { newsletter: true } })
    const [put] = (await emu.requests()).filter((r) => r.path === '/api/v1/contacts/update')
    expect(put?.body?.mailingLists).toEqual({ newsletter: true })
    expect(await metricsText(relay)).toContain('loops_relay_mailing_lists_dropped_total 1')
  })
})
