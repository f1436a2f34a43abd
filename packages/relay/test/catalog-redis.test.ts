// Creating a property from several relay processes (redis mode): a Redis key decides who creates
// it, the others wait until it shows up in Loops. A real redis-server on a free loopback port,
// two catalogs (two processes' worth) against one emulator.
import { describe, expect, it } from 'vitest'
import { createPropertyCatalog } from '../src/catalog/catalog'
import { createCatalogApi } from '../src/catalog/catalog-api'
import { createRedisCreationLock } from '../src/catalog/redis-creation-lock'
import { parseRedisUrl, RespError, redisCommands } from '../src/catalog/resp'
import { createPacer } from '../src/pacer'
import { freePort } from './helpers/loopback'
import { startRedisServer } from './helpers/redis-server'
import { emulator, onCleanup } from './http-harness'

async function startRedis(): Promise<string> {
  const server = await startRedisServer()
  onCleanup(() => server.close())
  return server.url
}

describe('RESP client', () => {
  it('speaks to a real redis-server and reports an unreachable one as RespError', async () => {
    const url = await startRedis()
    const target = parseRedisUrl(url)
    expect(
      await redisCommands(target, [
        ['PING'],
        ['SET', 'k', 'v', 'NX'],
        ['SET', 'k', 'w', 'NX'],
        ['GET', 'k'],
      ]),
    ).toEqual(['PONG', 'OK', null, 'v'])
    const [error] = await redisCommands(target, [['NOPE']])
    expect(error).toBeInstanceOf(RespError)
    const closed = parseRedisUrl(`redis://127.0.0.1:${await freePort()}`)
    await expect(redisCommands(closed, [['PING']])).rejects.toThrow(/could not reach Redis/)
    expect(() => parseRedisUrl('rediss://127.0.0.1:6380')).toThrow(RespError)
    expect(parseRedisUrl('redis://user:p%40ss@127.0.0.1:7000/2')).toEqual({
      host: '127.0.0.1',
      port: 7000,
      username: 'user',
      password: 'p@ss',
      db: 2,
    })
  })
})

describe('property creation across processes (Redis lock)', () => {
  it('one process creates the property; the other sees it and keeps its value too', async () => {
    const redisUrl = await startRedis()
    const emu = await emulator({ properties: [] })
    const processes = [1, 2].map(() =>
      createPropertyCatalog({
        api: createCatalogApi({ apiKey: 'k', baseUrl: emu.apiUrl }),
        pacer: createPacer({ ratePerSecond: 100 }),
        log: () => {},
        createProperties: true,
        lock: createRedisCreationLock({ redisUrl }),
        lockWaitMs: 5000,
      }),
    )
    await Promise.all(processes.map((p) => p.start()))
    const results = await Promise.all(
      processes.map((p, i) => p.prepare({ email: `p${i}@example.com`, favoriteColor: 'teal' })),
    )
    expect(results.map((r) => r.ok)).toEqual([true, true])
    const creations = (await emu.requests()).filter(
      (r) => r.method === 'POST' && r.path === '/api/v1/contacts/properties',
    )
    expect(creations).toHaveLength(1)
    for (const p of processes) expect(p.snapshot().properties).toEqual({ favoriteColor: 'string' })
    // The lock is released after the creation.
    const [held] = await redisCommands(parseRedisUrl(redisUrl), [
      ['EXISTS', 'loops-relay:create-property:favoriteColor'],
    ])
    expect(held).toBe(0)
  })

  it('with Redis unreachable, the message is retried later instead of losing the value', async () => {
    const emu = await emulator({ properties: [] })
    const catalog = createPropertyCatalog({
      api: createCatalogApi({ apiKey: 'k', baseUrl: emu.apiUrl }),
      pacer: createPacer({ ratePerSecond: 100 }),
      log: () => {},
      createProperties: true,
      lock: createRedisCreationLock({ redisUrl: `redis://127.0.0.1:${await freePort()}` }),
    })
    await catalog.start()
    const result = await catalog.prepare({ email: 'a@example.com', favoriteColor: 'teal' })
    expect(result).toMatchObject({ ok: false, retryable: true })
    expect(result.ok ? '' : result.reason).toMatch(/property-creation lock/)
  })
})
