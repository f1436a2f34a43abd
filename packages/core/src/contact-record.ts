// What the last identifies put on the queue for the current identity, so that an identify sends
// only what changed (docs/architecture.md, "identify"):
// - the whole contact payload: apps identify on every page load, and an identify equal to the
//   last one queued is not sent again;
// - each mailing list and `subscribed`: both host SDKs merge every stored trait into each
//   identify, so without this a list the person left through Loops' unsubscribe link would be
//   re-subscribed by the next unrelated identify. A list (or `subscribed`) goes out only when its
//   value differs from the last one sent for this identity; an explicit change still goes out.
// Recorded when the message is queued (the queue delivers at least once, across reloads and
// tabs), in storage, so it survives reloads and is shared by tabs; what a refused or dropped
// message recorded is forgotten, so it can go out again. `reset()` forgets it all.
import { contactKey } from './mapping'
import { readJson, writeJson } from './storage'
import type { ContactMessage, KeyValueStorage } from './types'

/** A recorded value and the messageId that carried it. */
type Sent<T> = [value: T, messageId: string]

interface StoredRecord {
  /** userId, else email, of the identity the lists and `subscribed` belong to. */
  identity?: string
  /** The last contact payload queued (contactKey). */
  payload?: Sent<string>
  lists?: Record<string, Sent<boolean>>
  subscribed?: Sent<boolean>
}

export interface ContactRecord {
  /**
   * false when the payload equals the last one queued (do not send). Otherwise drops from the
   * message the lists and `subscribed` that are unchanged for this identity, records what it
   * sends, and returns true.
   */
  admit(message: ContactMessage): boolean
  /** Forgets what these messages recorded (they were refused or dropped). */
  forget(messageIds: string[]): void
  clear(): void
}

/** A list's value as Loops will read it ('true'/'false' strings count); undefined if invalid. */
const asBoolean = (value: unknown): boolean | undefined =>
  value === true || value === 'true'
    ? true
    : value === false || value === 'false'
      ? false
      : undefined

/** `{ id: value }` or the old array form `[{ id | listId, subscribed }]` → [id, value] pairs. */
const listEntries = (lists: unknown): Array<[unknown, unknown]> =>
  Array.isArray(lists)
    ? lists.map((entry) => [entry?.id || entry?.listId, entry?.subscribed])
    : Object.entries(lists as object)

export function createContactRecord(
  storage: KeyValueStorage,
  storagePrefix: string,
): ContactRecord {
  const key = `${storagePrefix}:v2:contact`
  const read = (): StoredRecord => readJson<StoredRecord>(storage, key) || {}

  // Before `:v2` only the payload was recorded, as [messageId, contactKey] under `:contact`.
  const legacyKey = `${storagePrefix}:contact`
  const legacy = readJson<[string, string]>(storage, legacyKey)
  if (legacy) {
    if (!storage.getItem(key)) writeJson(storage, key, { payload: [legacy[1], legacy[0]] })
    writeJson(storage, legacyKey, undefined)
  }

  return {
    admit(message) {
      const record = read()
      // [listId, value as given, value as Loops reads it]; the dedupe compares Loops' reading.
      const entries = message.mailingLists
        ? listEntries(message.mailingLists).map(([listId, value]) => [
            listId,
            value,
            asBoolean(value),
          ])
        : []
      const asRead = Object.fromEntries(
        entries.map(([listId, value, wanted]) => [listId, wanted ?? value]),
      )
      const payload = contactKey({ ...message, mailingLists: message.mailingLists && asRead })
      if (record.payload?.[0] === payload) return false
      const identity = message.userId || message.email
      const sameIdentity = record.identity === identity
      const lists = (sameIdentity && record.lists) || {}
      let subscribed = sameIdentity ? record.subscribed : undefined
      if (message.mailingLists) {
        const changed: Record<string, unknown> = {}
        for (const [listId, value, wanted] of entries) {
          if (typeof listId !== 'string' || (wanted !== undefined && lists[listId]?.[0] === wanted))
            continue
          changed[listId] = value // an invalid value too: the relay drops it and says so
          if (wanted !== undefined) lists[listId] = [wanted as boolean, message.messageId]
        }
        if (Object.keys(changed)[0])
          message.mailingLists = changed as ContactMessage['mailingLists']
        else delete message.mailingLists
      }
      if (message.subscribed !== undefined) {
        if (subscribed?.[0] === message.subscribed) delete message.subscribed
        else subscribed = [message.subscribed, message.messageId]
      }
      writeJson(storage, key, {
        identity,
        payload: [payload, message.messageId],
        lists,
        subscribed,
      })
      return true
    },
    forget(messageIds) {
      const record = read()
      const before = JSON.stringify(record)
      const forgotten = (sent?: Sent<unknown>) => !!sent && messageIds.includes(sent[1])
      if (forgotten(record.payload)) record.payload = undefined
      if (forgotten(record.subscribed)) record.subscribed = undefined
      for (const listId in record.lists)
        if (forgotten(record.lists[listId])) delete record.lists[listId]
      if (JSON.stringify(record) !== before) writeJson(storage, key, record)
    },
    clear: () => writeJson(storage, key, undefined),
  }
}
