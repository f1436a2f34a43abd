// How many Loops calls the catalog costs, and when it looks again: the catalog on a stepped
// clock, reading the real emulator through the real API client and pacer. Counts, not timings.
import { describe, expect, it } from 'vitest'
import { createPropertyCatalog } from '../src/catalog/catalog'
import { createCatalogApi } from '../src/catalog/catalog-api'
import type { LogLine } from '../src/log'
import { createPacer } from '../src/pacer'
import { emulator, type TestEmulator } from './http-harness'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

async function setup(emu: TestEmulator) {
  let clock = 0
  const logs: LogLine[] = []
  const catalog = createPropertyCatalog({
    api: createCatalogApi({ apiKey: 'k', baseUrl: emu.apiUrl }),
    pacer: createPacer({ ratePerSecond: 10_000 }),
    log: (level, msg, fields) => logs.push({ level, msg, ...fields }),
    now: () => clock,
  })
  await catalog.start()
  const at = async (ms: number, body: Record<string, unknown>) => {
    clock = ms
    const result = await catalog.prepare({ email: 'a@example.com', ...body })
    await catalog.settled()
    return result
  }
  const catalogCalls = async () =>
    (await emu.requests()).filter(
      (r) =>
        r.method === 'GET' &&
        (r.path === '/api/v1/contacts/properties' || r.path === '/api/v1/lists'),
    ).length
  return { catalog, at, logs, catalogCalls }
}

/** One message every 10 s for an hour after start, `body(i)` giving its properties. */
async function hourOfTraffic(
  at: (ms: number, body: Record<string, unknown>) => Promise<unknown>,
  body: (i: number) => Record<string, unknown>,
) {
  for (let i = 1; i <= 360; i++) await at(i * 10_000, body(i))
}

describe('catalog refresh schedule and cost in Loops calls', () => {
  it('reads properties and lists once at start and not again while idle', async () => {
    const emu = await emulator()
    const { catalogCalls } = await setup(emu)
    expect(await catalogCalls()).toBe(2)
  })

  it('steady traffic with known properties: 2 calls per 10 minutes of use (12 per hour)', async () => {
    const emu = await emulator()
    const { at, catalogCalls } = await setup(emu)
    await hourOfTraffic(at, () => ({ plan: 'pro' }))
    const perHour = (await catalogCalls()) - 2
    console.log(`catalog calls in an hour of known-property traffic: ${perHour}`)
    expect(perHour).toBe(12)
  })

  it('the same unknown property on every message: no more than steady traffic', async () => {
    const emu = await emulator()
    const { at, catalogCalls, logs } = await setup(emu)
    await hourOfTraffic(at, () => ({ favoriteColor: 'teal' }))
    const perHour = (await catalogCalls()) - 2
    console.log(`catalog calls in an hour with one unknown property throughout: ${perHour}`)
    expect(perHour).toBeLessThanOrEqual(14)
    // One line for the hour (the next one is due at the hour mark).
    const reported = logs.filter((l) => l.property === 'favoriteColor')
    expect(reported.length).toBeGreaterThanOrEqual(1)
    expect(reported.length).toBeLessThanOrEqual(2)
  })

  it('worst case, a new unknown name every 10 s: at most one look per minute (≤ 120 per hour)', async () => {
    const emu = await emulator()
    const { at, catalogCalls } = await setup(emu)
    await hourOfTraffic(at, (i) => ({ [`made${i}`]: 'x' }))
    const perHour = (await catalogCalls()) - 2
    console.log(`catalog calls in an hour with a new unknown name every 10 s: ${perHour}`)
    expect(perHour).toBeLessThanOrEqual(120)
  })

  it('picks up a property created in Loops after start at the next miss one minute on', async () => {
    const emu = await emulator({ properties: [] })
    const { at, logs, catalog } = await setup(emu)
    await fetch(`${emu.apiUrl}/v1/contacts/properties`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'favoriteColor', type: 'string' }),
    })
    // 30 s after start: too soon to read again, so it is reported…
    await at(30_000, { favoriteColor: 'teal' })
    expect(logs.filter((l) => l.property === 'favoriteColor')).toHaveLength(1)
    // …a minute after start the miss earns one fresh read, and it is known from then on.
    const known = await at(61_000, { favoriteColor: 'teal' })
    expect(known.ok).toBe(true)
    expect(logs.filter((l) => l.property === 'favoriteColor')).toHaveLength(1)
    expect(catalog.snapshot().properties).toEqual({ favoriteColor: 'string' })
  })

  it('logs the same unknown property again after an hour', async () => {
    const emu = await emulator({ properties: [] })
    const { at, logs } = await setup(emu)
    await at(MINUTE, { favoriteColor: 'teal' })
    await at(MINUTE + HOUR - 1, { favoriteColor: 'teal' })
    expect(logs.filter((l) => l.property === 'favoriteColor')).toHaveLength(1)
    await at(MINUTE + HOUR, { favoriteColor: 'teal' })
    expect(logs.filter((l) => l.property === 'favoriteColor')).toHaveLength(2)
  })
})
