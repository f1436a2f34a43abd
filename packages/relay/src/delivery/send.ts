// One planned group → one Loops call: an event with its messageId as Idempotency-Key, or one
// contact update built from one or more consecutive updates of the same contact.
import type { WireMessage } from '@loops-cdp/core/protocol'
import type { LoopsClient, LoopsContactBody, LoopsResult } from '../loops-types'
import { type ContactWire, toContactBody, toEventBody } from '../to-loops'

export function sendGroup(
  loops: LoopsClient,
  messages: readonly WireMessage[],
): Promise<LoopsResult> {
  const [first] = messages
  if (!first) throw new RangeError('sendGroup needs at least one message')
  if (first.type === 'event') return loops.sendEvent(toEventBody(first), first.messageId)
  return loops.updateContact(mergeContactBodies(messages as readonly ContactWire[]))
}

/**
 * Later updates win property by property, as if Loops had applied them one after another;
 * mailing lists merge per list, and `subscribed` keeps the last value that was set.
 */
export function mergeContactBodies(messages: readonly ContactWire[]): LoopsContactBody {
  const body: LoopsContactBody = {}
  let lists: Record<string, boolean> | undefined
  for (const message of messages) {
    const next = toContactBody(message)
    if (next.mailingLists) lists = { ...lists, ...next.mailingLists }
    Object.assign(body, next)
  }
  if (lists) body.mailingLists = lists
  return body
}
