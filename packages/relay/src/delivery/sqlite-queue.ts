// Queue mode (CLI default): `submit` commits the batch to SQLite and answers 202; a worker
// drains it at the Loops rate. Nothing accepted is lost on a crash: 202 only once committed,
// 503 + Retry-After when the store cannot write. A re-sent message the store already has, or
// delivered within 24 h, is accepted but not queued again.
import type { BackoffOptions } from './backoff'
import { openSqliteStore } from './sqlite-store'
import type { EnqueueResult, QueueStore } from './store'
import { createStoreHealth } from './store-health'
import type { DeliveryMode, DeliveryModeOptions } from './types'
import { createWorker } from './worker'

export interface QueueModeOptions extends DeliveryModeOptions {
  /** RELAY_DATA_DIR: where `queue.db` lives. */
  dataDir: string
  synchronous?: 'normal' | 'full'
  /** How long a store write waits for a lock held elsewhere before failing. Default 5 s. */
  busyTimeoutMs?: number
  /** At this many queued messages `submit` answers 503 `queue_full` (RELAY_MAX_QUEUE). Default 100,000. */
  maxDepth?: number
  concurrency?: number
  /** Rows the worker plans over first, and at most when those are all blocked (see worker). */
  window?: number
  maxWindow?: number
  maxAttempts?: number
  backoff?: BackoffOptions
  /** Pause between the worker's tries while the store fails (see worker.ts). */
  stallBackoff?: BackoffOptions
}

export interface QueueMode extends DeliveryMode {
  readonly store: QueueStore
}

const BUSY_RETRY_AFTER_SECONDS = 5

export function createSqliteQueueMode(options: QueueModeOptions): QueueMode {
  const store = openSqliteStore({
    dataDir: options.dataDir,
    ...(options.synchronous ? { synchronous: options.synchronous } : {}),
    ...(options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {}),
  })
  return createQueueMode({ ...options, store })
}

/** Queue mode over any QueueStore (SQLite now; Redis later). */
export function createQueueMode(
  options: Omit<QueueModeOptions, 'dataDir'> & { store: QueueStore; name?: 'queue' | 'redis' },
): QueueMode {
  const { store, log } = options
  const maxDepth = options.maxDepth ?? 100_000
  const health = createStoreHealth({
    ...(options.onStall ? { onStall: options.onStall } : {}),
    ...(log ? { log } : {}),
  })
  const worker = createWorker({ ...options, health })
  let closed = false

  return {
    name: options.name ?? 'queue',
    store,
    async submit(items) {
      if (closed) {
        return {
          status: 503,
          retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS,
          unavailable: 'store',
          rejected: [],
        }
      }
      if (store.depth() >= maxDepth) {
        return {
          status: 503,
          retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS,
          unavailable: 'queue_full',
          rejected: [],
        }
      }
      let result: EnqueueResult
      try {
        result = await store.enqueue(
          items.map((item) => item.message),
          Date.now(),
        )
      } catch (error) {
        // Not stored, so not accepted: the browser keeps the batch and tries again.
        health.failed('ingest', 'enqueue', error)
        return {
          status: 503,
          retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS,
          unavailable: 'store',
          rejected: [],
        }
      }
      health.succeeded('ingest')
      // Accepted all the same (the browser must stop re-sending), but not sent to Loops again.
      for (const duplicate of result.duplicates) {
        log?.({ level: 'info', msg: 'duplicate skipped', ...duplicate })
        options.onDuplicate?.(duplicate)
      }
      if (result.added > 0) worker.poke()
      return { status: 202, rejected: [] }
    },
    start: () => worker.start(),
    async stop() {
      if (closed) return
      closed = true
      await worker.stop()
      await store.close()
    },
    depth: () => store.depth(),
    health: () => health.status(),
  }
}
