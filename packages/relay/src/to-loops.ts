// Wire message → Loops request body (Loops' contacts/update and events/send). Properties are spread
// at the top level first, so the keys the message owns always win; reserved names never pass.
import {
  MESSAGE_OWNED_KEYS,
  RESERVED_PROPERTY_NAMES,
  type WireMessage,
} from '@loops-cdp/core/protocol'
import type { LoopsContactBody, LoopsEventBody, LoopsValue } from './loops-client'

export type ContactWire = Extract<WireMessage, { type: 'contact' }>
export type EventWire = Extract<WireMessage, { type: 'event' }>

/** Keys a message owns (core's list): a property of the same name is dropped, never let through. */
export const OWNED_KEYS: ReadonlySet<string> = new Set(MESSAGE_OWNED_KEYS)

/** Names Loops reserves (core's list). */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(RESERVED_PROPERTY_NAMES)

/** Contact properties as top-level keys; `null` passes (it clears the value in Loops). */
export function topLevelProperties(
  properties: Record<string, unknown> | undefined,
): Record<string, LoopsValue> {
  const out: Record<string, LoopsValue> = {}
  if (!properties) return out
  for (const [key, value] of Object.entries(properties)) {
    if (OWNED_KEYS.has(key) || RESERVED_KEYS.has(key)) continue
    if (isLoopsValue(value)) out[key] = value
  }
  return out
}

export function toContactBody(message: ContactWire): LoopsContactBody {
  const body: LoopsContactBody = topLevelProperties(message.properties)
  if (message.email !== undefined) body.email = message.email
  if (message.userId !== undefined) body.userId = message.userId
  if (message.mailingLists) body.mailingLists = booleansOnly(message.mailingLists)
  if (typeof message.subscribed === 'boolean') body.subscribed = message.subscribed
  return body
}

export function toEventBody(message: EventWire): LoopsEventBody {
  const body: LoopsEventBody = {
    ...topLevelProperties(message.contactProperties),
    eventName: message.eventName,
  }
  if (message.email !== undefined) body.email = message.email
  if (message.userId !== undefined) body.userId = message.userId
  if (message.eventProperties) {
    // Event properties take no null.
    const props: Record<string, string | number | boolean> = {}
    for (const [key, value] of Object.entries(message.eventProperties)) {
      if (value !== null && isLoopsValue(value)) props[key] = value
    }
    body.eventProperties = props
  }
  // Events carry mailing lists only if core ever puts them on the message (it does not: lists go
  // with identify only).
  const lists = (message as { mailingLists?: unknown }).mailingLists
  if (isRecord(lists)) body.mailingLists = booleansOnly(lists)
  return body
}

function isLoopsValue(value: unknown): value is LoopsValue {
  if (value === null) return true
  if (typeof value === 'number') return Number.isFinite(value)
  return typeof value === 'string' || typeof value === 'boolean'
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function booleansOnly(lists: Record<string, unknown>): Record<string, boolean> {
  const out: Record<string, boolean> = {}
  for (const [id, on] of Object.entries(lists)) if (typeof on === 'boolean') out[id] = on
  return out
}
