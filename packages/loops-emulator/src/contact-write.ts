import type { StoredContact } from './contacts.js'
import { LoopsApiError } from './errors.js'
import { type PropertyRegistry, RESERVED_NAMES } from './properties.js'
import type { JsonObject, MailingList, PropertyType } from './types.js'
import { coerce, inferType, isScalar, type Scalar } from './values.js'

/**
 * A validated contact write. Requests are checked in full before anything changes, so a 400
 * never leaves a half-updated contact behind.
 */
export interface ContactPlan {
  sets: Array<[key: string, value: Scalar | null]>
  create: Array<{ key: string; type: PropertyType }>
  /** Custom properties the team does not have: accepted, not stored (Loops' behaviour). */
  ignored: string[]
  mailingLists: Record<string, boolean>
}

// Read-only in Loops: accepted in a body but never written.
const READ_ONLY = new Set(['optInStatus'])

export function planContactWrite(
  props: JsonObject,
  mailingLists: JsonObject[string] | undefined,
  registry: PropertyRegistry,
  lists: readonly MailingList[],
  autoProperties: boolean,
): ContactPlan {
  const plan: ContactPlan = { sets: [], create: [], ignored: [], mailingLists: {} }
  for (const [key, value] of Object.entries(props)) {
    if (RESERVED_NAMES.has(key)) {
      throw new LoopsApiError(400, `"${key}" is a reserved property name.`)
    }
    if (value !== null && !isScalar(value)) {
      throw new LoopsApiError(
        400,
        `Invalid value for property "${key}": values must be a string, number, boolean, date or null.`,
      )
    }
    const known = registry.get(key)
    if (READ_ONLY.has(key)) plan.ignored.push(key)
    else if (key === 'subscribed' && value === null) {
      throw new LoopsApiError(400, 'subscribed must be true or false.')
    } else if (known) plan.sets.push([key, value === null ? null : coerce(key, value, known.type)])
    else if (autoProperties && value !== null) {
      plan.create.push({ key, type: inferType(value) })
      plan.sets.push([key, value])
    } else plan.ignored.push(key)
  }
  plan.mailingLists = parseMailingLists(mailingLists, lists)
  return plan
}

export function parseMailingLists(
  value: JsonObject[string] | undefined,
  lists: readonly MailingList[],
): Record<string, boolean> {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new LoopsApiError(400, 'mailingLists must be an object of list ids to true or false.')
  }
  const out: Record<string, boolean> = {}
  for (const [id, subscribed] of Object.entries(value)) {
    if (typeof subscribed !== 'boolean') {
      throw new LoopsApiError(
        400,
        `Invalid value for mailing list "${id}": expected true or false.`,
      )
    }
    if (!lists.some((l) => l.id === id)) {
      throw new LoopsApiError(400, `Mailing list "${id}" not found.`)
    }
    out[id] = subscribed
  }
  return out
}

/** Applies a validated plan; `null` clears a property. */
export function applyPlan(contact: StoredContact, plan: ContactPlan, registry: PropertyRegistry) {
  for (const { key, type } of plan.create) if (!registry.get(key)) registry.create(key, type)
  for (const [key, value] of plan.sets) {
    if (key === 'firstName' || key === 'lastName') {
      contact[key] = value === null ? null : String(value)
    } else if (key === 'source' || key === 'userGroup') {
      contact[key] = value === null ? '' : String(value)
    } else if (key === 'subscribed') {
      contact.subscribed = value === true
    } else if (value === null) {
      contact.extra.delete(key)
    } else {
      contact.extra.set(key, value)
    }
  }
  for (const [id, subscribed] of Object.entries(plan.mailingLists)) {
    if (subscribed) contact.lists.add(id)
    else contact.lists.delete(id)
  }
}
