// The checks of `loops-relay doctor`, each one answer a person needs: does the key work, what
// does Loops allow, is the relay locked down, do the lists and properties it will name exist,
// are Redis and the data dir there when the mode needs them. A check never throws.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { type CatalogApi, createCatalogApi } from '../catalog/catalog-api'
import { DEFAULT_REDIS_URL } from '../catalog/open'
import { readRecordFile } from '../catalog/record-file'
import { parseRedisUrl, RespError, redisCommands } from '../catalog/resp'
import { isLoopbackUrl, parseBool, type RelayConfig } from '../config'
import { createLoopsClient, type LoopsResult } from '../loops-client'

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip'

export interface CheckRow {
  name: string
  status: CheckStatus
  detail: string
}

/** How far back an unknown property the relay recorded still counts as "seen recently". */
const RECENT_MS = 24 * 3_600_000
// Same placeholder as the relay: the emulator accepts any key when started without one.
const LOOPBACK_PLACEHOLDER_KEY = 'loops-relay-emulator'

const row = (name: string, status: CheckStatus, detail: string): CheckRow => ({
  name,
  status,
  detail,
})

export interface DoctorInput {
  config: RelayConfig
  env: Record<string, string | undefined>
  fetch?: typeof fetch
  now?: () => number
}

export async function runChecks(input: DoctorInput): Promise<CheckRow[]> {
  const { config, env } = input
  const now = input.now ?? Date.now
  const rows: CheckRow[] = []
  const access = {
    apiKey: config.loopsApiKey ?? LOOPBACK_PLACEHOLDER_KEY,
    baseUrl: config.loopsApiUrl,
    timeoutMs: 10_000,
    ...(input.fetch ? { fetch: input.fetch } : {}),
  }
  const loopback = isLoopbackUrl(config.loopsApiUrl)

  if (config.loopsApiKey === undefined && !loopback) {
    rows.push(
      row('Loops key', 'fail', `LOOPS_API_KEY is not set (needed for ${config.loopsApiUrl})`),
    )
  } else {
    const key = await createLoopsClient(access).testApiKey()
    rows.push(keyRow(key, config))
    rows.push(rateLimitRow(key, config))
  }
  const keyWorks = rows[0]?.status === 'ok'
  const api = createCatalogApi(access)

  rows.push(identityRow(config, env, loopback))
  rows.push(originsRow(config))
  rows.push(keyWorks ? await listsRow(api, config) : skipped('mailing lists'))
  rows.push(keyWorks ? await propertiesRow(api, config, now) : skipped('properties'))
  rows.push(await redisRow(config))
  rows.push(await dataDirRow(config))
  return rows
}

const skipped = (name: string) => row(name, 'skip', 'not checked: the Loops key did not work')

function keyRow(result: LoopsResult, config: RelayConfig): CheckRow {
  const where = config.loopsApiUrl
  if (result.ok) {
    const team = result.teamName ? `team "${result.teamName}"` : 'no team name in the answer'
    return row('Loops key', 'ok', `accepted by ${where}; ${team}`)
  }
  if (result.status === 401 || result.status === 403) {
    return row('Loops key', 'fail', `rejected by ${where} (${result.status}): check LOOPS_API_KEY`)
  }
  return row('Loops key', 'fail', result.reason)
}

function rateLimitRow(result: LoopsResult, config: RelayConfig): CheckRow {
  const paced = `the relay paces at ${config.loopsRateLimit}/s (RELAY_LOOPS_RATE_LIMIT)`
  const limit = result.rateLimit?.limit
  if (!result.ok) return row('rate limit', 'skip', 'not checked: the Loops key did not work')
  if (limit === undefined) {
    return row('rate limit', 'warn', `no x-ratelimit-limit header in Loops' answer; ${paced}`)
  }
  const left = result.rateLimit?.remaining
  const said = `Loops allows ${limit}/s${left !== undefined ? ` (${left} left)` : ''}`
  if (config.loopsRateLimit > limit) {
    return row(
      'rate limit',
      'warn',
      `${said} but ${paced}: lower it to ${limit} (the relay follows Loops' figure meanwhile)`,
    )
  }
  return row('rate limit', 'ok', `${said}; ${paced}`)
}

function identityRow(config: RelayConfig, env: DoctorInput['env'], loopback: boolean): CheckRow {
  if (config.identitySecret !== undefined) {
    return row('identity', 'ok', 'RELAY_IDENTITY_SECRET set: every message needs a valid userHash')
  }
  let unverified = false
  try {
    unverified =
      parseBool('RELAY_ALLOW_UNVERIFIED', env.RELAY_ALLOW_UNVERIFIED?.trim() || undefined) ?? false
  } catch {
    return row('identity', 'fail', 'RELAY_ALLOW_UNVERIFIED must be true or false')
  }
  if (unverified) {
    return row(
      'identity',
      'warn',
      'unverified on purpose (RELAY_ALLOW_UNVERIFIED=true): anyone who can reach the relay may write any contact',
    )
  }
  if (loopback) {
    return row(
      'identity',
      'warn',
      'no RELAY_IDENTITY_SECRET: allowed only because Loops is a local emulator',
    )
  }
  return row(
    'identity',
    'fail',
    'no RELAY_IDENTITY_SECRET: the relay refuses to start; set it (or RELAY_ALLOW_UNVERIFIED=true on purpose)',
  )
}

function originsRow(config: RelayConfig): CheckRow {
  const origins = config.allowedOrigins
  if (origins.includes('*'))
    return row('origins', 'warn', 'any origin may send (RELAY_ALLOWED_ORIGINS=*)')
  if (origins.length === 0) {
    return row(
      'origins',
      'warn',
      'RELAY_ALLOWED_ORIGINS is empty: only same-origin pages and servers can send',
    )
  }
  return row('origins', 'ok', origins.join(', '))
}

async function listsRow(api: CatalogApi, config: RelayConfig): Promise<CheckRow> {
  const result = await api.mailingLists()
  if (!result.ok) return row('mailing lists', 'fail', `could not read them: ${result.reason}`)
  const have = new Set(result.data.map((l) => l.id))
  const allow = config.mailingListAllowlist
  const count = `${have.size} in Loops`
  if (allow === undefined || allow.length === 0) {
    return row(
      'mailing lists',
      'ok',
      `browsers may change none (RELAY_MAILING_LIST_ALLOWLIST unset); ${count}`,
    )
  }
  if (allow.includes('*')) return row('mailing lists', 'ok', `browsers may change all ${have.size}`)
  const missing = allow.filter((id) => !have.has(id))
  if (missing.length > 0) {
    return row(
      'mailing lists',
      'fail',
      `RELAY_MAILING_LIST_ALLOWLIST names lists Loops lacks: ${missing.join(', ')} (${count})`,
    )
  }
  return row('mailing lists', 'ok', `all ${allow.length} allow-listed exist (${count})`)
}

async function propertiesRow(
  api: CatalogApi,
  config: RelayConfig,
  now: () => number,
): Promise<CheckRow> {
  const result = await api.customProperties()
  if (!result.ok) return row('properties', 'fail', `could not read them: ${result.reason}`)
  const have = new Set(result.data.map((p) => p.key))
  const creating = config.createProperties
    ? `; RELAY_CREATE_PROPERTIES on (≤ ${config.createPropertiesPerHour}/h)`
    : ''
  const count = `${have.size} custom in Loops${creating}`
  if (config.mode !== 'queue') {
    return row(
      'properties',
      'ok',
      `${count}; unknown ones are logged by the relay (only queue mode keeps a record for this check)`,
    )
  }
  const record = await readRecordFile(config.dataDir)
  if (!record)
    return row('properties', 'ok', `${count}; the relay has recorded no unknown property`)
  const since = now() - RECENT_MS
  const missing = Object.entries(record.properties)
    .filter(([name, entry]) => Date.parse(entry.lastSeen) >= since && !have.has(name))
    .map(([name]) => name)
  if (missing.length === 0)
    return row('properties', 'ok', `${count}; every property seen in the last 24 h exists`)
  const shown =
    missing.slice(0, 10).join(', ') +
    (missing.length > 10 ? ` and ${missing.length - 10} more` : '')
  return row(
    'properties',
    'fail',
    `seen in the last 24 h, not in Loops (values dropped): ${shown}; create them in Loops → Settings → Contact properties, or set RELAY_CREATE_PROPERTIES=true`,
  )
}

async function redisRow(config: RelayConfig): Promise<CheckRow> {
  if (config.mode !== 'redis') return row('redis', 'skip', `not used in ${config.mode} mode`)
  const url = config.redisUrl ?? DEFAULT_REDIS_URL
  try {
    const target = parseRedisUrl(url)
    const [reply] = await redisCommands(target, [['PING']])
    if (reply === 'PONG') return row('redis', 'ok', `PONG from ${target.host}:${target.port}`)
    return row(
      'redis',
      'fail',
      `unexpected answer to PING from ${target.host}:${target.port}: ${String(reply)}`,
    )
  } catch (error) {
    const why = error instanceof RespError ? error.message : String(error)
    return row('redis', 'fail', `${why} (REDIS_URL)`)
  }
}

async function dataDirRow(config: RelayConfig): Promise<CheckRow> {
  if (config.mode !== 'queue') return row('data dir', 'skip', `not used in ${config.mode} mode`)
  const dir = resolve(config.dataDir)
  const probe = join(dir, `.doctor-${process.pid}.tmp`)
  try {
    await mkdir(dir, { recursive: true })
    await writeFile(probe, 'ok')
    await rm(probe, { force: true })
    return row('data dir', 'ok', `${dir} is writable`)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    return row(
      'data dir',
      'fail',
      `${dir} is not writable (${code}): the queue cannot be stored (RELAY_DATA_DIR)`,
    )
  }
}
