// The persisted queue of one page load (tab), in storage, and its hand-over between tabs.
//
// Chunked layout, so that the cost of a write does not grow with the waiting queue: new calls go
// into the newest chunk while it is small, else into a chunk key of their own, and a small
// manifest lists this tab's chunks in order. Delivered messages leave by removing their chunks (a
// chunk is rewritten only when part of it was delivered). Keys, under `${storagePrefix}:v2`:
//   tabs          the lease index of tab-lease.ts
//   q:<tab>       the manifest: [chunk number, …], oldest first
//   q:<tab>:<n>   a chunk: [message, …]
// Storage is the source of truth: this tab's chunks are read again whenever its manifest is no
// longer the text this tab last wrote (another tab adopted them), so a message another tab took
// over is never sent from here.
import { QueueOverflowError } from './errors'
import { readJson, writeJson } from './storage'
import { beatAndClaim, markBeat } from './tab-lease'
import type { DebugLogger, KeyValueStorage, WireMessage } from './types'

export interface TabQueueOptions {
  storage: KeyValueStorage
  /** Namespace of the keys (`${storagePrefix}:v2:…`). */
  storagePrefix: string
  /** Beyond it the oldest messages are dropped and reported. */
  maxSize: number
  now: () => number
  log: DebugLogger
  report: (error: QueueOverflowError) => void
  /** Messages inside a request right now: never dropped on overflow (they may be delivered). */
  isSending: (messageId: string) => boolean
  /** Another tab's messages were added to this queue. */
  onAdopted: () => void
}

export interface TabQueue {
  readonly instanceId: string
  /** Every message waiting in this tab's queue, oldest first. */
  waiting(): WireMessage[]
  /** Persists new messages (at the end, or before the others when they are older: adoption). */
  add(messages: WireMessage[], older?: boolean): void
  /** Removes these messages (answered by the relay). */
  remove(messageIds: string[]): void
  /** Beats in the lease index and claims the queues of tabs that stopped beating. */
  beat(): void
  /** Lets another tab adopt this queue now (pagehide); the next beat takes it back. */
  release(): void
  /** Adopts nothing more; releases the queue. */
  close(): void
}

/**
 * New calls join the newest chunk while it holds fewer than this many messages: each write stays
 * small, and a steady stream of calls makes few keys to create and remove.
 */
const CHUNK_SIZE = 50

interface Chunk {
  number: number
  queued: WireMessage[]
}

const readArray = <T>(storage: KeyValueStorage, key: string): T[] => {
  const value = readJson<T[]>(storage, key)
  return Array.isArray(value) ? value : []
}

export function createTabQueue(options: TabQueueOptions): TabQueue {
  const { storage, now, log } = options
  const instanceId = Math.random().toString(36).slice(2)
  const base = `${options.storagePrefix}:v2`
  const indexKey = `${base}:tabs`
  const manifestKey = (tab: string) => `${base}:q:${tab}`
  const chunkKey = (tab: string, number: number) => `${base}:q:${tab}:${number}`
  let chunks: Chunk[] = [] // this tab's chunks as last read or written
  let manifestText: string | null = null // the manifest text they belong to
  let nextNumber = 0 // never reused within a page load
  let closed = false

  const readTab = (tab: string): Chunk[] =>
    readArray<number>(storage, manifestKey(tab)).map((number) => ({
      number,
      queued: readArray<WireMessage>(storage, chunkKey(tab, number)),
    }))

  const ownChunks = (): Chunk[] => {
    let text: string | null = null
    try {
      text = storage.getItem(manifestKey(instanceId))
    } catch {}
    if (text !== manifestText) {
      chunks = readTab(instanceId)
      manifestText = text
    }
    return chunks
  }

  // An empty list removes its key.
  const write = (key: string, value: unknown[]) =>
    writeJson(storage, key, value.length ? value : undefined)

  const saveManifest = (next: Chunk[]) => {
    chunks = next.filter((chunk) => chunk.queued[0])
    const numbers = chunks.map((chunk) => chunk.number)
    const text = numbers[0] === undefined ? null : JSON.stringify(numbers)
    if (text !== manifestText) write(manifestKey(instanceId), numbers)
    manifestText = text
  }

  // Rewrites (or removes) each chunk that loses a message; untouched chunks are not written.
  const without = (list: Chunk[], messageIds: Set<string>): Chunk[] =>
    list.map((chunk) => {
      const rest = chunk.queued.filter((message) => !messageIds.has(message.messageId))
      if (rest.length === chunk.queued.length) return chunk
      write(chunkKey(instanceId, chunk.number), rest)
      return { number: chunk.number, queued: rest }
    })

  const waiting = () => ownChunks().flatMap((chunk) => chunk.queued)

  const add = (added: WireMessage[], older?: boolean) => {
    if (!added[0]) return
    const current = ownChunks()
    for (const chunk of current) nextNumber = Math.max(nextNumber, chunk.number + 1)
    const last = current[current.length - 1]
    let next: Chunk[]
    if (!older && last && last.queued.length + added.length <= CHUNK_SIZE) {
      // The newest chunk still has room: rewritten (its size is bounded), no new key.
      const grown = { number: last.number, queued: last.queued.concat(added) }
      write(chunkKey(instanceId, grown.number), grown.queued)
      next = [...current.slice(0, -1), grown]
    } else {
      const chunk = { number: nextNumber++, queued: added }
      write(chunkKey(instanceId, chunk.number), added) // before the manifest names it
      next = older ? [chunk, ...current] : [...current, chunk]
    }
    // Over maxSize the oldest messages go, except those inside a request right now: they may
    // still be delivered, and reporting them dropped would count them twice.
    let excess = next.reduce((sum, each) => sum + each.queued.length, 0) - options.maxSize
    if (excess > 0) {
      const dropped: string[] = []
      for (const each of next)
        for (const message of each.queued)
          if (excess > 0 && !options.isSending(message.messageId)) {
            dropped.push(message.messageId)
            excess--
          }
      if (dropped[0]) {
        next = without(next, new Set(dropped))
        options.report(new QueueOverflowError(dropped))
      }
    }
    saveManifest(next)
  }

  const adoptTab = (ownerId: string) => {
    const theirs = readTab(ownerId)
    const adopted = theirs.flatMap((chunk) => chunk.queued)
    // Saved before theirs is removed: a crash in between duplicates (harmless) instead of losing.
    add(adopted, true)
    for (const chunk of theirs) write(chunkKey(ownerId, chunk.number), [])
    write(manifestKey(ownerId), [])
    log(`adopted ${adopted.length} from ${ownerId}`)
    options.onAdopted()
  }

  return {
    instanceId,
    waiting,
    add,
    remove: (messageIds) => saveManifest(without(ownChunks(), new Set(messageIds))),
    beat: () =>
      beatAndClaim({
        storage,
        indexKey,
        claimerId: instanceId,
        beatAt: now(),
        now,
        isLive: () => !closed,
        adopt: adoptTab,
      }),
    release: () => markBeat(storage, indexKey, instanceId, 0),
    close() {
      closed = true
      markBeat(storage, indexKey, instanceId, 0)
    },
  }
}
