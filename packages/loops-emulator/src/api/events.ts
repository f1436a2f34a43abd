import { applyPlan, planContactWrite } from '../contact-write.js'
import { LoopsApiError } from '../errors.js'
import { redactHeaders } from '../http.js'
import type { JsonObject } from '../types.js'
import { assertValueLengths, isScalar, normalizeEmail, normalizeUserId } from '../values.js'
import { upsert } from './contacts.js'
import { type ApiContext, type ApiResult, checkIdempotency, withoutKeys } from './context.js'

const OWNED = ['email', 'userId', 'eventName', 'eventProperties', 'mailingLists'] as const

/**
 * POST /v1/events/send: matches or creates the contact like update does, applies the
 * top-level contact properties, records the event. `Idempotency-Key` reuse → 409.
 */
export function sendEvent(ctx: ApiContext): ApiResult {
  const idempotencyKey = checkIdempotency(ctx)
  const body = ctx.body()
  assertValueLengths(body)
  const eventName = parseEventName(body.eventName)
  const eventProperties = parseEventProperties(body.eventProperties)
  const email = normalizeEmail(body.email)
  const userId = normalizeUserId(body.userId)
  const { state } = ctx
  const contactProperties = withoutKeys(body, OWNED)
  const plan = planContactWrite(
    contactProperties,
    body.mailingLists,
    state.properties,
    state.lists,
    state.autoProperties,
  )
  const contact = upsert(ctx, email, userId)
  applyPlan(contact, plan, state.properties)
  ctx.ignored.push(...plan.ignored)
  if (idempotencyKey !== null) state.rememberIdempotency(idempotencyKey)
  state.recordEvent({
    eventName,
    email: email ?? null,
    userId: userId ?? null,
    contactId: contact.id,
    eventProperties,
    contactProperties,
    ignoredProperties: plan.ignored,
    mailingLists: plan.mailingLists,
    idempotencyKey,
    headers: redactHeaders(ctx.req.headers),
    receivedAt: new Date(state.now()).toISOString(),
  })
  return { body: { success: true } }
}

function parseEventName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new LoopsApiError(400, 'eventName is required.')
  }
  // https://loops.so/docs/events: custom event names "can not contain colon characters".
  if (value.includes(':')) throw new LoopsApiError(400, 'Event names cannot contain colons.')
  return value
}

/** Event property values: string, number, boolean or date; no null, objects or arrays. */
function parseEventProperties(value: unknown): Record<string, string | number | boolean> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LoopsApiError(400, 'eventProperties must be an object.')
  }
  const out: Record<string, string | number | boolean> = {}
  for (const [rawKey, item] of Object.entries(value as JsonObject)) {
    // "Empty spaces are trimmed from the beginning and end of property names."
    const key = rawKey.trim()
    if (!isScalar(item)) {
      throw new LoopsApiError(
        400,
        `Invalid value for event property "${key}": values must be a string, number, boolean or date.`,
      )
    }
    out[key] = item
  }
  return out
}
