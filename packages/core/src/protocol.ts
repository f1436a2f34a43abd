// Wire protocol v1 (docs/protocol.md): limits and the validator the relay answers with. A separate entry
// (`@loops-cdp/core/protocol`) with no browser code; the browser path never imports it.
// The validator is total: any input gives a result, never an exception. Accepted messages are
// rebuilt from known fields only, with properties re-sanitized, so nothing else passes through.
import { normalizeMailingLists, sanitizeProperties } from './sanitize'
import type { DebugLogger, LoopsProperties, Rejection, WireMessage } from './types'

export {
  cut,
  MAX_ENTRIES,
  MAX_VALUE_LENGTH,
  MESSAGE_OWNED_KEYS,
  normalizeMailingLists,
  RESERVED_PROPERTY_NAMES,
  type SanitizeOptions,
  sanitizeProperties,
} from './sanitize'
export type * from './types'

export const PROTOCOL_LIMITS = {
  maxBatchSize: 100,
  maxBodyBytes: 512 * 1024,
  maxMessageIdLength: 100,
} as const

export type EnvelopeValidation =
  | { ok: true; messages: Array<{ index: number; message: WireMessage }>; rejected: Rejection[] }
  | { ok: false; error: string }

export type MessageValidation = { ok: true; message: WireMessage } | { ok: false; error: string }

export interface ValidateOptions {
  /** Default `PROTOCOL_LIMITS.maxBatchSize`. */
  maxBatchSize?: number
  /** Receives the sanitizer's drop lines for accepted messages. */
  log?: DebugLogger
}

type Obj = Record<string, unknown>
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const fail = (error: string) => ({ ok: false as const, error })

/** 1–100 printable ASCII characters: it becomes Loops' Idempotency-Key (max 100). */
export const isMessageId = (v: unknown): v is string =>
  typeof v === 'string' && /^[\x20-\x7e]{1,100}$/.test(v)

// The messageId to name a rejected entry by; reading it may throw (a getter, a Proxy).
const messageIdOf = (entry: unknown): unknown => {
  try {
    return isObject(entry) ? entry.messageId : undefined
  } catch {}
}

// ISO 8601 date or date-time (what Loops accepts as a date) that also parses.
const ISO =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/
const isTimestamp = (v: unknown) =>
  typeof v === 'number'
    ? Number.isFinite(v) && v >= 0
    : typeof v === 'string' && ISO.test(v) && !Number.isNaN(Date.parse(v))

/**
 * Validates a request body: the raw text (parsed here) or an already parsed value. The body
 * size limit (413) is the caller's job, before parsing. `ok: false` → answer 400 `{ error }`.
 */
export function validateEnvelope(body: unknown, options: ValidateOptions = {}): EnvelopeValidation {
  try {
    let value = body
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value)
      } catch {
        return fail('body is not valid JSON')
      }
    }
    if (!isObject(value)) return fail('body must be a JSON object')
    const { batch, sentAt } = value
    const max = options.maxBatchSize ?? PROTOCOL_LIMITS.maxBatchSize
    if (sentAt !== undefined && typeof sentAt !== 'string') return fail('sentAt must be a string')
    if (!Array.isArray(batch) || batch.length === 0) return fail('batch must be a non-empty array')
    if (batch.length > max) return fail(`batch has more than ${max} entries`)
    const messages: Array<{ index: number; message: WireMessage }> = []
    const rejected: Rejection[] = []
    for (let index = 0; index < batch.length; index++) {
      const entry: unknown = batch[index]
      const result = validateMessage(entry, options)
      if (result.ok) messages.push({ index, message: result.message })
      else {
        const id = messageIdOf(entry)
        rejected.push(
          isMessageId(id)
            ? { index, messageId: id, error: result.error }
            : { index, error: result.error },
        )
      }
    }
    return { ok: true, messages, rejected }
  } catch {
    return fail('invalid envelope') // only reachable with exotic non-JSON input (throwing getters)
  }
}

/** `name` fills a missing firstName / lastName: "Ada King Lovelace" → Ada, King Lovelace. */
export function fillNames(p: LoopsProperties): LoopsProperties {
  const [first, ...rest] = typeof p.name === 'string' ? p.name.trim().split(/\s+/) : []
  if (first && p.firstName === undefined) p.firstName = first
  if (rest[0] && p.lastName === undefined) p.lastName = rest.join(' ')
  return p
}

/**
 * Validates one batch entry (docs/protocol.md) and returns it rebuilt in Loops' terms:
 * properties sanitized, mailing lists normalized, `name` split. The browser sends traits as the
 * app passed them, so this is where Loops' value rules apply, once.
 */
export function validateMessage(
  entry: unknown,
  options: Pick<ValidateOptions, 'log'> = {},
): MessageValidation {
  try {
    if (!isObject(entry)) return fail('entry must be an object')
    const { type, messageId, timestamp, email, userId, userHash } = entry
    if (type !== 'contact' && type !== 'event') return fail('type must be "contact" or "event"')
    if (!isMessageId(messageId)) {
      return fail('messageId must be 1-100 printable ASCII characters')
    }
    if (email !== undefined && (typeof email !== 'string' || !email)) {
      return fail('email must be a non-empty string')
    }
    if (userId !== undefined && (typeof userId !== 'string' || !userId)) {
      return fail('userId must be a non-empty string')
    }
    if (email === undefined && userId === undefined) return fail('email or userId is required')
    if (timestamp !== undefined && !isTimestamp(timestamp)) {
      return fail('timestamp must be an ISO date string or epoch milliseconds')
    }
    if (userHash !== undefined && typeof userHash !== 'string') {
      return fail('userHash must be a string')
    }
    const out: Obj = { type, messageId }
    const copy = (key: string, value: unknown) => {
      if (value !== undefined) out[key] = value
    }
    copy('timestamp', timestamp)
    copy('userId', userId)
    copy('email', email)
    copy('userHash', userHash)
    const { log } = options
    const objects =
      type === 'contact'
        ? (['properties', 'mailingLists'] as const)
        : (['eventProperties', 'contactProperties'] as const)
    for (const key of objects) {
      const value = entry[key]
      if (value === undefined) continue
      if (key === 'mailingLists') {
        // The browser passes what the app gave: an object or the old array form.
        if (!isObject(value) && !Array.isArray(value)) return fail(`${key} must be an object`)
        copy(key, normalizeMailingLists(value, log))
      } else if (!isObject(value)) return fail(`${key} must be an object`)
      else if (key === 'eventProperties')
        copy(key, sanitizeProperties(value, { kind: 'event', log }))
      else copy(key, fillNames(sanitizeProperties(value, { kind: 'contact', log })))
    }
    if (type === 'contact') {
      const { subscribed } = entry
      if (subscribed !== undefined && typeof subscribed !== 'boolean') {
        return fail('subscribed must be a boolean')
      }
      copy('subscribed', subscribed)
    } else {
      const { eventName } = entry
      if (typeof eventName !== 'string' || !eventName) {
        return fail('eventName must be a non-empty string')
      }
      if (eventName.includes(':')) return fail('eventName must not contain ":"')
      out.eventName = eventName
    }
    return { ok: true, message: out as unknown as WireMessage }
  } catch {
    return fail('invalid entry')
  }
}
