// POST /v1/batch, after the origin, client-limit and body middleware: UTF-8 → JSON → batch cap →
// core's validator (it applies Loops' rules and rebuilds each message) → the client is charged
// per message → policy per message → the delivery mode. A well-formed envelope always gets
// `{ accepted, rejected }`, even when every entry is rejected. Errors are thrown as
// RelayHttpError; the app's onError answers them.
import { type Rejection, validateEnvelope, type WireMessage } from '@loops-cdp/core/protocol'
import type { Context } from 'hono'
import type { RelayConfig } from './config'
import type { SubmitResult } from './delivery/types'
import type { RelayEnv } from './http-env'
import { RelayHttpError, retryLater } from './http-error'
import { describeError, type RelayLogger } from './log'
import type { RelayMetrics } from './metrics'
import type { Policy } from './policy'

export interface BatchDeps {
  config: Pick<RelayConfig, 'maxBatch' | 'debug'>
  policy: Policy
  metrics: RelayMetrics
  logger: RelayLogger
  /** Hands accepted messages to the delivery mode; may throw (the client then retries). */
  submit(items: Array<{ index: number; message: WireMessage }>): Promise<SubmitResult>
  /** Status for an envelope whose messages were all rejected (200 direct, 202 queue). */
  emptyStatus: 200 | 202
}

/** The 503 texts say what is unavailable: the client's retry is the same, an operator's fix not. */
const UNAVAILABLE: Record<NonNullable<SubmitResult['unavailable']>, string> = {
  loops: 'Loops is unavailable or throttled, retry later',
  queue_full: 'Relay queue is full, retry later',
  store: 'Delivery is unavailable, retry later',
}

export function createBatchHandler(deps: BatchDeps) {
  const { config, metrics, logger } = deps

  function parse(bytes: Uint8Array): unknown {
    let text: string
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    } catch {
      throw new RelayHttpError(400, 'Body is not valid UTF-8')
    }
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw new RelayHttpError(400, 'Body is not valid JSON')
    }
  }

  async function submit(items: Array<{ index: number; message: WireMessage }>) {
    if (items.length === 0) return { status: deps.emptyStatus, rejected: [] } as SubmitResult
    let result: SubmitResult
    try {
      result = await deps.submit(items)
    } catch (error) {
      logger.log('error', 'submit failed', { error: describeError(error) })
      throw retryLater(503, UNAVAILABLE.store, 5)
    }
    if (result.status === 503) {
      throw retryLater(
        503,
        UNAVAILABLE[result.unavailable ?? 'loops'],
        result.retryAfterSeconds ?? 5,
      )
    }
    return result
  }

  return async (c: Context<RelayEnv>): Promise<Response> => {
    const body = parse(c.var.body)
    // Too many entries is a size problem like a too-large body: 413, so the client splits it.
    const batch = (body as { batch?: unknown } | null)?.batch
    if (Array.isArray(batch) && batch.length > config.maxBatch) {
      throw new RelayHttpError(413, `batch has more than ${config.maxBatch} entries`)
    }
    // Drop lines name the key and the reason; the value (personal data) stays out of the log.
    const log = config.debug ? (msg: string) => logger.log('debug', msg) : undefined
    const validation = validateEnvelope(body, { maxBatchSize: config.maxBatch, log })
    if (!validation.ok) throw new RelayHttpError(400, validation.error)

    const total = validation.messages.length + validation.rejected.length
    c.var.chargeClient(total, (body as { anonymousId?: unknown }).anonymousId)

    const rejected: Rejection[] = [...validation.rejected]
    if (validation.rejected.length > 0) metrics.rejected('invalid', validation.rejected.length)
    const items: Array<{ index: number; message: WireMessage }> = []
    for (const { index, message } of validation.messages) {
      const verdict = await deps.policy.apply(message)
      if (!verdict.ok) {
        rejected.push({ index, messageId: message.messageId, error: verdict.error })
        metrics.rejected(verdict.reason)
        continue
      }
      for (const drop of verdict.dropped) metrics.policyDrop(drop)
      items.push({ index, message: verdict.message })
    }

    const result = await submit(items)
    const refused = new Set(result.rejected.map((r) => r.index))
    for (const r of result.rejected) rejected.push({ ...r })
    if (result.rejected.length > 0) metrics.rejected('loops_rejected', result.rejected.length)
    for (const { index, message } of items) {
      if (!refused.has(index)) metrics.accepted(message.type)
    }
    rejected.sort((a, b) => a.index - b.index)
    return c.json({ accepted: items.length - refused.size, rejected }, result.status)
  }
}
