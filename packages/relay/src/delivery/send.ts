// One planned group → one Loops call: an event with its messageId as Idempotency-Key, one
// contact update built from one or more consecutive updates of the same contact, or such
// updates folded into the event that follows them (plan.ts says when that is allowed).
import type { WireMessage } from '@loops-cdp/core/protocol'
import type { LoopsClient, LoopsContactBody, LoopsEventBody, LoopsResult } from '../loops-types'
import { type ContactWire, type EventWire, toContactBody, toEventBody } from '../to-loops'

export function sendGroup(
  loops: LoopsClient,
  messages: readonly WireMessage[],
): Promise<LoopsResult> {
  const last = messages[messages.length - 1]
  if (!last) throw new RangeError('sendGroup needs at least one message')
  if (last.type === 'event') {
    const updates = messages.slice(0, -1) as readonly ContactWire[]
    return loops.sendEvent(foldIntoEvent(updates, last), last.messageId)
  }
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

/**
 * The updates, then the event, as one `events/send`: the updates' properties at the top level
 * with the event's own contact properties over them (the event came later), their mailing
 * lists merged per list. Updates that carry `subscribed` never get here (store.ts).
 */
export function foldIntoEvent(updates: readonly ContactWire[], event: EventWire): LoopsEventBody {
  const eventBody = toEventBody(event)
  if (updates.length === 0) return eventBody
  // email and userId are the event's own (the planner folds only the exact same identity).
  const {
    mailingLists,
    email: _email,
    userId: _userId,
    ...properties
  } = mergeContactBodies(updates)
  const body: LoopsEventBody = { ...(properties as LoopsEventBody), ...eventBody }
  if (mailingLists || eventBody.mailingLists) {
    body.mailingLists = { ...mailingLists, ...eventBody.mailingLists }
  }
  return body
}
