// The client and queue settings read from the environment: RELAY_TRUST_PROXY as proxy hops
// (true / false still work), RELAY_MAX_QUEUE, and their checks.
import { describe, expect, it } from 'vitest'
import { ConfigError, configFromEnv, resolveConfig } from '../src/config'

const resolved = (env: Record<string, string>) => resolveConfig(configFromEnv(env))

describe('client and queue settings', () => {
  it('reads RELAY_TRUST_PROXY as a number of hops; true is 1, false is 0', () => {
    expect(resolved({}).trustProxy).toBe(0)
    expect(resolved({ RELAY_TRUST_PROXY: '2' }).trustProxy).toBe(2)
    expect(resolved({ RELAY_TRUST_PROXY: 'true' }).trustProxy).toBe(1)
    expect(resolved({ RELAY_TRUST_PROXY: 'false' }).trustProxy).toBe(0)
    expect(resolveConfig({ trustProxy: true }).trustProxy).toBe(1)
    expect(() => resolved({ RELAY_TRUST_PROXY: 'leftmost' })).toThrow(ConfigError)
    expect(() => resolved({ RELAY_TRUST_PROXY: '-1' })).toThrow(/RELAY_TRUST_PROXY/)
  })

  it('reads RELAY_MAX_QUEUE, 100000 by default', () => {
    expect(resolved({}).maxQueue).toBe(100_000)
    expect(resolved({ RELAY_MAX_QUEUE: '500' }).maxQueue).toBe(500)
    expect(() => resolved({ RELAY_MAX_QUEUE: '0' })).toThrow(/maxQueue/)
  })
})
