// Wire message → Loops request body. Only a mapping: Loops' rules (reserved and owned names,
// value types, lengths, no null in event properties, boolean mailing lists) were applied once,
// by core's validator, which rebuilt every message the relay accepts; policy (policy.ts) then
// removed what the operator does not allow. Contact properties are spread first, so the fields
// a message owns are written last.
import type { WireMessage } from '@loops-cdp/core/protocol'
import type { LoopsContactBody, LoopsEventBody } from './loops-types'

export type ContactWire = Extract<WireMessage, { type: 'contact' }>
export type EventWire = Extract<WireMessage, { type: 'event' }>

export function toContactBody(message: ContactWire): LoopsContactBody {
  const body: LoopsContactBody = { ...message.properties }
  if (message.email !== undefined) body.email = message.email
  if (message.userId !== undefined) body.userId = message.userId
  if (message.mailingLists) body.mailingLists = message.mailingLists
  if (message.subscribed !== undefined) body.subscribed = message.subscribed
  return body
}

export function toEventBody(message: EventWire): LoopsEventBody {
  const body: LoopsEventBody = { ...message.contactProperties, eventName: message.eventName }
  if (message.email !== undefined) body.email = message.email
  if (message.userId !== undefined) body.userId = message.userId
  if (message.eventProperties) {
    body.eventProperties = message.eventProperties as LoopsEventBody['eventProperties']
  }
  return body
}
