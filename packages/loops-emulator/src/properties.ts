import { LoopsApiError } from './errors.js'
import type { ContactProperty, PropertyType } from './types.js'

/** Loops' default contact properties and their types. */
export const DEFAULT_PROPERTIES: readonly ContactProperty[] = [
  { key: 'firstName', label: 'First Name', type: 'string' },
  { key: 'lastName', label: 'Last Name', type: 'string' },
  { key: 'email', label: 'Email', type: 'string' },
  { key: 'notes', label: 'Notes', type: 'string' },
  { key: 'source', label: 'Source', type: 'string' },
  { key: 'userGroup', label: 'User Group', type: 'string' },
  { key: 'userId', label: 'User Id', type: 'string' },
  { key: 'subscribed', label: 'Subscribed', type: 'boolean' },
  { key: 'createdAt', label: 'Created At', type: 'date' },
]

/** Names Loops refuses for properties. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'id',
  'listId',
  'softDeleteAt',
  'teamId',
  'updatedAt',
])

const TYPES: ReadonlySet<string> = new Set(['string', 'number', 'boolean', 'date'])

/** `planName` → `Plan Name`, the label Loops derives for the UI. */
export function labelFor(key: string): string {
  const spaced = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ')
  return spaced.charAt(0).toUpperCase() + spaced.slice(1)
}

/** The team's contact properties: the defaults plus custom ones created through the API. */
export class PropertyRegistry {
  private readonly custom = new Map<string, ContactProperty>()

  constructor(initial: Array<{ key: string; type: PropertyType; label?: string }> = []) {
    for (const p of initial) this.create(p.key, p.type, p.label)
  }

  get(key: string): ContactProperty | undefined {
    return DEFAULT_PROPERTIES.find((p) => p.key === key) ?? this.custom.get(key)
  }

  isCustom(key: string): boolean {
    return this.custom.has(key)
  }

  list(which: 'all' | 'custom'): ContactProperty[] {
    const custom = [...this.custom.values()]
    return which === 'custom' ? custom : [...DEFAULT_PROPERTIES, ...custom]
  }

  /** Creates a custom property with Loops' checks; throws a 400 LoopsApiError otherwise. */
  create(name: unknown, type: unknown, label?: string): ContactProperty {
    if (typeof name !== 'string' || name.trim() === '') {
      throw new LoopsApiError(400, 'A property name is required.')
    }
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
      throw new LoopsApiError(400, 'Property names must be camelCase letters and digits.')
    }
    if (RESERVED_NAMES.has(name)) {
      throw new LoopsApiError(400, `"${name}" is a reserved property name.`)
    }
    if (this.get(name) || name === 'mailingLists' || name === 'optInStatus') {
      throw new LoopsApiError(400, 'Property already exists.')
    }
    if (typeof type !== 'string' || !TYPES.has(type)) {
      throw new LoopsApiError(400, 'Property type must be string, number, boolean or date.')
    }
    const property: ContactProperty = {
      key: name,
      label: label ?? labelFor(name),
      type: type as PropertyType,
    }
    this.custom.set(name, property)
    return property
  }
}
