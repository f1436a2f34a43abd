// The lazily created client both plugins hold (createLazyClient).
import { afterEach, describe, expect, it } from 'vitest'
import {
  createLazyClient,
  createLoopsCdp,
  InvalidOptionsError,
  type LoopsCdpError,
} from '../src/index'
import { memoryStorage } from './relay-sink'

const made: Array<{ close(): void }> = []
afterEach(() => {
  for (const client of made.splice(0)) client.close()
})

describe('createLazyClient', () => {
  it('creates the client once, on first use, and answers flush/pending before that', async () => {
    let creations = 0
    const lazy = createLazyClient(() => {
      creations++
      return createLoopsCdp(
        { relayUrl: 'http://127.0.0.1:9', flushInterval: 60_000 },
        { storage: memoryStorage() },
      )
    })
    made.push(lazy)
    expect(lazy.isCreated()).toBe(false)
    expect(lazy.pending()).toBe(0)
    await expect(lazy.flush()).resolves.toBeUndefined()
    lazy.reset() // nothing to reset yet, and no throw
    expect(creations).toBe(0)
    lazy.get().handle({ type: 'track', messageId: 't1', userId: 'u1', event: 'E' })
    expect(lazy.get()).toBe(lazy.get())
    expect([creations, lazy.isCreated(), lazy.pending()]).toEqual([1, true, 1])
    lazy.close()
    expect(lazy.isCreated()).toBe(false)
  })

  it('guard() hands what is thrown (bad options included) to onError instead of the host SDK', () => {
    const seen: LoopsCdpError[] = []
    const lazy = createLazyClient(
      () => createLoopsCdp({ relayUrl: '' }),
      (error) => seen.push(error),
    )
    expect(() => lazy.guard(() => lazy.get())).not.toThrow()
    expect(seen[0]).toBeInstanceOf(InvalidOptionsError)
    expect(() => lazy.get()).toThrow(InvalidOptionsError) // the plugins' load/init reject with it
  })
})
