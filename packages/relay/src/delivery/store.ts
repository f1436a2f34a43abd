// The queue's storage seam: the SQLite store implements it now; a Redis (BullMQ) store can
// implement it later without touching the worker. Every method of a store that returns is
// durable (committed) by then.
import type { WireMessage } from '@loops-cdp/core/protocol'

/**
 * How long a store remembers the ids it delivered or dead-lettered, so a browser's re-send
 * (its answer was lost) is not queued again: 24 h, as long as Loops remembers an
 * Idempotency-Key. After that a re-send is queued and delivered like a new message.
 */
export const REMEMBER_DONE_MS = 24 * 60 * 60 * 1000

export interface EnqueueResult {
  /** Rows added. */
  added: number
  /**
   * Messages not added: their id is queued already (or came twice in this call), or was
   * delivered or dead-lettered within REMEMBER_DONE_MS. They count as accepted.
   */
  duplicates: Array<{ messageId: string; type: 'contact' | 'event' }>
}

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
  /** May fold into one `events/send` with its neighbours (see isFoldable); absent = no. */
  foldable?: boolean
}

/**
 * Whether a message may share one `events/send` with others of its contact (plan.ts says
 * when that happens). Every event may carry earlier updates. An update may travel as an
 * event's contact properties and mailing lists, which `events/send` applies as
 * `contacts/update` would — but not with `subscribed`, which `events/send` does not document:
 * such an update keeps its own `contacts/update` call.
 */
export function isFoldable(message: WireMessage): boolean {
  return message.type === 'event' || message.subscribed === undefined
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
  /**
   * Appends in one transaction. A messageId already queued, or delivered or dead-lettered less
   * than REMEMBER_DONE_MS before `now`, is not added again (see EnqueueResult).
   */
  enqueue(messages: readonly WireMessage[], now: number): Promise<EnqueueResult>
  /** Rows still to deliver (leased ones included), oldest first. */
  peek(limit: number): Promise<QueuedRow[]>
  load(seqs: readonly number[]): Promise<Array<QueuedRow & { message: WireMessage }>>
  lease(seqs: readonly number[], until: number): Promise<void>
  /** Delivered: the rows leave the queue, and their ids are remembered as done at `at`. */
  ack(seqs: readonly number[], at: number): Promise<void>
  /** Back to pending after `availableAt`; `countAttempt` adds one to `attempts`. */
  retry(
    seqs: readonly number[],
    retry: { availableAt: number; reason: string; countAttempt: boolean },
  ): Promise<void>
  /** Back to pending, each to be sent on its own (a merged call of them was rejected). */
  split(seqs: readonly number[]): Promise<void>
  /** Moves the rows to the dead letters; their ids are remembered as done at `at`. */
  deadLetter(
    seqs: readonly number[],
    dead: { status?: number | undefined; reason: string; at: number },
  ): Promise<void>
  /** Forgets ids done REMEMBER_DONE_MS or longer before `now`. Returns how many. */
  prune(now: number): Promise<number>
  /** After a crash: leases of the previous run are void, so those rows are pending again. */
  recover(): Promise<number>
  deadLetters(limit?: number): Promise<DeadLetter[]>
  /** Rows still to deliver; kept in memory, so cheap. */
  depth(): number
  close(): Promise<void>
}
