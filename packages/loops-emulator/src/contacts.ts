import { randomBytes } from 'node:crypto'
import { LoopsApiError } from './errors.js'
import type { Contact } from './types.js'
import type { Scalar } from './values.js'

/** A contact as the emulator keeps it; `toFindShape` turns it into Loops' find shape. */
export interface StoredContact {
  id: string
  email: string | null
  userId: string | null
  firstName: string | null
  lastName: string | null
  source: string
  subscribed: boolean
  userGroup: string
  /** Subscribed mailing-list ids. */
  lists: Set<string>
  /** notes, createdAt and custom properties. */
  extra: Map<string, Scalar>
}

/** A cuid-like id, the format Loops uses for contact ids. */
export function newId(): string {
  return `c${Array.from(randomBytes(24), (b) => (b % 36).toString(36)).join('')}`
}

export class ContactStore {
  private contacts: StoredContact[] = []

  all(): StoredContact[] {
    return [...this.contacts]
  }

  byEmail(email: string): StoredContact | undefined {
    return this.contacts.find((c) => c.email === email)
  }

  byUserId(userId: string): StoredContact | undefined {
    return this.contacts.find((c) => c.userId === userId)
  }

  add(email: string | null, userId: string | null): StoredContact {
    const contact: StoredContact = {
      id: newId(),
      email,
      userId,
      firstName: null,
      lastName: null,
      source: 'API',
      subscribed: true,
      userGroup: '',
      lists: new Set(),
      extra: new Map(),
    }
    this.contacts.push(contact)
    return contact
  }

  remove(contact: StoredContact): void {
    this.contacts = this.contacts.filter((c) => c !== contact)
  }

  clear(): void {
    this.contacts = []
  }

  /**
   * Loops' matching for update and events/send (reference §6.5): email or userId, the other
   * value is set on the match, nothing matches → created; two different matches → 400.
   */
  resolve(email: string | undefined, userId: string | undefined): ResolvedContact {
    if (email === undefined && userId === undefined) {
      throw new LoopsApiError(400, 'You must provide an email or userId value.')
    }
    const byEmail = email === undefined ? undefined : this.byEmail(email)
    const byUser = userId === undefined ? undefined : this.byUserId(userId)
    if (byEmail && byUser && byEmail !== byUser) {
      throw new LoopsApiError(400, 'Multiple contacts found for the given criteria')
    }
    const found = byUser ?? byEmail
    if (found) return { contact: found, created: false }
    if (email === undefined) throw new LoopsApiError(400, 'Contact not found.')
    return { contact: null, created: true }
  }
}

export interface ResolvedContact {
  /** null: no match; the caller creates one after validating the rest of the request. */
  contact: StoredContact | null
  created: boolean
}

export function toFindShape(c: StoredContact): Contact {
  const mailingLists: Record<string, true> = {}
  for (const id of c.lists) mailingLists[id] = true
  const shape: Contact = {
    id: c.id,
    email: c.email,
    firstName: c.firstName,
    lastName: c.lastName,
    source: c.source,
    subscribed: c.subscribed,
    userGroup: c.userGroup,
    userId: c.userId,
    mailingLists,
    optInStatus: null,
  }
  for (const [key, value] of c.extra) shape[key] = value
  return shape
}
