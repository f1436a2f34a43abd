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

/** Contacts in creation order, indexed by email and by userId (the two ways Loops matches). */
export class ContactStore {
  private readonly byId = new Map<string, StoredContact>()
  private readonly emails = new Map<string, StoredContact>()
  private readonly userIds = new Map<string, StoredContact>()

  all(): StoredContact[] {
    return [...this.byId.values()]
  }

  get size(): number {
    return this.byId.size
  }

  byEmail(email: string): StoredContact | undefined {
    return this.emails.get(email)
  }

  byUserId(userId: string): StoredContact | undefined {
    return this.userIds.get(userId)
  }

  add(email: string | null, userId: string | null): StoredContact {
    const contact: StoredContact = {
      id: newId(),
      email: null,
      userId: null,
      firstName: null,
      lastName: null,
      source: 'API',
      subscribed: true,
      userGroup: '',
      lists: new Set(),
      extra: new Map(),
    }
    this.byId.set(contact.id, contact)
    this.link(contact, email ?? undefined, userId ?? undefined)
    return contact
  }

  /** Sets a contact's email and/or userId, keeping the indexes in step. */
  link(contact: StoredContact, email: string | undefined, userId: string | undefined): void {
    if (email !== undefined && email !== contact.email) {
      if (contact.email !== null) this.emails.delete(contact.email)
      contact.email = email
      this.emails.set(email, contact)
    }
    if (userId !== undefined && userId !== contact.userId) {
      if (contact.userId !== null) this.userIds.delete(contact.userId)
      contact.userId = userId
      this.userIds.set(userId, contact)
    }
  }

  remove(contact: StoredContact): void {
    this.byId.delete(contact.id)
    if (contact.email !== null) this.emails.delete(contact.email)
    if (contact.userId !== null) this.userIds.delete(contact.userId)
  }

  clear(): void {
    this.byId.clear()
    this.emails.clear()
    this.userIds.clear()
  }

  /**
   * Loops' matching for update and events/send: email or userId, the other
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
