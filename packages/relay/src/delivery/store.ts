// The queue's storage seam: the SQLite store implements it now; a Redis (BullMQ) store can
// implement it later without touching the worker. Every method of a store that returns is
// durable (committed) by then.
import type { WireMessage } from '@loops-cdp/core/protocol'

export interface QueuedRow {
  seq: number
  messageId: string
  type: 'contact' | 'event'
  email?: string | undefined
  userId?: string | undefined
  /** Failed tries that count towards the dead-letter limit (429s do not count). */
  attempts: number
  /** Epoch ms before which the row is not sent (backoff). */
  availableAt: number
  /** In flight: leased by a worker and not yet acknowledged. */
  leased: boolean
  solo: boolean
}

export interface DeadLetter {
  messageId: string
  type: 'contact' | 'event'
  status?: number | undefined
  reason: string
  attempts: number
  deadAt: number
  message: WireMessage
}

export interface QueueStore {
  /** Appends in one transaction; a messageId already queued is ignored. Returns rows added. */
  enqueue(messages: readonly WireMessage[], now: number): Promise<number>
  /** Rows still to deliver (leased ones included), oldest first. */
  peek(limit: number): Promise<QueuedRow[]>
  load(seqs: readonly number[]): Promise<Array<QueuedRow & { message: WireMessage }>>
  lease(seqs: readonly number[], until: number): Promise<void>
  /** Delivered: the rows leave the queue. */
  ack(seqs: readonly number[]): Promise<void>
  /** Back to pending after `availableAt`; `countAttempt` adds one to `attempts`. */
  retry(
    seqs: readonly number[],
    retry: { availableAt: number; reason: string; countAttempt: boolean },
  ): Promise<void>
  /** Back to pending, each to be sent on its own (a merged call of them was rejected). */
  split(seqs: readonly number[]): Promise<void>
  deadLetter(
    seqs: readonly number[],
    dead: { status?: number | undefined; reason: string; at: number },
  ): Promise<void>
  /** After a crash: leases of the previous run are void, so those rows are pending again. */
  recover(): Promise<number>
  deadLetters(limit?: number): Promise<DeadLetter[]>
  /** Rows still to deliver; kept in memory, so cheap. */
  depth(): number
  close(): Promise<void>
}
