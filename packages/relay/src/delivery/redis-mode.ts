// `redis` mode: the durable queue on Redis through BullMQ, so any number of relay processes and
// serverless ingest mounts share one queue, one 24 h record of handled ids and one Loops budget.
// - ingest (`submit`): new messages go into their contact lanes and become BullMQ jobs; 202 once
//   Redis has them. Redis unreachable → 503 + Retry-After within a bounded time.
// - worker: BullMQ hands out jobs (locks, stalled-job recovery when a worker dies, retries with
//   backoff); a job waits for its contact's earlier messages (redis-lanes.ts), takes a token of
//   the shared bucket (redis-pacer.ts) and makes its one Loops call.
// Events carry their messageId as Idempotency-Key and contact updates are upserts, so a call
// repeated after a crash changes nothing in Loops.
import { createHash } from 'node:crypto'
import type { WireMessage } from '@loops-cdp/core/protocol'
import type { Job, Queue, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import type { LoopsFailure } from '../loops-client'
import type { Pacer } from '../pacer'
import { type BackoffOptions, backoffDelay } from './backoff'
import { contactKeys } from './plan'
import {
  commandConnection,
  loadRedisModules,
  type RedisModules,
  redactRedisUrl,
  workerConnection,
} from './redis-connection'
import { createLanes, type LaneEntry } from './redis-lanes'
import { createRedisPacer, type RedisPacer } from './redis-pacer'
import { sendGroup } from './send'
import type { DeliveryMode, DeliveryModeOptions, SubmitResult } from './types'

export type RelayRole = 'both' | 'ingest' | 'worker'

export interface RedisModeOptions extends Omit<DeliveryModeOptions, 'pacer'> {
  redisUrl: string
  /** `ingest` never calls Loops; `worker` takes no batches; `both` does both. */
  role: RelayRole
  /** RELAY_LOOPS_RATE_LIMIT: the team's total over every process sharing the Redis. */
  loopsRateLimit: number
  /** Key prefix of everything the relay keeps in Redis. Default `loops-relay`. */
  prefix?: string
  /** Above this many queued messages `submit` answers 503 (back-pressure). Default 1,000,000. */
  maxDepth?: number
  /** Jobs a worker process runs at once. Default 8. */
  concurrency?: number
  /** Failed tries (429s not counted) before a message is dead-lettered. Default 30. */
  maxAttempts?: number
  /**
   * A job's lock; a worker that dies holding it loses the job to another worker this long
   * after (BullMQ's stalled-job check). Must exceed the Loops client timeout. Default 30 s.
   */
  lockMs?: number
  backoff?: BackoffOptions
  /** Redis became unreachable (`problem`: why; counted as a stall) or reachable again. */
  onHealth?(problem: string | undefined): void
}

export interface RedisHealth {
  ok: boolean
  reason?: string
}

export interface RedisMode extends DeliveryMode {
  readonly name: 'redis'
  /** The shared bucket: every Loops call of every process takes a token from it. */
  readonly pacer: Pacer
  health(): RedisHealth
}

interface JobData {
  message: WireMessage
  keys: string[]
  /** Must go alone: a merged call of it was rejected, so it gets its own verdict. */
  solo?: boolean
}

const QUEUE_NAME = 'deliveries'
const BUSY_RETRY_AFTER_SECONDS = 5
const REDIS_DOWN_RETRY_AFTER_SECONDS = 5
const HEALTH_CHECK_MS = 1_000
/** A job behind its contact's earlier message looks again after this (doubling, capped). */
const BLOCKED_FIRST_MS = 500
const BLOCKED_MAX_MS = 30_000
/** Dead letters (BullMQ's failed jobs) are kept this long for inspection. */
const KEEP_FAILED_SECONDS = 7 * 24 * 3600
/** How long `stop` waits for Loops calls in flight (the CLI gives up after 15 s). */
const STOP_WAIT_MS = 10_000
/** Most contact updates merged into one Loops call (as queue mode). */
const MAX_MERGE = 50

/** A retryable failure: BullMQ retries the job after `delayMs` (see backoffStrategy). */
class RetryLaterError extends Error {
  override name = 'RetryLaterError'
  constructor(
    reason: string,
    readonly delayMs: number,
  ) {
    super(reason)
  }
}

/**
 * One job per message and identity: the same messageId sent for another userId or email is a
 * different message and must not be suppressed as a duplicate.
 */
export function jobIdOf(message: WireMessage): string {
  const digest = createHash('sha256')
    .update(`${message.messageId}\n${message.userId ?? ''}\n${message.email ?? ''}`)
    .digest('hex')
  return `m${digest.slice(0, 40)}`
}

export async function createRedisMode(options: RedisModeOptions): Promise<RedisMode> {
  const modules = await loadRedisModules()
  return openRedisMode(modules, options)
}

function openRedisMode(modules: RedisModules, options: RedisModeOptions): RedisMode {
  const { bullmq } = modules
  const { onOutcome, log, role } = options
  const base = options.prefix ?? 'loops-relay'
  const prefix = `${base}:`
  const maxDepth = options.maxDepth ?? 1_000_000
  const maxAttempts = options.maxAttempts ?? 30
  const lockMs = options.lockMs ?? 30_000
  const where = redactRedisUrl(options.redisUrl)

  const redis = commandConnection(modules, options.redisUrl)
  const lanes = createLanes(redis, prefix, `${base}:${QUEUE_NAME}:`)
  const pacer: RedisPacer = createRedisPacer({
    redis,
    prefix,
    ratePerSecond: options.loopsRateLimit,
  })
  // BullMQ checks the server once when a Queue is created and keeps that answer, so the Queue is
  // made only once the connection is up (and made again if that check failed).
  let queueReady: Promise<Queue> | undefined
  const ensureQueue = (): Promise<Queue> => {
    if (queueReady) return queueReady
    const created: Queue = new bullmq.Queue(QUEUE_NAME, {
      connection: redis,
      prefix: base,
      defaultJobOptions: {
        attempts: maxAttempts,
        backoff: { type: 'loops' },
        removeOnComplete: true,
        removeOnFail: { age: KEEP_FAILED_SECONDS },
      },
    })
    created.on('error', () => undefined) // reported through health below
    const ready = created.waitUntilReady().then(
      () => created,
      async (error: unknown) => {
        queueReady = undefined
        await created.close().catch(() => undefined)
        throw error
      },
    )
    queueReady = ready
    return ready
  }
  const connected = () => redis.status === 'ready'

  // Health: one PING a second, plus ioredis' own connection events for a prompt answer.
  let problem: string | undefined = 'connecting to redis'
  let known = false // whether Redis answered or failed yet
  let closed = false
  let depth = 0
  const setProblem = (next: string | undefined) => {
    if (next === problem || closed) return // closing the connections at stop is no outage
    const was = problem
    problem = next
    // Only a change between reachable and not is news (the first answer too); a new error
    // text while down is not.
    const first = !known
    known = true
    if (!first && (next === undefined) === (was === undefined)) return
    if (next !== undefined)
      log?.({ level: 'error', msg: 'redis unreachable', redis: where, reason: next })
    else log?.({ level: 'info', msg: 'redis reachable', redis: where })
    options.onHealth?.(next)
  }
  redis.on('error', (error: Error) => setProblem(`redis unreachable: ${error.message}`))
  redis.on('close', () => setProblem(problem ?? 'redis unreachable: connection closed'))
  const check = async () => {
    // Still making the first connection: no answer yet either way (a refusal comes as 'error').
    if (!known && (redis.status === 'connecting' || redis.status === 'connect')) return
    try {
      await redis.ping()
      const queue = await ensureQueue()
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')
      depth = Object.values(counts).reduce((sum, n) => sum + n, 0)
      setProblem(undefined)
    } catch (error) {
      setProblem(`redis unreachable: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  const timer = setInterval(check, HEALTH_CHECK_MS)
  timer.unref?.()
  void check()

  let worker: Worker | undefined
  let workerRedis: Redis | undefined
  let running: Promise<void> | undefined
  const abort = new AbortController()

  async function promote(jobIds: readonly string[]): Promise<void> {
    const queue = await ensureQueue()
    for (const id of jobIds) {
      const next = await bullmq.Job.fromId(queue, id)
      // Only a delayed job needs waking; a waiting or active one runs anyway.
      if (next && (await next.isDelayed())) await next.promote().catch(() => undefined)
    }
  }

  async function process(job: Job<JobData>, token: string | undefined): Promise<string> {
    const { message, keys } = job.data
    const entry: LaneEntry = { jobId: job.id as string, keys }
    const turn = await lanes.turn(entry)
    if (turn.kind === 'done') return 'already delivered' // an earlier run finished the call
    if (turn.kind === 'wait') {
      const started = Math.max(1, job.attemptsStarted ?? 1)
      const delay = Math.min(BLOCKED_MAX_MS, BLOCKED_FIRST_MS * 2 ** Math.min(10, started - 1))
      await job.moveToDelayed(Date.now() + delay, token)
      // The job ahead may have finished between the look and the move: then nobody wakes us.
      if ((await lanes.turn(entry)).kind !== 'wait') await job.promote().catch(() => undefined)
      throw new bullmq.DelayedError()
    }
    if (!(await pacer.acquire(abort.signal))) {
      // Stopping: back to the queue untouched, for this or another worker.
      await job.moveToDelayed(Date.now(), token)
      throw new bullmq.DelayedError()
    }
    const merged = await mergeable(job.data, entry)
    const messages = [message, ...merged.map((m) => m.message)]
    const result = await sendGroup(loops(), messages)
    pacer.observe(result)
    const type = message.type
    if (result.ok) {
      await promote(
        await lanes.finish(
          entry,
          merged.map((m) => m.jobId),
        ),
      )
      for (const sent of messages) {
        onOutcome({
          kind: 'delivered',
          messageId: sent.messageId,
          type: sent.type,
          status: result.status,
          latencyMs: result.latencyMs,
          ...(result.duplicate ? { duplicate: true } : {}),
          ...(messages.length > 1 ? { mergedWith: messages.length } : {}),
        })
      }
      return 'delivered'
    }
    if (!result.retryable && messages.length > 1) {
      // One of the merged updates is bad: this one goes alone next, so only the bad one dies.
      log?.({
        level: 'warn',
        msg: 'merged contact update rejected; splitting',
        count: messages.length,
      })
      await job.updateData({ ...job.data, solo: true })
      await job.moveToDelayed(Date.now(), token)
      throw new bullmq.DelayedError()
    }
    const attempt = job.attemptsMade + 1
    if (!result.retryable || (result.status !== 429 && attempt >= maxAttempts)) {
      const reason = result.retryable
        ? `gave up after ${attempt} tries: ${result.reason}`
        : result.reason
      await promote(await lanes.finish(entry))
      onOutcome(dead(message, result, reason))
      throw new bullmq.UnrecoverableError(reason)
    }
    const counted = result.status !== 429
    const retryInMs = backoffDelay(counted ? attempt : 1, result.retryAfterMs, options.backoff)
    onOutcome({
      kind: 'retried',
      messageId: message.messageId,
      type,
      ...(result.status !== undefined ? { status: result.status } : {}),
      reason: result.reason,
      attempt,
      retryInMs,
    })
    if (!counted) {
      // A 429 is not the message's fault: wait, without using up one of its tries.
      await job.moveToDelayed(Date.now() + retryInMs, token)
      throw new bullmq.DelayedError()
    }
    throw new RetryLaterError(result.reason, retryInMs)
  }
  const loops = () => options.loops

  /**
   * Contact updates of exactly the same identity queued right behind this one, in all its
   * lanes: they go out in the same Loops call, later values winning (see send.ts).
   */
  async function mergeable(data: JobData, entry: LaneEntry) {
    const merged: Array<{ jobId: string; message: WireMessage }> = []
    const { message } = data
    if (message.type !== 'contact' || data.solo) return merged
    for (const follower of await lanes.followers(entry, MAX_MERGE - 1)) {
      const next = JSON.parse(follower.data) as JobData
      const same =
        next.message.type === 'contact' &&
        next.message.email === message.email &&
        next.message.userId === message.userId
      if (!same || next.solo) break
      merged.push({ jobId: follower.jobId, message: next.message })
    }
    return merged
  }

  if (role !== 'ingest') {
    workerRedis = workerConnection(modules, options.redisUrl)
    workerRedis.on('error', () => undefined) // reported through health above
    worker = new bullmq.Worker<JobData, string>(QUEUE_NAME, process, {
      connection: workerRedis,
      prefix: base,
      autorun: false,
      concurrency: options.concurrency ?? 8,
      lockDuration: lockMs,
      stalledInterval: Math.max(1_000, Math.floor(lockMs / 2)),
      // A job whose worker died is not the job's fault: never dead-letter it for that.
      maxStalledCount: 1_000_000,
      settings: {
        backoffStrategy: (_attempts: number, _type?: string, error?: Error) =>
          error instanceof RetryLaterError ? error.delayMs : backoffDelay(1, undefined),
      },
    })
    let lastError = 0
    worker.on('error', (error: Error) => {
      // Repeats every reconnect attempt while Redis is down; health already says so.
      if (Date.now() - lastError < 10_000) return
      lastError = Date.now()
      log?.({ level: 'error', msg: 'redis worker error', error: error.message })
    })
    worker.on('stalled', (jobId: string) => {
      log?.({ level: 'warn', msg: 'job taken over from a stopped worker', jobId })
    })
  }

  return {
    name: 'redis',
    pacer,
    async submit(items): Promise<SubmitResult> {
      if (closed || depth >= maxDepth) {
        return { status: 503, retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS, rejected: [] }
      }
      if (!connected()) {
        // Answer now rather than wait for a reconnect: the browser keeps the batch.
        return { status: 503, retryAfterSeconds: REDIS_DOWN_RETRY_AFTER_SECONDS, rejected: [] }
      }
      const fresh: Array<{ entry: LaneEntry; message: WireMessage }> = []
      const duplicates: WireMessage[] = []
      const inBatch = new Set<string>()
      for (const { message } of items) {
        const jobId = jobIdOf(message)
        if (inBatch.has(jobId)) duplicates.push(message)
        else {
          inBatch.add(jobId)
          fresh.push({ entry: { jobId, keys: contactKeys(message) }, message })
        }
      }
      try {
        const isNew = await lanes.admit(fresh.map((f) => f.entry))
        const jobs = fresh.filter((_, i) => isNew[i])
        for (const [i, f] of fresh.entries()) if (!isNew[i]) duplicates.push(f.message)
        if (jobs.length > 0) {
          const queue = await ensureQueue()
          await queue.addBulk(
            jobs.map(({ entry, message }) => ({
              name: message.type,
              data: { message, keys: [...entry.keys] } satisfies JobData,
              opts: { jobId: entry.jobId },
            })),
          )
          depth += jobs.length
        }
      } catch (error) {
        // Not stored, so not accepted: the browser keeps the batch and tries again.
        const reason = error instanceof Error ? error.message : String(error)
        log?.({ level: 'error', msg: 'redis write failed', redis: where, error: reason })
        setProblem(`redis unreachable: ${reason}`)
        return { status: 503, retryAfterSeconds: REDIS_DOWN_RETRY_AFTER_SECONDS, rejected: [] }
      }
      for (const message of duplicates) {
        const duplicate = { messageId: message.messageId, type: message.type }
        log?.({ level: 'info', msg: 'duplicate skipped', ...duplicate })
        options.onDuplicate?.(duplicate)
      }
      return { status: 202, rejected: [] }
    },
    start() {
      if (!worker || running) return
      running = worker.run().catch((error: unknown) => {
        log?.({ level: 'error', msg: 'redis worker stopped', error: String(error) })
      })
    },
    async stop() {
      if (closed) return
      closed = true
      clearInterval(timer)
      abort.abort()
      // Calls in flight may finish; but while Redis is away BullMQ would wait for it for ever,
      // so every step is bounded and the connections are cut at the end.
      await within(worker?.close(), connected() ? STOP_WAIT_MS : 1_000)
      await within(running, 1_000)
      const queue = await within(
        queueReady?.catch(() => undefined),
        1_000,
      )
      await within(queue?.close(), 1_000)
      for (const connection of [redis, workerRedis]) {
        if (connection?.status === 'ready') await within(connection.quit(), 1_000)
        connection?.disconnect()
      }
    },
    depth: () => depth,
    health: () => (problem === undefined ? { ok: true } : { ok: false, reason: problem }),
  }
}

/** The promise's value, or undefined once `ms` passed (or it failed). */
async function within<T>(promise: Promise<T> | undefined, ms: number): Promise<T | undefined> {
  if (!promise) return undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  try {
    return await Promise.race([promise.catch(() => undefined), timeout])
  } finally {
    clearTimeout(timer)
  }
}

function dead(message: WireMessage, result: LoopsFailure, reason: string) {
  return {
    kind: 'dead-lettered' as const,
    messageId: message.messageId,
    type: message.type,
    ...(result.status !== undefined ? { status: result.status } : {}),
    reason,
  }
}
