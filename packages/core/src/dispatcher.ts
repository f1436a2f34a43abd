// Sends one batch to the relay (`POST {relayUrl}/v1/batch`, docs/protocol.md) and sorts the answer:
// - 2xx: delivered; each entry in `rejected` is reported (a RelayRejectedError) and never retried;
// - 413: split in halves until it fits; a single message answered 413 is dropped and reported;
// - no answer, 408, 429, 5xx: kept for a retry, after the answer's Retry-After when it has one;
// - any other status: the batch is dropped and reported (RelayHttpError, with the relay's text).
// Whatever the answer, an answered batch leaves the queue (`onAnswered`). At pagehide the request
// is a keepalive fetch, or a sendBeacon when that fails (a beacon has no answer: the batch stays
// queued until a later request is answered; delivery is at least once and the relay and Loops
// dedupe by messageId).
import { type LoopsCdpError, RelayHttpError, RelayRejectedError } from './errors'
import type { BatchResponse, DebugLogger, Rejection, WireMessage } from './types'

/** The window-shaped globals the queue uses; injectable so Node tests can fire events. */
export interface QueueGlobals {
  addEventListener?(type: string, listener: () => void): void
  removeEventListener?(type: string, listener: () => void): void
  navigator?: { onLine?: boolean; sendBeacon?(url: string, data: string): boolean }
  document?: { visibilityState?: string }
}

export interface DispatcherOptions {
  relayUrl: string
  headers?: Record<string, string>
  fetch: typeof fetch
  now: () => number
  log: DebugLogger
  globals: QueueGlobals
  report: (error: LoopsCdpError) => void
  /** The relay answered for these messages (accepted, rejected or refused): they leave the queue. */
  onAnswered: (messageIds: string[]) => void
  onDeliver?: (result: { messages: WireMessage[]; response: BatchResponse }) => void
}

/** Kept for a retry: the status (0 = no answer), and `retryAfterMs` when the relay said when. */
export interface RetryLater {
  status: number
  retryAfterMs?: number
}

export interface Dispatcher {
  /** Resolves to RetryLater when the batch is kept for a retry, else undefined. */
  send(batch: WireMessage[], keepalive?: boolean): Promise<RetryLater | undefined>
  /** Whether a message is inside a request right now. */
  isSending(messageId: string): boolean
}

/** How much of the relay's `{error}` text an error carries. */
export const MAX_RELAY_ERROR_LENGTH = 200

const isRetryable = (status: number) => !status || status > 499 || status === 408 || status === 429

/** Retry-After in seconds or as an HTTP date → ms from now; undefined when absent or unreadable. */
const retryAfter = (response: Response | undefined, now: number): number | undefined => {
  const header = response?.headers.get('retry-after')
  const delay = header ? (+header >= 0 ? +header * 1e3 : Date.parse(header) - now) : -1
  return delay >= 0 ? delay : undefined
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { log, report } = options
  const url = `${options.relayUrl}/v1/batch`
  const sending = new Set<string>()

  const deliver = (batch: WireMessage[], body: Partial<BatchResponse>) => {
    const rejected: Rejection[] = body.rejected || []
    const rejectedIds = rejected.map((rejection) => {
      const messageId = rejection.messageId ?? batch[rejection.index]?.messageId
      report(new RelayRejectedError(`${messageId}`, rejection.error))
      return messageId
    })
    const accepted = batch.filter((message) => !rejectedIds.includes(message.messageId))
    log(`delivered ${accepted.length}`)
    try {
      options.onDeliver?.({
        messages: accepted,
        response: { accepted: body.accepted ?? accepted.length, rejected },
      })
    } catch (error) {
      report(error as LoopsCdpError) // the facade's onError turns any thrown value into one
    }
  }

  const refuse = (status: number, messageIds: string[], body: { error?: unknown }) => {
    const text = typeof body.error === 'string' ? body.error.slice(0, MAX_RELAY_ERROR_LENGTH) : ''
    report(new RelayHttpError(status, messageIds, text))
  }

  const send = async (
    batch: WireMessage[],
    keepalive?: boolean,
  ): Promise<RetryLater | undefined> => {
    const messageIds = batch.map((message) => message.messageId)
    // A string body: fetch and sendBeacon label it `text/plain;charset=UTF-8` themselves, which
    // keeps the request CORS-simple (no preflight).
    const body = JSON.stringify({ sentAt: new Date(options.now()).toISOString(), batch })
    let response: Response | undefined
    for (const messageId of messageIds) sending.add(messageId)
    try {
      try {
        response = await options.fetch(url, {
          method: 'POST',
          headers: options.headers,
          body,
          keepalive,
        })
      } catch (error) {
        log('relay unreachable', error)
        // No fetch, no keepalive or over its quota: a beacon; the batch stays queued until acked.
        if (keepalive && options.globals.navigator?.sendBeacon?.(url, body)) return
      }
      const status = response?.status ?? 0
      if (status === 413 && batch[1]) {
        const half = batch.length >> 1
        return (await send(batch.slice(0, half), keepalive)) || send(batch.slice(half), keepalive)
      }
      if (isRetryable(status)) return { status, retryAfterMs: retryAfter(response, options.now()) }
      // Answered: whatever happens next, this batch leaves the queue.
      options.onAnswered(messageIds)
      // The answer's JSON: `{ accepted, rejected }`, or `{ error }` with a refusal.
      const answer = (await (response as Response).json().catch(() => 0)) || {}
      if (status > 299) refuse(status, messageIds, answer)
      else deliver(batch, answer)
    } finally {
      for (const messageId of messageIds) sending.delete(messageId)
    }
  }

  return { send, isSending: (messageId) => sending.has(messageId) }
}
