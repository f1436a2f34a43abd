// The shapes a Loops call takes and gives back, shared by the client (loops-client.ts), the
// answer reader (loops-response.ts), the pacer and delivery. Types only: it imports nothing, so
// none of those modules has to import another one for a type.
import type { LoopsClientError } from './errors'

/** `x-ratelimit-limit` / `x-ratelimit-remaining` as Loops sent them (absent when missing). */
export interface RateLimitInfo {
  limit?: number
  remaining?: number
}

export interface LoopsSuccess {
  ok: true
  status: number
  latencyMs: number
  /** A 409 from events/send: the idempotency key was already used, so the event is in Loops. */
  duplicate?: boolean
  rateLimit?: RateLimitInfo
  /** `teamName` from `GET /v1/api-key`. */
  teamName?: string
}

export interface LoopsFailure {
  ok: false
  status?: number
  latencyMs: number
  retryable: boolean
  retryAfterMs?: number
  /**
   * Human-readable and key-free, with Loops' own text: for logs and dead letters only. The
   * browser gets `rejected by Loops (<status>)` instead (see delivery/outcomes.ts).
   */
  reason: string
  rateLimit?: RateLimitInfo
  error: LoopsClientError
}

export type LoopsResult = LoopsSuccess | LoopsFailure

export type LoopsValue = string | number | boolean | null

/** Body of `PUT /v1/contacts/update`: custom properties sit at the top level. */
export interface LoopsContactBody {
  email?: string
  userId?: string
  mailingLists?: Record<string, boolean>
  subscribed?: boolean
  [property: string]: LoopsValue | Record<string, boolean> | undefined
}

/** Body of `POST /v1/events/send`: contact properties sit at the top level. */
export interface LoopsEventBody {
  eventName: string
  email?: string
  userId?: string
  eventProperties?: Record<string, string | number | boolean>
  mailingLists?: Record<string, boolean>
  [property: string]: LoopsValue | Record<string, LoopsValue> | undefined
}

export interface LoopsClient {
  updateContact(body: LoopsContactBody): Promise<LoopsResult>
  sendEvent(body: LoopsEventBody, idempotencyKey: string): Promise<LoopsResult>
  testApiKey(): Promise<LoopsResult>
}
