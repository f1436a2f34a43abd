import { LoopsApiError } from './errors.js'
import type { Json, PropertyType } from './types.js'

export type Scalar = string | number | boolean

/** Loops: "Max 500 characters per body value, including the opening and closing quotes". */
export const MAX_VALUE_CHARS = 500
export const TOO_LONG = 'Some body key or value is longer than allowable'

/** Throws 400 if any string key or value anywhere in the body breaks the 500-character rule. */
export function assertValueLengths(value: Json): void {
  if (typeof value === 'string') {
    if (value.length + 2 > MAX_VALUE_CHARS) throw new LoopsApiError(400, TOO_LONG)
  } else if (Array.isArray(value)) {
    for (const item of value) assertValueLengths(item)
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.length + 2 > MAX_VALUE_CHARS) throw new LoopsApiError(400, TOO_LONG)
      assertValueLengths(item)
    }
  }
}

export function isScalar(value: unknown): value is Scalar {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  )
}

// The ECMA-262 forms Loops lists for dates, with an optional `Z` or offset.
const DATE_RE =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/

/** A Unix timestamp in ms (number or digit string) or one of Loops' date-time strings. */
export function isDateValue(value: Scalar): boolean {
  if (typeof value === 'number') return Number.isInteger(value)
  if (typeof value !== 'string') return false
  if (/^\d+$/.test(value)) return true
  return DATE_RE.test(value) && !Number.isNaN(Date.parse(value.replace(' ', 'T')))
}

/**
 * Converts a value to a property's type the way Loops documents for events ("conversion
 * attempts are made for mismatched types"); throws 400 when no conversion exists.
 */
export function coerce(key: string, value: Scalar, type: PropertyType): Scalar {
  const fail = (): never => {
    throw new LoopsApiError(400, `Invalid value for property "${key}": expected a ${type}.`)
  }
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : String(value)
    case 'number': {
      if (typeof value === 'number') return value
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN
      return Number.isFinite(n) ? n : fail()
    }
    case 'boolean':
      if (typeof value === 'boolean') return value
      if (value === 'true' || value === 'false') return value === 'true'
      return fail()
    case 'date':
      return isDateValue(value) ? value : fail()
  }
}

/** The type `--auto-properties` gives a property it creates from a value. */
export function inferType(value: Scalar): PropertyType {
  if (typeof value === 'number') return 'number'
  if (typeof value === 'boolean') return 'boolean'
  return 'string'
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** Trimmed, lower-cased email (Loops matches emails case-insensitively), or 400. */
export function normalizeEmail(value: Json | undefined): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || !EMAIL_RE.test(value.trim())) {
    throw new LoopsApiError(400, 'Invalid email address.')
  }
  return value.trim().toLowerCase()
}

/** userId must be a non-empty string (a number is not a userId since loops-js 2.0). */
export function normalizeUserId(value: Json | undefined): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || value.trim() === '') {
    throw new LoopsApiError(400, 'userId must be a non-empty string.')
  }
  return value
}
