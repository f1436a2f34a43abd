// The seam between the relay's HTTP side (app.ts, relay.ts) and delivery: createRelay picks one
// DeliveryMode and hands it validated messages; the mode owns pacing, retries and outcomes.
import type { WireMessage } from '@loops-cdp/core/protocol'
import type { LoopsClient } from '../loops-types'
import type { Pacer } from '../pacer'

export type DeliveryOutcome =
  | {
      kind: 'delivered'
      messageId: string
      type: 'contact' | 'event'
      status: number
      latencyMs: number
      duplicate?: boolean
      /** How many wire messages shared this Loops call (contact updates merged into one). */
      mergedWith?: number
    }
  | {
      kind: 'retried'
      messageId: string
      type: 'contact' | 'event'
      status?: number
      reason: string
      attempt: number
      retryInMs: number
    }
  | {
      kind: 'dead-lettered'
      messageId: string
      type: 'contact' | 'event'
      status?: number
      reason: string
    }

export interface SubmitResult {
  status: 200 | 202 | 503
  retryAfterSeconds?: number
  /** With 503: what is unavailable (default `loops`); each has its own answer text. */
  unavailable?: 'loops' | 'queue_full' | 'store'
  rejected: Array<{ index: number; messageId: string; error: string }>
}

export interface DeliveryMode {
  readonly name: 'direct' | 'queue' | 'redis'
  submit(items: Array<{ index: number; message: WireMessage }>): Promise<SubmitResult>
  start(): void
  stop(): Promise<void>
  depth(): number
  /** Whether the mode can deliver now, and if not why (redis: Redis unreachable). */
  health?(): { ok: boolean; reason?: string }
  /** The pacer this mode's Loops calls take tokens from, when not the relay's own (redis). */
  readonly pacer?: Pacer
}

export interface DeliveryModeOptions {
  loops: LoopsClient
  pacer: Pacer
  onOutcome(outcome: DeliveryOutcome): void
  /**
   * Queue mode: an accepted message that was not queued again, because its id is queued
   * already or was delivered or dead-lettered within 24 h (a browser re-send after a lost
   * answer). Direct mode keeps no such record and never calls it.
   */
  onDuplicate?(message: { messageId: string; type: 'contact' | 'event' }): void
  log?: (line: Record<string, unknown>) => void
  /** Queue modes: the worker began to stall on a store error (it backs off and keeps trying). */
  onStall?(reason: string): void
}
