import { LoopsApiError } from '../errors.js'
import type { JsonObject } from '../types.js'
import { normalizeEmail } from '../values.js'
import { upsert } from './contacts.js'
import { type ApiContext, type ApiResult, checkIdempotency } from './context.js'

/** GET /v1/api-key (auth already passed by the time a handler runs). */
export function apiKey(ctx: ApiContext): ApiResult {
  return { body: { success: true, teamName: ctx.state.teamName } }
}

/** GET /v1/lists */
export function listMailingLists(ctx: ApiContext): ApiResult {
  return { body: ctx.state.lists }
}

/** GET /v1/contacts/properties?list=all|custom */
export function listProperties(ctx: ApiContext): ApiResult {
  const list = ctx.query.get('list') ?? 'all'
  if (list !== 'all' && list !== 'custom') {
    throw new LoopsApiError(400, 'list must be "all" or "custom".')
  }
  return { body: ctx.state.properties.list(list) }
}

/** POST /v1/contacts/properties `{ name, type }` */
export function createProperty(ctx: ApiContext): ApiResult {
  const body = ctx.body()
  ctx.state.properties.create(body.name, body.type)
  return { body: { success: true } }
}

/**
 * POST /v1/transactional: recorded, never mailed. Any transactionalId is accepted (the
 * emulator has no templates); `addToAudience: true` creates the contact.
 */
export function sendTransactional(ctx: ApiContext): ApiResult {
  const idempotencyKey = checkIdempotency(ctx)
  const body = ctx.body()
  if (typeof body.transactionalId !== 'string' || body.transactionalId === '') {
    throw new LoopsApiError(400, 'transactionalId is required.')
  }
  const email = normalizeEmail(body.email)
  if (email === undefined) throw new LoopsApiError(400, 'An email address is required.')
  const dv = body.dataVariables ?? {}
  if (typeof dv !== 'object' || dv === null || Array.isArray(dv)) {
    throw new LoopsApiError(400, 'dataVariables must be an object.')
  }
  const addToAudience = body.addToAudience === true
  if (addToAudience) upsert(ctx, email, undefined)
  if (idempotencyKey !== null) ctx.state.rememberIdempotency(idempotencyKey)
  ctx.state.recordTransactional({
    transactionalId: body.transactionalId,
    email,
    addToAudience,
    dataVariables: dv as JsonObject,
    idempotencyKey,
    receivedAt: new Date(ctx.state.now()).toISOString(),
  })
  return { body: { success: true } }
}
