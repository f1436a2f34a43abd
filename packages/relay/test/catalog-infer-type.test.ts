// The type a created property gets from the value that introduced it.
import { describe, expect, it } from 'vitest'
import { inferPropertyType, MAX_DATE_MS, MIN_DATE_MS } from '../src/catalog/infer-type'

describe('inferPropertyType', () => {
  it('reads booleans, plain numbers and strings as themselves', () => {
    expect(inferPropertyType(true)).toBe('boolean')
    expect(inferPropertyType(0)).toBe('number')
    expect(inferPropertyType(29.99)).toBe('number')
    expect(inferPropertyType(-5)).toBe('number')
    expect(inferPropertyType('pro')).toBe('string')
    expect(inferPropertyType('')).toBe('string')
  })

  it('reads an integer ms timestamp from 2000 up to 2100 as a date, and nothing else', () => {
    expect(inferPropertyType(Date.UTC(2026, 10, 22))).toBe('date')
    expect(inferPropertyType(MIN_DATE_MS)).toBe('date')
    expect(inferPropertyType(MIN_DATE_MS - 1)).toBe('number')
    expect(inferPropertyType(MAX_DATE_MS - 1)).toBe('date')
    expect(inferPropertyType(MAX_DATE_MS)).toBe('number')
    // A seconds timestamp would land in 1970 as a Loops date: it stays a number.
    expect(inferPropertyType(1_764_000_000)).toBe('number')
    // Not an integer: an amount, not a timestamp.
    expect(inferPropertyType(1_764_000_000_000.5)).toBe('number')
  })

  it("reads Loops' date-time strings as dates; digit strings and near-misses stay strings", () => {
    for (const value of [
      '2026-11-22',
      '2026-11-22T10:00',
      '2026-11-22T10:00:00',
      '2026-11-22T10:00:00.123Z',
      '2026-11-22 10:00:00',
      '2026-11-22T10:00:00+02:00',
    ]) {
      expect(inferPropertyType(value), value).toBe('date')
    }
    for (const value of ['02134', '1764000000000', '2026-13-45', '22/11/2026', 'Nov 22, 2026']) {
      expect(inferPropertyType(value), value).toBe('string')
    }
  })

  it('gives no type to null or to values Loops cannot store', () => {
    expect(inferPropertyType(null)).toBeUndefined()
    expect(inferPropertyType(Number.NaN)).toBeUndefined()
    expect(inferPropertyType({ a: 1 })).toBeUndefined()
  })
})
