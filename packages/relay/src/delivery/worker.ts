// Drains a QueueStore into Loops at the pacer's rate: plan (per-contact order, merging,
// folding) → lease → token → call → ack, retry with backoff, split a rejected merge, or
// dead-letter. A store that fails (disk full, locked, read-only) stalls the loop, never ends
// it: it backs off and tries again until the store works, and StoreHealth says why meanwhile.
import { type BackoffOptions, backoffDelay } from './backoff'
import { deadLetteredOutcome, deliveredOutcomes, retriedOutcome } from './outcomes'
import { planGroups } from './plan'
import { sendGroup } from './send'
import type { QueuedRow, QueueStore } from './store'
import { createStoreHealth, type StoreHealth } from './store-health'
import type { DeliveryModeOptions } from './types'

export interface WorkerOptions extends DeliveryModeOptions {
  store: QueueStore
  /** Loops calls in flight at once. Default 8 (Loops answers in ~100–500 ms at 10/s). */
  concurrency?: number
  /** Rows the planner looks at first. Default 1000. */
  window?: number
  /** Rows it looks at when the first ones are all blocked. Default 64,000. */
  maxWindow?: number
  /** Failed tries (429s not counted) before a message is dead-lettered. Default 30. */
  maxAttempts?: number
  /** A lease outlives a hung call by this much; must exceed the client timeout. Default 60 s. */
  leaseMs?: number
  backoff?: BackoffOptions
  /** Pause between tries while the store fails. Default 500 ms doubling up to 30 s. */
  stallBackoff?: BackoffOptions
  /** Shared with ingest (queue mode); the worker makes its own when absent. */
  health?: StoreHealth
}

export interface Worker {
  start(): void
  /** Wakes the loop (new rows were queued). */
  poke(): void
  /** Stops taking new work and waits for calls in flight. */
  stop(): Promise<void>
  inFlight(): number
  readonly health: StoreHealth
}

const IDLE_POLL_MS = 1000
/** How often the loop forgets ids done more than REMEMBER_DONE_MS ago (one indexed DELETE). */
const PRUNE_EVERY_MS = 60_000

export function createWorker(options: WorkerOptions): Worker {
  const { store, loops, pacer, onOutcome, log } = options
  const concurrency = options.concurrency ?? 8
  const window = options.window ?? 1000
  const maxWindow = Math.max(window, options.maxWindow ?? 64_000)
  const maxAttempts = options.maxAttempts ?? 30
  const leaseMs = options.leaseMs ?? 60_000
  const stallBackoff = { baseMs: 500, capMs: 30_000, ...options.stallBackoff }
  const health =
    options.health ??
    createStoreHealth({
      ...(options.onStall ? { onStall: options.onStall } : {}),
      ...(log ? { log } : {}),
    })
  const inflight = new Map<number, Promise<void>>() // by first seq of the group
  const busy = new Set<number>() // every seq in flight
  let running: Promise<void> | undefined
  let abort = new AbortController()
  let wake: (() => void) | undefined
  let dirty = false // a poke while the loop was busy: look again before sleeping
  let prunedAt = Number.NEGATIVE_INFINITY // first turn of the loop prunes (after a long stop)

  const poke = () => {
    dirty = true
    wake?.()
  }
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (dirty) return resolve()
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        wake = undefined
        resolve()
      }
      wake = done
    })

  /** Sleeps `ms` unless stopped; pokes do not shorten it (a stalled store is not hurried). */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const { signal } = abort
      const timer = setTimeout(done, ms)
      signal.addEventListener('abort', done, { once: true })
      function done() {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
    })

  /** The store call `call` as the worker makes it: a failure is reported, then rethrown. */
  async function use<T>(call: string, run: () => Promise<T>, write = true): Promise<T> {
    const kind = write ? 'write' : 'read'
    try {
      const result = await run()
      health.succeeded('worker', kind)
      return result
    } catch (error) {
      health.failed('worker', call, error, kind)
      throw error
    }
  }

  async function loop(): Promise<void> {
    let recovered = false
    while (!abort.signal.aborted) {
      try {
        if (!recovered) {
          // Leases of a previous run are void: those rows are pending again.
          await use('recover', () => store.recover())
          recovered = true
        }
        if (!(await turn())) break
      } catch (error) {
        // Whatever failed (the store, most likely), the loop goes on after a pause.
        if (health.failures('worker') === 0) health.failed('worker', 'loop', error)
        const attempt = health.failures('worker')
        const delay = backoffDelay(attempt, undefined, stallBackoff)
        log?.({ level: 'warn', msg: 'queue worker retrying', attempt, retryInMs: delay })
        await pause(delay)
      }
    }
  }

  /** One planning step. False when the worker is stopping. */
  async function turn(): Promise<boolean> {
    if (inflight.size >= concurrency) {
      // Wait for a call to finish (it pokes). Clear `dirty` first: an older poke must not
      // turn this wait into a spin that never yields to I/O.
      dirty = false
      await sleep(IDLE_POLL_MS)
      return true
    }
    dirty = false
    const now = Date.now()
    if (now - prunedAt >= PRUNE_EVERY_MS) {
      prunedAt = now
      await prune(now)
    }
    const ready = (r: QueuedRow) => !r.leased && !busy.has(r.seq) && r.availableAt <= now
    // Look further when the oldest rows are all blocked (one contact's long backlog, backoff),
    // so other contacts behind them still go: head-of-line blocking only up to maxWindow.
    let rows: QueuedRow[] = []
    let group: number[] | undefined
    for (let size = window; ; size *= 4) {
      rows = await use('peek', () => store.peek(size), false)
      ;[group] = planGroups(
        rows.map((r) => ({ ...r, ready: ready(r) })),
        { maxGroups: 1 },
      )
      if (group || rows.length < size || size >= maxWindow) break
    }
    if (!group) {
      await sleep(nextDueIn(rows, now))
      return true
    }
    const leased = group
    await use('lease', () => store.lease(leased, Date.now() + leaseMs))
    for (const seq of group) busy.add(seq)
    if (!(await pacer.acquire(abort.signal))) {
      await use('retry', () =>
        store.retry(leased, { availableAt: Date.now(), reason: 'stopped', countAttempt: false }),
      )
      for (const seq of group) busy.delete(seq)
      return false
    }
    const first = group[0] as number
    const call = deliver(group).catch((error: unknown) => {
      // A store failure after the call (disk): the lease lapses and the rows return.
      log?.({ level: 'error', msg: 'delivery failed', error: String(error) })
    })
    inflight.set(
      first,
      call.finally(() => {
        inflight.delete(first)
        for (const seq of leased) busy.delete(seq)
        poke()
      }),
    )
    return true
  }

  async function prune(now: number): Promise<void> {
    try {
      const forgotten = await store.prune(now)
      if (forgotten > 0) log?.({ level: 'info', msg: 'forgot delivered ids', count: forgotten })
    } catch (error) {
      // Only memory of old ids is at stake; the next minute tries again.
      log?.({ level: 'error', msg: 'pruning delivered ids failed', error: String(error) })
    }
  }

  async function deliver(group: number[]): Promise<void> {
    const rows = await use('load', () => store.load(group), false)
    if (rows.length === 0) return pacer.release()
    const result = await sendGroup(
      loops,
      rows.map((r) => r.message),
    )
    pacer.observe(result)
    const at = Date.now()
    if (result.ok) {
      const last = rows[rows.length - 1] as QueuedRow
      const updates = rows.filter((r) => r.type === 'contact')
      if (result.duplicate && last.type === 'event' && updates.length > 0) {
        // 409: Loops had this event already (an earlier try got through, its answer was
        // lost), so it did not apply the updates folded into this call: they go again, alone.
        await use('ack', () => store.ack([last.seq], at))
        await use('split', () => store.split(updates.map((r) => r.seq)))
        for (const outcome of deliveredOutcomes([last], result)) onOutcome(outcome)
        log?.({
          level: 'warn',
          msg: 'folded event was a duplicate; sending its contact updates again',
          count: updates.length,
        })
        return
      }
      await use('ack', () => store.ack(group, at))
      for (const outcome of deliveredOutcomes(rows, result)) onOutcome(outcome)
      return
    }
    if (!result.retryable && rows.length > 1) {
      // One of the merged messages is bad: send each alone so only that one is dead-lettered.
      await use('split', () => store.split(group))
      log?.({ level: 'warn', msg: 'merged contact update rejected; splitting', count: rows.length })
      return
    }
    const attempt = Math.max(...rows.map((r) => r.attempts)) + 1
    if (!result.retryable || (result.status !== 429 && attempt >= maxAttempts)) {
      const reason = result.retryable
        ? `gave up after ${attempt} tries: ${result.reason}`
        : result.reason
      await use('deadLetter', () => store.deadLetter(group, { status: result.status, reason, at }))
      for (const r of rows) onOutcome(deadLetteredOutcome(r, result, reason))
      return
    }
    const countAttempt = result.status !== 429
    const retryInMs = backoffDelay(countAttempt ? attempt : 1, result.retryAfterMs, options.backoff)
    await use('retry', () =>
      store.retry(group, { availableAt: at + retryInMs, reason: result.reason, countAttempt }),
    )
    for (const r of rows) onOutcome(retriedOutcome(r, result, { attempt, retryInMs }))
  }

  return {
    start() {
      if (running) return
      abort = new AbortController()
      // loop() catches everything itself; this is only in case it ever does not.
      running = loop().catch((error: unknown) => {
        log?.({ level: 'error', msg: 'queue worker stopped', error: String(error) })
      })
    },
    poke,
    async stop() {
      abort.abort()
      poke()
      await running
      running = undefined
      await Promise.all(inflight.values())
    },
    inFlight: () => busy.size,
    health,
  }
}

/** Sleep until the earliest backoff ends, but look again at least every second. */
function nextDueIn(rows: readonly QueuedRow[], now: number): number {
  let next = IDLE_POLL_MS
  for (const r of rows)
    if (!r.leased && r.availableAt > now) next = Math.min(next, r.availableAt - now)
  return Math.max(5, next)
}
