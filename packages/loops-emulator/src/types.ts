/** A JSON value as parsed from a request body. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

/** A Loops mailing list, as `GET /api/v1/lists` returns it. */
export interface MailingList {
  id: string
  name: string
  description?: string | null
  isPublic?: boolean
}

export type PropertyType = 'string' | 'number' | 'boolean' | 'date'

/** A contact property, as `GET /api/v1/contacts/properties` returns it. */
export interface ContactProperty {
  key: string
  label: string
  type: PropertyType
}

export interface EmulatorOptions {
  /** The only accepted key. Without it any non-empty Bearer token is accepted. */
  apiKey?: string
  /** Requests per second per team (token bucket). 0 turns the limit off. Default 10, like Loops. */
  rateLimit?: number
  /** Mailing lists of the team. Default: a few demo lists (see README). */
  lists?: MailingList[]
  /** Create unknown custom contact properties on first use instead of ignoring them. */
  autoProperties?: boolean
  /** Custom contact properties that exist from the start. */
  properties?: Array<{ key: string; type: PropertyType; label?: string }>
  /** Team name returned by `GET /api/v1/api-key`. */
  teamName?: string
  /** Clock in epoch ms; injectable so tests can step over the 24 h idempotency window. */
  now?: () => number
  /** Cap on remembered requests/events (oldest dropped first). Default 50,000. */
  maxLogEntries?: number
}

/** A contact in the shape of Loops' find endpoint; custom properties sit at the top level. */
export interface Contact {
  id: string
  email: string | null
  firstName: string | null
  lastName: string | null
  source: string
  subscribed: boolean
  userGroup: string
  userId: string | null
  mailingLists: Record<string, true>
  optInStatus: null
  [custom: string]: string | number | boolean | null | Record<string, true>
}

/** An accepted (200) `events/send` call. */
export interface EventRecord {
  eventName: string
  email: string | null
  userId: string | null
  contactId: string
  eventProperties: Record<string, string | number | boolean>
  /** The top-level contact properties as sent, ignored ones included. */
  contactProperties: JsonObject
  /** Keys of `contactProperties` accepted but not stored (not properties of the team). */
  ignoredProperties: string[]
  mailingLists: Record<string, boolean>
  idempotencyKey: string | null
  headers: Record<string, string>
  receivedAt: string
}

/** An accepted (200) transactional send. */
export interface TransactionalRecord {
  transactionalId: string
  email: string
  addToAudience: boolean
  dataVariables: JsonObject
  idempotencyKey: string | null
  receivedAt: string
}

/** One `/api` request and the emulator's answer, 4xx/429/faults included. */
export interface RequestRecord {
  method: string
  path: string
  query: string
  status: number
  headers: Record<string, string>
  body: Json | string | null
  response: Json | string | null
  /** Custom properties accepted but not stored because they do not exist in the team. */
  ignoredProperties: string[]
  /** Set when the answer came from an injected fault. */
  fault: boolean
  /** With an `after` fault: the status of the processing the client never saw. */
  processedStatus?: number
  receivedAt: string
}

/** A queued fault rule (`POST /_emulator/faults`). */
export interface FaultRule {
  status?: 429 | 500 | 502 | 503
  times: number
  path?: string
  delayMs?: number
  body?: string | JsonObject
  /**
   * Process the request first (state changes, idempotency key used), then answer `status`
   * instead: Loops did the work and the answer was lost on the way back.
   */
  after?: boolean
}
