// The sanitizer the relay's validator runs: turns arbitrary CDP traits/properties into flat Loops
// properties. Total: never throws, bounded in depth and work.
import { obj } from './traits'
import type { DebugLogger, LoopsProperties } from './types'

/** Names Loops does not allow for properties. */
export const RESERVED_PROPERTY_NAMES: readonly string[] = [
  'id',
  'listId',
  'softDeleteAt',
  'teamId',
  'updatedAt',
]

/**
 * Keys the message itself owns. Contact properties are spread at the top level of the Loops
 * body (contacts/update, and events/send for contactProperties), so a property with one of these
 * names could overwrite the message's own field: it is dropped from `kind: 'contact'` output.
 * `subscribed` is included so it can only travel as `ContactMessage.subscribed`, where the relay
 * policy sees it. Event properties are nested (`eventProperties`), cannot clash, and keep them.
 */
export const MESSAGE_OWNED_KEYS: readonly string[] = [
  'email',
  'userId',
  'eventName',
  'eventProperties',
  'mailingLists',
  'subscribed',
]

/** Loops caps a body value at 500 characters *including its two quotes*. */
export const MAX_VALUE_LENGTH = 498
/** Work bound: at most this many entries are visited per call (hostile input). */
export const MAX_ENTRIES = 1000

export interface SanitizeOptions {
  /** `contact`: null kept (clears in Loops), owned keys dropped. `event`: null dropped. */
  kind: 'contact' | 'event'
  log?: DebugLogger
  /** Path segments kept when flattening: 3 (default) keeps `a.b.c` → `aBC`, drops deeper. */
  maxDepth?: number
}

/** Cuts a string to Loops' limit without splitting a surrogate pair. */
export const cut = (s: string): string =>
  s.length > MAX_VALUE_LENGTH
    ? s.slice(0, (s.charCodeAt(MAX_VALUE_LENGTH - 1) & 0xfc00) === 0xd800 ? 497 : 498)
    : s

const noop = () => {}
type Obj = Record<string, unknown>

export function sanitizeProperties(
  input: unknown,
  { kind, log = noop, maxDepth = 3 }: SanitizeOptions,
): LoopsProperties {
  const out: LoopsProperties = {}
  const contact = kind === 'contact'
  let budget = MAX_ENTRIES
  const walk = (o: Obj, prefix: string, depth: number): void => {
    for (const k of Object.keys(o)) {
      // Aborts the whole walk (caught below): hostile input gets a bounded, partial result.
      if (--budget < 0) throw 'too many properties'
      // Flattening: `address.city` → `addressCity`.
      const key = prefix ? prefix + k.charAt(0).toUpperCase() + k.slice(1) : k
      let v = o[k]
      if (v instanceof Date) v = Number.isNaN(+v) ? Number.NaN : v.toISOString() // invalid: not finite
      const t = typeof v
      if (v && t === 'object' && !Array.isArray(v)) {
        if (depth < maxDepth) walk(v as Obj, key, depth + 1)
        else log(`dropped ${key}: too deep`, v)
      } else if (v !== undefined) {
        // Kept: a usable key (`__proto__` would set the result's prototype; `{_:{_proto__:1}}`
        // flattens to it), not reserved or owned, first of its name, and a Loops value. The
        // reason names the rule, never the value (the relay logs it).
        const why =
          !key || key === '__proto__' || key.length > MAX_VALUE_LENGTH
            ? 'unusable name'
            : RESERVED_PROPERTY_NAMES.includes(key)
              ? 'reserved name'
              : contact && MESSAGE_OWNED_KEYS.includes(key)
                ? 'owned by the message'
                : Object.hasOwn(out, key)
                  ? 'duplicate after flattening'
                  : v === null
                    ? contact
                      ? '' // null clears a contact property
                      : 'null in an event'
                    : t === 'number'
                      ? Number.isFinite(v)
                        ? ''
                        : 'not a finite number'
                      : t === 'string' || t === 'boolean'
                        ? ''
                        : Array.isArray(v)
                          ? 'array'
                          : t
        if (!why) {
          if (t === 'string' && (v as string).length > MAX_VALUE_LENGTH) log(`truncated ${key}`)
          out[key] = t === 'string' ? cut(v as string) : (v as LoopsProperties[string])
        } else log(`dropped ${key}: ${why}`, v)
      }
    }
  }
  const o = obj(input)
  if (o) {
    try {
      walk(o, '', 1)
    } catch (e) {
      log('sanitize stopped', e) // too many entries, a throwing getter, a hostile Proxy
    }
  } else if (input != null) log('dropped: not an object', input)
  return out
}

/**
 * Mailing lists → `{ listId: boolean }`: an object `{ id: bool | 'true' | 'false' }` or the old
 * array form `[{ id | listId, subscribed }]`. Anything else is dropped (and logged).
 * Returns undefined when no valid entry remains.
 */
export function normalizeMailingLists(
  value: unknown,
  log: DebugLogger = noop,
): Record<string, boolean> | undefined {
  let out: Record<string, boolean> | undefined
  let entries: unknown[][] = []
  try {
    entries = Array.isArray(value)
      ? value.map((e) => [get(e, 'id') || get(e, 'listId'), get(e, 'subscribed')])
      : Object.entries(obj(value) || {})
    for (const [id, v] of entries.slice(0, MAX_ENTRIES)) {
      const b = [true, 'true', false, 'false'].indexOf(v as string)
      if (typeof id === 'string' && id && id !== '__proto__' && b >= 0) {
        out = out || {}
        out[id] = b < 2
      } else log(`dropped mailing list ${id}`, v)
    }
  } catch {}
  // Nothing usable, more than the bound, or a hostile value that threw.
  if (!out || entries.length > MAX_ENTRIES) log('dropped mailingLists', value)
  return out
}

/** `o[k]` when `o` is a plain object. */
export const get = (o: unknown, k: string): unknown => obj(o)?.[k]
