// Redis connections of `redis` mode. bullmq and ioredis are optional peer dependencies, loaded
// only here and only when `redis` mode is used, so an app that mounts the relay in `direct` mode
// installs neither. Two kinds of connection:
// - commands (ingest, lanes, the shared pacer): fail fast while Redis is unreachable, so the
//   batch endpoint answers 503 + Retry-After within a bounded time instead of waiting in
//   ioredis' offline queue;
// - worker (BullMQ's Worker): retries forever, so a worker waits out an outage and resumes.
import type { Redis, RedisOptions } from 'ioredis'

export type BullMQ = typeof import('bullmq')

/** redis mode was asked for, but bullmq / ioredis are not installed. */
export class RedisModeUnavailableError extends Error {
  override name = 'RedisModeUnavailableError'
  constructor(cause: unknown) {
    super(
      'redis mode needs the packages "bullmq" and "ioredis" next to @loops-cdp/relay: ' +
        `npm install bullmq ioredis (${cause instanceof Error ? cause.message : String(cause)})`,
    )
  }
}

export interface RedisModules {
  bullmq: BullMQ
  Redis: typeof Redis
}

export async function loadRedisModules(): Promise<RedisModules> {
  try {
    const [bullmq, ioredis] = await Promise.all([import('bullmq'), import('ioredis')])
    return { bullmq, Redis: ioredis.Redis }
  } catch (error) {
    throw new RedisModeUnavailableError(error)
  }
}

/** Longest a Redis command may take before ingest gives up and answers 503. */
export const COMMAND_TIMEOUT_MS = 2_000

/** Reconnect every 200 ms at first, then at most every 2 s, for ever. */
const retryStrategy = (times: number) => Math.min(times * 200, 2_000)

export function commandConnection(modules: RedisModules, url: string): Redis {
  const options: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy,
    lazyConnect: false,
    // Commands of concurrent requests issued in the same tick go out in one write.
    enableAutoPipelining: true,
  }
  return new modules.Redis(url, options)
}

export function workerConnection(modules: RedisModules, url: string): Redis {
  // BullMQ requires maxRetriesPerRequest: null for the blocking commands of a Worker.
  return new modules.Redis(url, { maxRetriesPerRequest: null, retryStrategy })
}

/** The URL without its password, for log lines and /health. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'redis (unparsable URL)'
  }
}
