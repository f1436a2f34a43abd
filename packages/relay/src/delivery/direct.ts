// Direct mode (serverless): a batch is forwarded to Loops before the answer. Rejected content is
// listed; when Loops is throttled or down the answer is 503 + Retry-After, and the browser keeps
// the whole batch — re-sending what already went is safe (idempotency keys, upserts).
import type { WireMessage } from '@loops-cdp/core/protocol'
import type { LoopsFailure } from '../loops-types'
import {
  deadLetteredOutcome,
  deliveredOutcomes,
  refusalForBrowser,
  retriedOutcome,
} from './outcomes'
import { planGroups } from './plan'
import { sendGroup } from './send'
import type { DeliveryMode, DeliveryModeOptions, SubmitResult } from './types'

export interface DirectModeOptions extends DeliveryModeOptions {
  /** Longest wait for a pacer token before answering 503. Default 2 s. */
  maxWaitMs?: number
  /** Retry-After (s) when throttled or Loops is down, unless Loops asked for longer. Default 3. */
  retryAfterSeconds?: number
  /** Loops calls in flight at once per batch (different contacts only). Default 4. */
  concurrency?: number
}

interface Item {
  index: number
  message: WireMessage
  solo: boolean
}

const MAX_RETRY_AFTER_SECONDS = 60

export function createDirectMode(options: DirectModeOptions): DeliveryMode {
  const { loops, pacer, onOutcome } = options
  const maxWaitMs = options.maxWaitMs ?? 2000
  const defaultRetryAfter = options.retryAfterSeconds ?? 3
  const concurrency = options.concurrency ?? 4
  const active = new Set<Promise<SubmitResult>>()
  let inFlight = 0

  async function forward(input: Array<{ index: number; message: WireMessage }>) {
    const pending = new Map<number, Item>(input.map((i) => [i.index, { ...i, solo: false }]))
    const rejected: SubmitResult['rejected'] = []
    let failure: { retryAfterMs?: number } | undefined

    const deliver = async (items: Item[]) => {
      if (failure) return
      if (!(await pacer.tryAcquire(maxWaitMs))) {
        failure = {}
        return
      }
      const result = await sendGroup(
        loops,
        items.map((i) => i.message),
      )
      pacer.observe(result)
      if (result.ok) {
        for (const i of items) pending.delete(i.index)
        for (const outcome of deliveredOutcomes(messagesOf(items), result)) onOutcome(outcome)
      } else if (result.retryable) {
        failure = {
          ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
        }
        for (const i of items) onOutcome(retried(i, result, defaultRetryAfter))
      } else if (items.length > 1) {
        for (const i of items) i.solo = true // a merged update failed: each gets its own verdict
      } else {
        for (const i of items) {
          pending.delete(i.index)
          const { messageId } = i.message
          rejected.push({ index: i.index, messageId, error: refusalForBrowser(result) })
          onOutcome(deadLetteredOutcome(i.message, result))
        }
      }
    }

    // Waves: each wave sends what per-contact order allows, until everything went or one failed.
    while (pending.size > 0 && !failure) {
      const items = [...pending.values()]
      const bySeq = new Map(items.map((i) => [i.index, i]))
      const rows = items.map((i) => ({
        seq: i.index,
        type: i.message.type,
        email: i.message.email,
        userId: i.message.userId,
        solo: i.solo,
        ready: true,
      }))
      const groups = planGroups(rows).map((g) => g.map((seq) => bySeq.get(seq) as Item))
      await runLimited(groups, concurrency, deliver)
    }

    rejected.sort((a, b) => a.index - b.index)
    if (!failure) return { status: 200, rejected } satisfies SubmitResult
    const seconds = Math.ceil((failure.retryAfterMs ?? 0) / 1000)
    const retryAfterSeconds = Math.min(
      MAX_RETRY_AFTER_SECONDS,
      Math.max(defaultRetryAfter, seconds),
    )
    return { status: 503, retryAfterSeconds, rejected } satisfies SubmitResult
  }

  return {
    name: 'direct',
    async submit(items) {
      inFlight += items.length
      const run = forward(items)
      active.add(run)
      try {
        return await run
      } finally {
        active.delete(run)
        inFlight -= items.length
      }
    },
    start() {},
    async stop() {
      await Promise.allSettled(active)
    },
    depth: () => inFlight,
  }
}

const messagesOf = (items: readonly Item[]) => items.map((i) => i.message)

/** Direct mode does not retry itself: the browser does, after Retry-After. */
function retried(item: Item, result: LoopsFailure, defaultRetryAfter: number) {
  return retriedOutcome(item.message, result, {
    attempt: 1,
    retryInMs: Math.max(result.retryAfterMs ?? 0, defaultRetryAfter * 1000),
  })
}

/** Runs `task` over `items` with at most `limit` at once. */
async function runLimited<T>(items: T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0
  const lane = async () => {
    while (next < items.length) await task(items[next++] as T)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
}
