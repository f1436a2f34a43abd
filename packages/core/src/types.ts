// Shared types of @loops-cdp/core. The wire protocol (browser → relay) is docs/protocol.md;
// everything here is imported by the plugins and the relay, so change it with care.

/** A value Loops accepts for a contact or event property. `null` clears a contact property. */
export type LoopsValue = string | number | boolean | null

export type LoopsProperties = Record<string, LoopsValue>

/** A CDP call as an adapter hands it to core. */
export interface CdpCall {
  type: 'identify' | 'track' | 'page' | 'group' | 'alias' | 'screen'
  messageId: string
  timestamp?: string | number | Date
  userId?: string | null
  anonymousId?: string | null
  traits?: Record<string, unknown>
  event?: string
  properties?: Record<string, unknown>
  context?: { traits?: Record<string, unknown>; [key: string]: unknown }
}

/** Wire protocol v1: identify → contact message → Loops PUT /v1/contacts/update. */
export interface ContactMessage {
  type: 'contact'
  messageId: string
  timestamp?: string | number
  userId?: string
  email?: string
  properties?: LoopsProperties
  mailingLists?: Record<string, boolean>
  subscribed?: boolean
  userHash?: string
}

/** Wire protocol v1: track → event message → Loops POST /v1/events/send. */
export interface EventMessage {
  type: 'event'
  messageId: string
  timestamp?: string | number
  userId?: string
  email?: string
  eventName: string
  eventProperties?: LoopsProperties
  contactProperties?: LoopsProperties
  userHash?: string
}

export type WireMessage = ContactMessage | EventMessage

/** Body of `POST {relayUrl}/v1/batch`. */
export interface BatchEnvelope {
  sentAt?: string
  batch: WireMessage[]
}

/** One rejected entry in a relay answer. */
export interface Rejection {
  index: number
  messageId?: string
  error: string
}

/** Body of a 200/202 answer to `POST /v1/batch`. */
export interface BatchResponse {
  accepted: number
  rejected: Rejection[]
}

/** Debug logger: every drop, skip and delivery outcome goes through one of these. */
export type DebugLogger = (message: string, detail?: unknown) => void

/** Minimal synchronous key-value storage (localStorage-compatible). */
export interface KeyValueStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}
