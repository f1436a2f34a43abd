// The queue layout before `:v2` (releases up to 0.1.0): an index `${storagePrefix}:q` of beats,
// { [instanceId]: lastBeat }, and one JSON array of messages per instance under
// `${storagePrefix}:q:<instanceId>`. A page load of this version adopts those queues with the
// same claim protocol, so nobody's pending messages are lost on upgrade; a tab still running the
// old version keeps beating there and keeps its queue until it closes (the next page load then
// moves what it left). Once the old index is empty its key is removed, and this costs one read.

import { readJson, writeJson } from './storage'
import { beatAndClaim } from './tab-lease'
import type { DebugLogger, KeyValueStorage, WireMessage } from './types'

export interface LegacyMigrationOptions {
  storage: KeyValueStorage
  storagePrefix: string
  claimerId: string
  now: () => number
  isLive: () => boolean
  /** Receives the messages of one old queue (older than anything queued now). */
  takeOver: (messages: WireMessage[]) => void
  log: DebugLogger
}

export function migrateLegacyQueues(options: LegacyMigrationOptions): void {
  const { storage, storagePrefix, log } = options
  beatAndClaim({
    ...options,
    indexKey: `${storagePrefix}:q`,
    adopt(ownerId) {
      const key = `${storagePrefix}:q:${ownerId}`
      const messages = readJson<WireMessage[]>(storage, key)
      if (Array.isArray(messages)) options.takeOver(messages)
      writeJson(storage, key, undefined)
      log(`adopted ${Array.isArray(messages) ? messages.length : 0} from ${ownerId} (old layout)`)
    },
  })
}
