// better-sqlite3 is an optional dependency: npm installs it by default (so `npx loops-relay`
// runs queue mode with one command), but an app that mounts the relay in direct or redis mode
// can install without it (`--omit=optional`) and compiles nothing. It is loaded here, on the
// first queue-mode store, never at import time.
import { createRequire } from 'node:module'
import type BetterSqlite3 from 'better-sqlite3'

export type SqliteDatabase = BetterSqlite3.Database
type SqliteConstructor = typeof BetterSqlite3

const INSTALL_HINT =
  "queue mode needs better-sqlite3: npm install better-sqlite3, or use mode 'direct' / 'redis'"

/** Queue mode was asked for, but better-sqlite3 is not installed or its native part did not load. */
export class SqliteUnavailableError extends Error {
  override name = 'SqliteUnavailableError'
  /** The package queue mode needs. */
  readonly packageName = 'better-sqlite3'

  constructor(detail: string, options?: { cause?: unknown }) {
    super(`${INSTALL_HINT} (${detail})`, options)
  }
}

let driver: SqliteConstructor | undefined

/** The better-sqlite3 constructor; throws SqliteUnavailableError when it cannot be loaded. */
export function loadSqlite(): SqliteConstructor {
  if (driver) return driver
  try {
    driver = createRequire(import.meta.url)('better-sqlite3') as SqliteConstructor
    return driver
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      throw new SqliteUnavailableError('it is not installed', { cause: error })
    }
    throw error
  }
}

/** Opens a database; a native addon that is missing or built for another Node is named as such. */
export function openDatabase(file: string): SqliteDatabase {
  const Database = loadSqlite()
  try {
    return new Database(file)
  } catch (error) {
    const message = error instanceof Error ? error.message : ''
    // `bindings` fails like this when the addon was never built (--ignore-scripts, no compiler)
    // or was built for another Node version.
    if (/bindings file|better_sqlite3\.node|NODE_MODULE_VERSION|ERR_DLOPEN_FAILED/.test(message)) {
      throw new SqliteUnavailableError('its native addon did not load', { cause: error })
    }
    throw error
  }
}
