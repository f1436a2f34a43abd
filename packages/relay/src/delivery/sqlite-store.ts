// QueueStore on better-sqlite3 in WAL mode. Each method is one transaction, so whatever a
// method returned is on disk; a SIGKILL loses at most calls that had not returned yet.
// `enqueue` commits in groups: calls made in the same turn of the event loop (batches that
// arrived together under load) share one transaction, and each resolves only after it.
// Delivered and dead-lettered ids stay in `done` for REMEMBER_DONE_MS, so a browser's re-send
// of a message the relay already handled is recognised on ingest, also after a restart. A re-send
// is the same messageId for the same identity (userId and email): a messageId that another
// client reuses must not suppress that client's message.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { WireMessage } from '@loops-cdp/core/protocol'
import { openDatabase, type SqliteDatabase } from './sqlite-load'
import {
  type EnqueueResult,
  isFoldable,
  type QueuedRow,
  type QueueStore,
  REMEMBER_DONE_MS,
} from './store'

export interface SqliteStoreOptions {
  /** Directory of `queue.db` (created if missing). */
  dataDir: string
  /**
   * `normal` (default) survives a process crash — WAL commits reach the OS at once; `full`
   * also survives power loss, at an fsync per batch.
   */
  synchronous?: 'normal' | 'full'
  /** How long a write waits for another connection's lock before failing. Default 5 s. */
  busyTimeoutMs?: number
}

/** Bumped when the tables change; `migrate` brings an older queue.db up to date. */
const SCHEMA_VERSION = 1

const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  dedupe_key   TEXT    NOT NULL UNIQUE,
  message_id   TEXT    NOT NULL,
  type         TEXT    NOT NULL,
  email        TEXT,
  user_id      TEXT,
  payload      TEXT    NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  available_at INTEGER NOT NULL,
  leased_until INTEGER,
  solo         INTEGER NOT NULL DEFAULT 0,
  foldable     INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT,
  enqueued_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letters (
  seq         INTEGER PRIMARY KEY,
  message_id  TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  payload     TEXT    NOT NULL,
  status      INTEGER,
  reason      TEXT    NOT NULL,
  attempts    INTEGER NOT NULL,
  enqueued_at INTEGER NOT NULL,
  dead_at     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS done (
  dedupe_key TEXT    PRIMARY KEY,
  message_id TEXT    NOT NULL,
  at         INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS done_at ON done (at);`

interface Row {
  seq: number
  message_id: string
  type: 'contact' | 'event'
  email: string | null
  user_id: string | null
  attempts: number
  available_at: number
  leased_until: number | null
  solo: number
  foldable: number
  payload?: string
}

interface PendingEnqueue {
  messages: readonly WireMessage[]
  now: number
  resolve(result: EnqueueResult): void
  reject(error: unknown): void
}

const COLUMNS =
  'seq, message_id, type, email, user_id, attempts, available_at, leased_until, solo, foldable'
const IN_SEQS = 'seq IN (SELECT value FROM json_each(?))'

export function openSqliteStore(options: SqliteStoreOptions): QueueStore {
  mkdirSync(options.dataDir, { recursive: true })
  const db = openDatabase(join(options.dataDir, 'queue.db'))
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
  db.pragma(`busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMs ?? 5000))}`)
  migrate(db)

  // Not added when the same message is queued (UNIQUE) or was done within the window.
  const insert = db.prepare(
    `INSERT OR IGNORE INTO messages (dedupe_key, message_id, type, email, user_id, payload, foldable, available_at, enqueued_at)
     SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?
     WHERE NOT EXISTS (SELECT 1 FROM done WHERE dedupe_key = ? AND at > ?)`,
  )
  const peek = db.prepare(`SELECT ${COLUMNS} FROM messages ORDER BY seq LIMIT ?`)
  const load = db.prepare(`SELECT ${COLUMNS}, payload FROM messages WHERE ${IN_SEQS} ORDER BY seq`)
  const lease = db.prepare(`UPDATE messages SET leased_until = ? WHERE ${IN_SEQS}`)
  const ack = db.prepare(`DELETE FROM messages WHERE ${IN_SEQS}`)
  const remember = db.prepare(
    `INSERT OR REPLACE INTO done (dedupe_key, message_id, at)
     SELECT dedupe_key, message_id, ? FROM messages WHERE ${IN_SEQS}`,
  )
  const prune = db.prepare('DELETE FROM done WHERE at <= ?')
  const retry = db.prepare(
    `UPDATE messages SET attempts = attempts + ?, available_at = ?, last_error = ?, leased_until = NULL
     WHERE ${IN_SEQS}`,
  )
  const split = db.prepare(`UPDATE messages SET solo = 1, leased_until = NULL WHERE ${IN_SEQS}`)
  const bury = db.prepare(
    `INSERT OR REPLACE INTO dead_letters (seq, message_id, type, payload, status, reason, attempts, enqueued_at, dead_at)
     SELECT seq, message_id, type, payload, ?, ?, attempts, enqueued_at, ? FROM messages WHERE ${IN_SEQS}`,
  )
  const recover = db.prepare(
    'UPDATE messages SET leased_until = NULL WHERE leased_until IS NOT NULL',
  )
  const dead = db.prepare('SELECT * FROM dead_letters ORDER BY seq DESC LIMIT ?')
  let depth = (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n

  const enqueueAll = db.transaction((messages: readonly WireMessage[], now: number) => {
    const result: EnqueueResult = { added: 0, duplicates: [] }
    const since = now - REMEMBER_DONE_MS
    for (const m of messages) {
      const payload = JSON.stringify(m)
      const key = dedupeKey(m)
      const { changes } = insert.run(
        key,
        m.messageId,
        m.type,
        m.email ?? null,
        m.userId ?? null,
        payload,
        isFoldable(m) ? 1 : 0,
        now,
        now,
        key,
        since,
      )
      if (changes > 0) result.added += changes
      else result.duplicates.push({ messageId: m.messageId, type: m.type })
    }
    return result
  })
  // All or nothing: a failed commit (disk full, locked) fails every call of the group, and
  // their batches are refused (503) and sent again by the browsers.
  const enqueueGroup = db.transaction((group: readonly PendingEnqueue[]) =>
    group.map(({ messages, now }) => enqueueAll(messages, now)),
  )
  let pending: PendingEnqueue[] = []
  const commitPending = () => {
    const group = pending
    pending = []
    if (group.length === 0) return
    let results: EnqueueResult[]
    try {
      results = enqueueGroup(group)
    } catch (error) {
      for (const call of group) call.reject(error)
      return
    }
    group.forEach((call, i) => {
      const result = results[i] as EnqueueResult
      depth += result.added
      call.resolve(result)
    })
  }
  const ackAll = db.transaction((seqs: string, at: number) => {
    remember.run(at, seqs)
    return ack.run(seqs).changes
  })
  const buryAll = db.transaction(
    (seqs: string, status: number | null, reason: string, at: number) => {
      bury.run(status, reason, at, seqs)
      remember.run(at, seqs)
      return ack.run(seqs).changes
    },
  )

  return {
    enqueue(messages, now) {
      return new Promise<EnqueueResult>((resolve, reject) => {
        pending.push({ messages, now, resolve, reject })
        if (pending.length === 1) setImmediate(commitPending)
      })
    },
    async peek(limit) {
      const now = Date.now()
      return (peek.all(limit) as Row[]).map((row) => toQueued(row, now))
    },
    async load(seqs) {
      const now = Date.now()
      return (load.all(JSON.stringify(seqs)) as Row[]).map((row) => ({
        ...toQueued(row, now),
        message: JSON.parse(row.payload as string) as WireMessage,
      }))
    },
    async lease(seqs, until) {
      lease.run(until, JSON.stringify(seqs))
    },
    async ack(seqs, at) {
      depth -= ackAll(JSON.stringify(seqs), at)
    },
    async retry(seqs, { availableAt, reason, countAttempt }) {
      retry.run(countAttempt ? 1 : 0, availableAt, reason, JSON.stringify(seqs))
    },
    async split(seqs) {
      split.run(JSON.stringify(seqs))
    },
    async deadLetter(seqs, { status, reason, at }) {
      depth -= buryAll(JSON.stringify(seqs), status ?? null, reason, at)
    },
    async prune(now) {
      return prune.run(now - REMEMBER_DONE_MS).changes
    },
    async recover() {
      return recover.run().changes
    },
    async deadLetters(limit = 100) {
      return (
        dead.all(limit) as Array<Row & { status: number | null; reason: string; dead_at: number }>
      ).map((row) => ({
        messageId: row.message_id,
        type: row.type,
        status: row.status ?? undefined,
        reason: row.reason,
        attempts: row.attempts,
        deadAt: row.dead_at,
        message: JSON.parse(row.payload as string) as WireMessage,
      }))
    },
    depth: () => depth,
    async close() {
      commitPending() // calls still waiting for their group get their answer first
      if (db.open) db.close()
    },
  }
}

/** The same message: its id for the same identity, both fields exactly as sent. */
function dedupeKey(m: WireMessage): string {
  return JSON.stringify([m.messageId, m.userId ?? null, m.email ?? null])
}

/**
 * Creates the tables, or brings a queue.db of an older version up to date in one transaction:
 * version 0 keyed the queue and the done ids by messageId alone. Queued rows are kept (their
 * key is rebuilt from the columns); the done ids of version 0 cannot be re-keyed and are
 * dropped — a re-send in the next 24 h is delivered again, which Loops' idempotency key absorbs.
 */
function migrate(db: SqliteDatabase): void {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version >= SCHEMA_VERSION) {
    db.exec(SCHEMA)
    return
  }
  const hasTable = (name: string) =>
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !==
    undefined
  db.transaction(() => {
    const old = hasTable('messages')
    if (old) {
      db.exec('DROP INDEX IF EXISTS done_at')
      db.exec('ALTER TABLE messages RENAME TO messages_v0')
      if (hasTable('done')) db.exec('DROP TABLE done')
    }
    db.exec(SCHEMA)
    if (old) {
      db.exec(`INSERT INTO messages (seq, dedupe_key, message_id, type, email, user_id, payload,
                 attempts, available_at, leased_until, solo, last_error, enqueued_at)
               SELECT seq, json_array(message_id, user_id, email), message_id, type, email, user_id,
                 payload, attempts, available_at, leased_until, solo, last_error, enqueued_at
               FROM messages_v0 ORDER BY seq`)
      // Keep counting where version 0 stopped: dead letters are keyed by seq.
      const last = db
        .prepare(
          `SELECT max(coalesce((SELECT max(seq) FROM sqlite_sequence WHERE name IN ('messages', 'messages_v0')), 0),
                      coalesce((SELECT max(seq) FROM dead_letters), 0)) AS n`,
        )
        .get() as { n: number }
      db.prepare("DELETE FROM sqlite_sequence WHERE name IN ('messages', 'messages_v0')").run()
      db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('messages', ?)").run(last.n)
      db.exec('DROP TABLE messages_v0')
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`)
  })()
}

function toQueued(row: Row, now: number): QueuedRow {
  return {
    seq: row.seq,
    messageId: row.message_id,
    type: row.type,
    email: row.email ?? undefined,
    userId: row.user_id ?? undefined,
    attempts: row.attempts,
    availableAt: row.available_at,
    // A lease past its time is void: its worker died or hung.
    leased: row.leased_until !== null && row.leased_until > now,
    solo: row.solo === 1,
    foldable: row.foldable === 1,
  }
}
