// Per-contact order in `redis` mode. BullMQ (open source) runs jobs in any order across workers,
// so each contact key (`e:<email>`, `u:<userId>`, see plan.ts) has a lane: a Redis list of the
// job ids that carry it, in arrival order. A job may call Loops only when it heads every lane
// it is in; otherwise it waits (delayed) and the job before it promotes it when done. A contact
// update at the head takes the updates of the same identity right behind it into its one Loops
// call (as queue mode merges them); those jobs then find themselves done. The same
// scripts keep the shared 24 h record of delivered ids, so a re-send to any relay process of
// a message already handled is recognised on ingest.
//
// Scripts name keys they build from their arguments, which a single Redis (with replicas)
// allows; Redis Cluster is not supported.
import type { Redis } from 'ioredis'
import { REMEMBER_DONE_MS } from './store'

export interface LaneEntry {
  jobId: string
  keys: readonly string[]
}

export type Turn = { kind: 'go' } | { kind: 'done' } | { kind: 'wait'; behind: string }

/** How long a lane entry whose job is not in the queue yet counts as "being added". */
const ADDING_MS = 60_000

// ARGV: prefix, job key prefix, adding ms, then per job: id, key count, keys…
// Per job: 0 = seen (queued, delivered or dead-lettered within 24 h), 1 = new: added to its
// lanes and marked "being added" until BullMQ has the job.
const ADMIT = `
local prefix, jobPrefix, addingMs = ARGV[1], ARGV[2], ARGV[3]
local out, i = {}, 4
while i <= #ARGV do
  local id, n = ARGV[i], tonumber(ARGV[i + 1])
  if redis.call('EXISTS', prefix .. 'done:' .. id) == 1 or redis.call('EXISTS', jobPrefix .. id) == 1 then
    out[#out + 1] = 0
  else
    out[#out + 1] = 1
    redis.call('SET', prefix .. 'adding:' .. id, '1', 'PX', addingMs)
    for k = 1, n do redis.call('RPUSH', prefix .. 'lane:' .. ARGV[i + 1 + k], id) end
  end
  i = i + 2 + n
end
return out`

// ARGV: prefix, job key prefix, id, keys… → 'go' | 'done' | id of the job it waits behind.
// A head whose job is finished, or gone without ever having been added, is dropped first.
const TURN = `
local prefix, jobPrefix, id = ARGV[1], ARGV[2], ARGV[3]
if redis.call('EXISTS', prefix .. 'done:' .. id) == 1 then return 'done' end
for k = 4, #ARGV do
  local lane = prefix .. 'lane:' .. ARGV[k]
  for guard = 1, 100 do
    local head = redis.call('LINDEX', lane, 0)
    if not head or head == id then break end
    local jobKey = jobPrefix .. head
    local stale
    if redis.call('EXISTS', prefix .. 'done:' .. head) == 1 then stale = true
    elseif redis.call('EXISTS', jobKey) == 1 then stale = redis.call('HEXISTS', jobKey, 'finishedOn') == 1
    else stale = redis.call('EXISTS', prefix .. 'adding:' .. head) == 0 end
    if not stale then return head end
    redis.call('LREM', lane, 0, head)
  end
end
return 'go'`

// ARGV: prefix, job key prefix, id, most, keys… → id, data, id, data… of the jobs right behind
// `id` in every one of its lanes (the same jobs at the same places), while they are queued.
// Which of them may join `id`'s Loops call is decided by the caller from their data.
const FOLLOWERS = `
local prefix, jobPrefix, id, most = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local first = prefix .. 'lane:' .. ARGV[5]
if redis.call('LINDEX', first, 0) ~= id then return {} end
local out = {}
for i, other in ipairs(redis.call('LRANGE', first, 1, most)) do
  if other == id then break end
  for k = 6, #ARGV do
    if redis.call('LINDEX', prefix .. 'lane:' .. ARGV[k], i) ~= other then return out end
  end
  local jobKey = jobPrefix .. other
  local data = redis.call('HGET', jobKey, 'data')
  if not data or redis.call('HEXISTS', jobKey, 'finishedOn') == 1 then break end
  out[#out + 1] = other
  out[#out + 1] = data
end
return out`

// ARGV: prefix, remember ms, id count, ids…, keys… → the new head of each lane (to promote).
// All ids at once: a merged call's messages are done together or not at all.
const FINISH = `
local prefix, n = ARGV[1], tonumber(ARGV[3])
local heads = {}
for i = 4, 3 + n do redis.call('SET', prefix .. 'done:' .. ARGV[i], '1', 'PX', ARGV[2]) end
for k = 4 + n, #ARGV do
  local lane = prefix .. 'lane:' .. ARGV[k]
  for i = 4, 3 + n do redis.call('LREM', lane, 0, ARGV[i]) end
  local head = redis.call('LINDEX', lane, 0)
  if head then heads[#heads + 1] = head end
end
return heads`

export interface Lanes {
  /** For each entry: true = new (now in its lanes), false = seen before (a re-send). */
  admit(entries: readonly LaneEntry[]): Promise<boolean[]>
  turn(entry: LaneEntry): Promise<Turn>
  /** Up to `most` jobs right behind `entry` in all its lanes, with their BullMQ data (JSON). */
  followers(entry: LaneEntry, most: number): Promise<Array<{ jobId: string; data: string }>>
  /**
   * Delivered or dead-lettered (`also`: the jobs merged into the same call): remembered for
   * 24 h, out of the lanes. Returns the new heads.
   */
  finish(entry: LaneEntry, also?: readonly string[]): Promise<string[]>
}

type Script = (...args: string[]) => Promise<unknown>

/**
 * The scripts as ioredis commands: sent once, then called by their SHA1 (EVALSHA, reloaded by
 * ioredis if Redis lost them in a restart), so a batch does not carry the script text.
 */
function defineScripts(redis: Redis) {
  const scripts = { ADMIT, TURN, FOLLOWERS, FINISH }
  const commands = redis as unknown as Record<string, Script | undefined>
  const out = {} as Record<keyof typeof scripts, Script>
  for (const [name, lua] of Object.entries(scripts) as Array<[keyof typeof scripts, string]>) {
    const command = `loopsRelay${name}`
    if (!commands[command]) redis.defineCommand(command, { lua, numberOfKeys: 0 })
    const run = commands[command] as Script
    out[name] = (...args) => run.apply(redis, args)
  }
  return out
}

export function createLanes(redis: Redis, prefix: string, jobKeyPrefix: string): Lanes {
  const run = defineScripts(redis)
  return {
    async admit(entries) {
      if (entries.length === 0) return []
      const args = [prefix, jobKeyPrefix, String(ADDING_MS)]
      for (const e of entries) args.push(e.jobId, String(e.keys.length), ...e.keys)
      const flags = (await run.ADMIT(...args)) as number[]
      return flags.map((flag) => flag === 1)
    },
    async turn(entry) {
      const answer = String(await run.TURN(prefix, jobKeyPrefix, entry.jobId, ...entry.keys))
      if (answer === 'go') return { kind: 'go' }
      if (answer === 'done') return { kind: 'done' }
      return { kind: 'wait', behind: answer }
    },
    async followers(entry, most) {
      if (entry.keys.length === 0) return []
      const flat = (await run.FOLLOWERS(
        prefix,
        jobKeyPrefix,
        entry.jobId,
        String(most),
        ...entry.keys,
      )) as string[]
      const out: Array<{ jobId: string; data: string }> = []
      for (let i = 0; i + 1 < flat.length; i += 2) {
        out.push({ jobId: flat[i] as string, data: flat[i + 1] as string })
      }
      return out
    },
    async finish(entry, also = []) {
      const ids = [entry.jobId, ...also]
      return (await run.FINISH(
        prefix,
        String(REMEMBER_DONE_MS),
        String(ids.length),
        ...ids,
        ...entry.keys,
      )) as string[]
    },
  }
}
