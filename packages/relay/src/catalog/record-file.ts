// The record of unknown properties the relay saw, in RELAY_DATA_DIR/unknown-properties.json, so
// `loops-relay doctor` (a separate process) can name them. Written at most once a minute and
// at stop; bounded to the most recent names. Needs node:fs: loaded only in queue mode.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { UnknownPropertyRecord } from './catalog'

export const RECORD_FILE = 'unknown-properties.json'
const MAX_NAMES = 200
const WRITE_EVERY_MS = 60_000

export interface UnknownPropertyEntry {
  lastSeen: string
  count: number
}

export interface RecordFileContent {
  updatedAt: string
  properties: Record<string, UnknownPropertyEntry>
}

export function createRecordFile(
  dataDir: string,
  now: () => number = Date.now,
): UnknownPropertyRecord {
  const path = join(dataDir, RECORD_FILE)
  const seen = new Map<string, { lastSeen: number; count: number }>()
  let loaded: Promise<void> | undefined
  let writtenAt = Number.NEGATIVE_INFINITY
  let timer: ReturnType<typeof setTimeout> | undefined
  let writing: Promise<void> = Promise.resolve()

  // Keep what an earlier run recorded, so a restart does not hide what the doctor should show.
  const load = () => {
    loaded ??= readRecordFile(dataDir).then((content) => {
      for (const [name, entry] of Object.entries(content?.properties ?? {})) {
        if (!seen.has(name))
          seen.set(name, { lastSeen: Date.parse(entry.lastSeen), count: entry.count })
      }
    })
    return loaded
  }

  async function write(): Promise<void> {
    await load()
    writtenAt = now()
    const newest = [...seen].sort((a, b) => b[1].lastSeen - a[1].lastSeen).slice(0, MAX_NAMES)
    const content: RecordFileContent = {
      updatedAt: new Date(writtenAt).toISOString(),
      properties: Object.fromEntries(
        newest.map(([name, e]) => [
          name,
          { lastSeen: new Date(e.lastSeen).toISOString(), count: e.count },
        ]),
      ),
    }
    await mkdir(dataDir, { recursive: true })
    const temp = `${path}.${process.pid}.tmp`
    await writeFile(temp, `${JSON.stringify(content, null, 2)}\n`)
    await rename(temp, path)
  }

  const schedule = () => {
    if (timer) return
    const wait = Math.max(0, writtenAt + WRITE_EVERY_MS - now())
    timer = setTimeout(() => {
      timer = undefined
      writing = writing.then(write).catch(() => undefined)
    }, wait)
    timer.unref?.()
  }

  return {
    seen(name, at) {
      const entry = seen.get(name)
      if (entry) {
        entry.count += 1
        entry.lastSeen = at
      } else {
        if (seen.size >= MAX_NAMES * 2) seen.delete(seen.keys().next().value as string)
        seen.set(name, { lastSeen: at, count: 1 })
      }
      schedule()
    },
    async flush() {
      if (timer) {
        clearTimeout(timer)
        timer = undefined
      }
      if (seen.size > 0) writing = writing.then(write).catch(() => undefined)
      await writing
    },
  }
}

/** The record as the relay last wrote it, or undefined when there is none (or it is unreadable). */
export async function readRecordFile(dataDir: string): Promise<RecordFileContent | undefined> {
  try {
    const data = JSON.parse(await readFile(join(dataDir, RECORD_FILE), 'utf8')) as RecordFileContent
    return data && typeof data.properties === 'object' ? data : undefined
  } catch {
    return undefined
  }
}
