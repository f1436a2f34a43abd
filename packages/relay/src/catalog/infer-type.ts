// The Loops property type a value asks for, when the relay creates a property on first use.
// Loops stores dates sent as an ms timestamp or as a date-time string; it cannot tell a
// timestamp from any other number, so the relay decides here, once, with a narrow rule.
import type { PropertyType } from './catalog-api'

/** 2000-01-01T00:00:00Z in ms: the earliest number read as a date. */
export const MIN_DATE_MS = Date.UTC(2000, 0, 1)
/** 2100-01-01T00:00:00Z in ms: numbers from here on are plain numbers again. */
export const MAX_DATE_MS = Date.UTC(2100, 0, 1)

// Loops' date-time forms (YYYY-MM-DD, then optional time with seconds and ms), with an optional
// `Z` or offset, which Loops accepts as well.
const DATE_STRING =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/

/**
 * - boolean → `boolean`
 * - a number → `date` when it is an integer ms timestamp from 2000 up to (not including) 2100
 *   (13 digits: what `Date.now()` and `getTime()` give), else `number`. Seconds timestamps
 *   (10 digits) stay numbers: Loops reads dates in ms, so one would land in 1970.
 * - a string → `date` when it is one of Loops' date-time forms and a real date (what a `Date`
 *   becomes after sanitizing), else `string`. Digit-only strings stay strings (zip codes, ids).
 * - `null` → undefined: it clears a value, so there is nothing to keep and no type to pick.
 */
export function inferPropertyType(value: unknown): PropertyType | undefined {
  if (typeof value === 'boolean') return 'boolean'
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined
    const timestamp = Number.isInteger(value) && value >= MIN_DATE_MS && value < MAX_DATE_MS
    return timestamp ? 'date' : 'number'
  }
  if (typeof value === 'string') {
    if (DATE_STRING.test(value) && !Number.isNaN(Date.parse(value.replace(' ', 'T')))) {
      return 'date'
    }
    return 'string'
  }
  return undefined
}
