// What a Loops call's result means for each message in it, built here once for every delivery
// mode: the outcome the relay logs and counts, and the text the browser gets for a refusal.
// Loops' own refusal text ("Contact not found.", "Multiple contacts found …") says whether a
// person is in the audience, so it goes to the log and the dead letters only: the browser is
// told the status and nothing else.
import type { LoopsFailure, LoopsSuccess } from '../loops-types'
import type { DeliveryOutcome } from './types'

export interface MessageRef {
  messageId: string
  type: 'contact' | 'event'
}

/** The `error` of a message Loops refused, as the browser's answer carries it. */
export function refusalForBrowser(result: Pick<LoopsFailure, 'status'>): string {
  return `rejected by Loops (${result.status ?? 'no answer'})`
}

/** Every message of one successful call; merged calls say how many shared it. */
export function deliveredOutcomes(
  messages: readonly MessageRef[],
  result: LoopsSuccess,
): DeliveryOutcome[] {
  return messages.map((m) => ({
    kind: 'delivered',
    messageId: m.messageId,
    type: m.type,
    status: result.status,
    latencyMs: result.latencyMs,
    ...(result.duplicate ? { duplicate: true } : {}),
    ...(messages.length > 1 ? { mergedWith: messages.length } : {}),
  }))
}

export function retriedOutcome(
  message: MessageRef,
  result: LoopsFailure,
  retry: { attempt: number; retryInMs: number },
): DeliveryOutcome {
  return {
    kind: 'retried',
    messageId: message.messageId,
    type: message.type,
    ...(result.status !== undefined ? { status: result.status } : {}),
    reason: result.reason,
    attempt: retry.attempt,
    retryInMs: retry.retryInMs,
  }
}

/** `reason` (default: the failure's, with Loops' text) is for the log and the dead letters. */
export function deadLetteredOutcome(
  message: MessageRef,
  result: LoopsFailure,
  reason: string = result.reason,
): DeliveryOutcome {
  return {
    kind: 'dead-lettered',
    messageId: message.messageId,
    type: message.type,
    ...(result.status !== undefined ? { status: result.status } : {}),
    reason,
  }
}
