import { applyPlan, planContactWrite } from '../contact-write.js'
import { toFindShape } from '../contacts.js'
import { LoopsApiError } from '../errors.js'
import { assertValueLengths, normalizeEmail, normalizeUserId } from '../values.js'
import { type ApiContext, type ApiResult, withoutKeys } from './context.js'

const OWNED = ['email', 'userId', 'mailingLists'] as const

/** POST /v1/contacts/create: email required; 409 when the email or userId exists. */
export function createContact(ctx: ApiContext): ApiResult {
  const body = ctx.body()
  assertValueLengths(body)
  const email = normalizeEmail(body.email)
  const userId = normalizeUserId(body.userId)
  if (email === undefined) throw new LoopsApiError(400, 'An email address is required.')
  const { state } = ctx
  const plan = planContactWrite(
    withoutKeys(body, OWNED),
    body.mailingLists,
    state.properties,
    state.lists,
    state.autoProperties,
  )
  if (state.contacts.byEmail(email) || (userId && state.contacts.byUserId(userId))) {
    throw new LoopsApiError(409, 'Email or userId is already on list.')
  }
  const contact = state.contacts.add(email, userId ?? null)
  applyPlan(contact, plan, state.properties)
  ctx.ignored.push(...plan.ignored)
  return { body: { success: true, id: contact.id } }
}

/** PUT /v1/contacts/update: the upsert, with Loops' email/userId matching rules. */
export function updateContact(ctx: ApiContext): ApiResult {
  const body = ctx.body()
  assertValueLengths(body)
  const email = normalizeEmail(body.email)
  const userId = normalizeUserId(body.userId)
  const { state } = ctx
  const plan = planContactWrite(
    withoutKeys(body, OWNED),
    body.mailingLists,
    state.properties,
    state.lists,
    state.autoProperties,
  )
  const contact = upsert(ctx, email, userId)
  applyPlan(contact, plan, state.properties)
  ctx.ignored.push(...plan.ignored)
  return { body: { success: true, id: contact.id } }
}

/**
 * Finds or creates the contact for an update or event; on a match the other identifier is
 * set on it (that is how Loops changes a contact's email: userId plus the new email).
 */
export function upsert(ctx: ApiContext, email: string | undefined, userId: string | undefined) {
  const { contacts } = ctx.state
  const resolved = contacts.resolve(email, userId)
  if (!resolved.contact) return contacts.add(email ?? null, userId ?? null)
  contacts.link(resolved.contact, email, userId)
  return resolved.contact
}

/** GET /v1/contacts/find?email=… or ?userId=…: exactly one parameter; answers an array. */
export function findContact(ctx: ApiContext): ApiResult {
  const { email, userId } = oneIdentifier(ctx.query.get('email'), ctx.query.get('userId'))
  const { contacts } = ctx.state
  const found = email !== undefined ? contacts.byEmail(email) : contacts.byUserId(userId ?? '')
  return { body: found ? [toFindShape(found)] : [] }
}

/** POST /v1/contacts/delete with `{ email }` or `{ userId }`; 404 when nothing matches. */
export function deleteContact(ctx: ApiContext): ApiResult {
  const body = ctx.body()
  const pick = (v: unknown) => (typeof v === 'string' ? v : v == null ? null : String(v))
  const { email, userId } = oneIdentifier(pick(body.email), pick(body.userId))
  const { contacts } = ctx.state
  const found = email !== undefined ? contacts.byEmail(email) : contacts.byUserId(userId ?? '')
  if (!found) throw new LoopsApiError(404, 'Contact not found.')
  contacts.remove(found)
  return { body: { success: true, message: 'Contact deleted.' } }
}

function oneIdentifier(email: string | null, userId: string | null) {
  if (email !== null && userId !== null) {
    throw new LoopsApiError(400, 'Only one of email or userId may be provided.')
  }
  if (email === null && userId === null) {
    throw new LoopsApiError(400, 'An email or userId is required.')
  }
  return email !== null ? { email: normalizeEmail(email) } : { userId: normalizeUserId(userId) }
}
