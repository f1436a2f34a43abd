// The creation lock across relay processes (redis mode): `SET key token NX PX ttl` decides who
// creates a property; the others wait for it to show up in Loops. A lock outlives a crashed
// holder by `ttlMs` only. Loaded only when REDIS_URL is used, since it needs node:net.
import { randomUUID } from 'node:crypto'
import type { CreationLock } from './creation-lock'
import { parseRedisUrl, redisCommands } from './resp'

// Deletes the key only if it still holds our token, so a late release never frees another
// holder's lock.
const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

export interface RedisCreationLockOptions {
  redisUrl: string
  /** Key prefix, so several relays (teams) can share one Redis. */
  prefix?: string
  ttlMs?: number
}

export function createRedisCreationLock(options: RedisCreationLockOptions): CreationLock {
  const target = parseRedisUrl(options.redisUrl)
  const prefix = options.prefix ?? 'loops-relay:create-property:'
  const ttl = String(options.ttlMs ?? 30_000)
  const tokens = new Map<string, string>()
  return {
    async acquire(name) {
      const token = randomUUID()
      const [reply] = await redisCommands(target, [['SET', prefix + name, token, 'NX', 'PX', ttl]])
      if (reply !== 'OK') return false
      tokens.set(name, token)
      return true
    },
    async release(name) {
      const token = tokens.get(name)
      if (token === undefined) return
      tokens.delete(name)
      await redisCommands(target, [['EVAL', RELEASE, '1', prefix + name, token]])
    },
  }
}
