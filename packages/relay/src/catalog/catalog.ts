// The team's custom contact properties and mailing lists, as Loops has them, so nothing is lost
// inside Loops without a trace: Loops accepts a property it does not know with 200 and stores
// nothing, and an unknown list id may cost the whole update. Before a contact update or an
// event goes out, `prepare` reports (or, opted in, creates) the properties Loops lacks and drops
// the lists it does not have.
//
// Loops calls (each takes a pacer token, like every other call of the relay):
// - at start: GET properties + GET lists;
// - when used and older than `refreshMs` (default 10 min): both again, in the background;
// - on a miss (a name Loops seemed to lack that no refresh confirmed in the last `refreshMs`),
//   at most once per `missRefreshMs` (default 1 min): both again, awaited;
// - creating: one POST per property, at most `createPerHour`.
// An idle relay makes none after start.
import { RESERVED_PROPERTY_NAMES } from '@loops-cdp/core/protocol'
import type { LoopsClientError } from '../errors'
import { LoopsClientError as ClientError } from '../errors'
import type { LogLevel } from '../log'
import type { Pacer } from '../pacer'
import type { CatalogApi, CatalogResult, PropertyType } from './catalog-api'
import { createCatalogMetrics } from './catalog-metrics'
import { type CreationLock, createLocalCreationLock } from './creation-lock'
import { inferPropertyType } from './infer-type'

const RESERVED_NAMES: ReadonlySet<string> = new Set(RESERVED_PROPERTY_NAMES)

/** Where the relay records unknown properties it saw, for `loops-relay doctor` to read. */
export interface UnknownPropertyRecord {
  seen(name: string, at: number): void
  flush(): Promise<void>
}

export interface CatalogOptions {
  api: CatalogApi
  pacer: Pacer
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void
  /** RELAY_CREATE_PROPERTIES: create a missing property before the message that carries it. */
  createProperties?: boolean
  /** Most properties created per hour (a hostile page could invent names). Default 20. */
  createPerHour?: number
  /** Age after which a use refreshes the catalog in the background. Default 10 min. */
  refreshMs?: number
  /** Shortest gap between two refreshes caused by misses. Default 1 min. */
  missRefreshMs?: number
  propertyAllowlist?: readonly string[] | undefined
  propertyDenylist?: readonly string[]
  mailingListAllowlist?: readonly string[] | undefined
  lock?: CreationLock
  record?: UnknownPropertyRecord
  /** Longest wait for a pacer token on the delivery path (direct mode holds the answer). Default 2 s. */
  tokenWaitMs?: number
  /** How long a process that lost the creation lock waits for the property. Default 3 s. */
  lockWaitMs?: number
  now?: () => number
}

/** A Loops call that failed while preparing; the message is retried later, as for any failure. */
export interface PrepareFailure {
  ok: false
  status?: number
  latencyMs: number
  retryable: boolean
  reason: string
  error: LoopsClientError
}

export type PrepareResult<T> = { ok: true; body: T } | PrepareFailure

export interface PropertyCatalog {
  /** Loads the catalog (never rejects) and warns about allow-listed lists Loops lacks. */
  start(): Promise<void>
  prepare<T extends Record<string, unknown>>(body: T): Promise<PrepareResult<T>>
  stop(): Promise<void>
  /** Resolves once no refresh is in flight (a background refresh included). */
  settled(): Promise<void>
  /** Prometheus text of the catalog's counters. */
  renderMetrics(): string
  /** What the catalog knows now (undefined before the first successful read). */
  snapshot(): { properties?: Record<string, PropertyType>; lists?: string[] }
}

/** Keys of a contact or event body that are not custom contact properties. */
const NOT_CUSTOM: ReadonlySet<string> = new Set([
  'email',
  'userId',
  'mailingLists',
  'subscribed',
  'eventName',
  'eventProperties',
  // Loops' default properties (list-contact-properties with list=all)
  'firstName',
  'lastName',
  'notes',
  'source',
  'userGroup',
  'createdAt',
  'optInStatus',
])

/** Loops asks for camelCase names; letters and digits, starting with a letter. */
const CREATABLE_NAME = /^[A-Za-z][A-Za-z0-9]*$/
const HOUR_MS = 3_600_000
/** Names logged one by one per hour; past it one summary line (names come from browsers). */
const MAX_LOGGED_PER_HOUR = 100
const MAX_TRACKED = 1000

export const CREATE_HINT =
  'create it in Loops → Settings → Contact properties, or set RELAY_CREATE_PROPERTIES=true'

type Ensure =
  | { kind: 'exists' }
  | { kind: 'missing'; reason?: string }
  | { kind: 'failed'; failure: PrepareFailure }

export function createPropertyCatalog(options: CatalogOptions): PropertyCatalog {
  const { api, pacer, log } = options
  const now = options.now ?? Date.now
  const refreshMs = options.refreshMs ?? 600_000
  const missRefreshMs = options.missRefreshMs ?? 60_000
  const createPerHour = options.createPerHour ?? 20
  const tokenWaitMs = options.tokenWaitMs ?? 2000
  const lockWaitMs = options.lockWaitMs ?? 3000
  const allowed = options.propertyAllowlist ? new Set(options.propertyAllowlist) : undefined
  const denied = new Set(options.propertyDenylist ?? [])
  const lock = options.lock ?? createLocalCreationLock()
  const metrics = createCatalogMetrics()

  let properties: Map<string, PropertyType> | undefined
  let lists: Set<string> | undefined
  let refreshedAt = Number.NEGATIVE_INFINITY
  let refreshing: Promise<void> | undefined
  let started: Promise<void> | undefined
  let stopped = false
  /** name → when it was first seen missing (`p:` properties, `l:` lists). */
  const firstMissing = new Map<string, number>()
  const loggedAt = new Map<string, number>()
  let logWindow = { start: Number.NEGATIVE_INFINITY, count: 0, summarized: false }
  const creations: number[] = []
  const creating = new Map<string, Promise<Ensure>>()

  /** One paced Loops call; undefined when no token came in time (or the relay stops). */
  async function paced<T>(
    call: () => Promise<CatalogResult<T>>,
    waitMs?: number,
  ): Promise<CatalogResult<T> | undefined> {
    if (stopped) return undefined
    const signal = waitMs === undefined ? undefined : AbortSignal.timeout(waitMs)
    if (!(await pacer.acquire(signal))) return undefined
    const result = await call()
    pacer.observe({
      ...(result.status !== undefined ? { status: result.status } : {}),
      ...(result.rateLimit ? { rateLimit: result.rateLimit } : {}),
    })
    return result
  }

  function refresh(waitMs?: number): Promise<void> {
    refreshing ??= (async () => {
      refreshedAt = now()
      const [props, found] = await Promise.all([
        paced(() => api.customProperties(), waitMs),
        paced(() => api.mailingLists(), waitMs),
      ])
      if (props?.ok) properties = new Map(props.data.map((p) => [p.key, p.type]))
      else if (props)
        log('warn', 'could not read contact properties from Loops', { reason: props.reason })
      if (found?.ok) lists = new Set(found.data.map((l) => l.id))
      else if (found)
        log('warn', 'could not read mailing lists from Loops', { reason: found.reason })
    })().finally(() => {
      refreshing = undefined
    })
    return refreshing
  }

  function tracked<K, V>(map: Map<K, V>, key: K, value: V): void {
    if (map.size >= MAX_TRACKED && !map.has(key)) map.clear()
    map.set(key, value)
  }

  /** One log line per name per hour, and at most MAX_LOGGED_PER_HOUR names an hour. */
  function logOnce(key: string, level: LogLevel, msg: string, fields: Record<string, unknown>) {
    const at = now()
    const last = loggedAt.get(key)
    if (last !== undefined && at - last < HOUR_MS) return
    if (at - logWindow.start >= HOUR_MS) logWindow = { start: at, count: 0, summarized: false }
    if (logWindow.count >= MAX_LOGGED_PER_HOUR) {
      if (!logWindow.summarized) {
        logWindow.summarized = true
        log('warn', 'more unknown properties and lists this hour; not logged one by one', {
          see: 'loops_relay_unknown_properties_total',
        })
      }
      return
    }
    logWindow.count += 1
    tracked(loggedAt, key, at)
    log(level, msg, fields)
  }

  function report(name: string, reason?: string): void {
    metrics.unknownProperty(name)
    options.record?.seen(name, now())
    logOnce(`p:${name}`, 'warn', 'contact property not in Loops: Loops drops its values', {
      property: name,
      fix: CREATE_HINT,
      ...(reason ? { reason } : {}),
    })
  }

  function failure(result: CatalogResult<unknown> & { ok: false }): PrepareFailure {
    return {
      ok: false,
      ...(result.status !== undefined ? { status: result.status } : {}),
      latencyMs: 0,
      retryable: result.retryable,
      reason: result.reason,
      error: result.error,
    }
  }

  function notNow(reason: string): Ensure {
    const error = new ClientError(reason, {
      method: 'POST',
      path: '/v1/contacts/properties',
      retryable: true,
    })
    return { kind: 'failed', failure: { ok: false, latencyMs: 0, retryable: true, reason, error } }
  }

  function whyNotCreatable(name: string): string | undefined {
    if (RESERVED_NAMES.has(name)) return 'a name Loops reserves'
    if (!CREATABLE_NAME.test(name)) return 'not a camelCase name Loops can create'
    if (denied.has(name) || (allowed !== undefined && !allowed.has(name))) {
      return 'not allowed by RELAY_PROPERTY_ALLOWLIST / RELAY_PROPERTY_DENYLIST'
    }
    return undefined
  }

  async function create(name: string, type: PropertyType): Promise<Ensure> {
    let mine: boolean
    try {
      mine = await lock.acquire(name)
    } catch (error) {
      return notNow(`could not take the property-creation lock: ${String(error)}`)
    }
    if (!mine) {
      // Another relay process is creating it: wait for it to appear in Loops.
      const deadline = now() + lockWaitMs
      while (now() < deadline && !stopped) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, lockWaitMs)))
        await refresh(tokenWaitMs)
        if (properties?.has(name)) return { kind: 'exists' }
      }
      return notNow(`property ${name} is being created by another relay process`)
    }
    try {
      const result = await paced(() => api.createProperty(name, type), tokenWaitMs)
      if (!result) return notNow('no Loops budget left to create a property now')
      if (result.ok) {
        properties?.set(name, type)
        creations.push(now())
        metrics.created(type)
        log('info', 'created contact property in Loops', { property: name, type })
        return { kind: 'exists' }
      }
      if (result.retryable) return { kind: 'failed', failure: failure(result) }
      // Refused (400): most likely it exists already (created in the app or by another relay).
      await refresh(tokenWaitMs)
      if (properties?.has(name)) return { kind: 'exists' }
      return { kind: 'missing', reason: `Loops refused to create it: ${result.reason}` }
    } finally {
      await lock.release(name).catch(() => undefined)
    }
  }

  function ensure(name: string, value: unknown): Promise<Ensure> {
    const pending = creating.get(name)
    if (pending) return pending
    const type = inferPropertyType(value)
    const why = whyNotCreatable(name)
    if (why) return Promise.resolve({ kind: 'missing', reason: `cannot be created: ${why}` })
    if (type === undefined) return Promise.resolve({ kind: 'missing' })
    const hourAgo = now() - HOUR_MS
    while (creations.length > 0 && (creations[0] as number) <= hourAgo) creations.shift()
    // Creations in flight count too, so a burst of new names cannot overshoot the cap.
    if (creations.length + creating.size >= createPerHour) {
      return Promise.resolve({
        kind: 'missing',
        reason: `not created: ${createPerHour} properties created in the last hour (RELAY_CREATE_PROPERTIES_PER_HOUR)`,
      })
    }
    const run = create(name, type).finally(() => creating.delete(name))
    creating.set(name, run)
    return run
  }

  /**
   * A name seen missing gets one fresh look: a refresh after it was first seen, awaited, at most
   * one per `missRefreshMs` for all names together. After that only the scheduled refresh
   * (every `refreshMs` of use) looks again, so a name that stays unknown costs nothing extra.
   */
  async function refreshForMisses(keys: string[]): Promise<void> {
    const at = now()
    for (const key of keys) if (!firstMissing.has(key)) tracked(firstMissing, key, at)
    const unseen = keys.some((key) => (firstMissing.get(key) ?? at) >= refreshedAt)
    if (unseen && at - refreshedAt >= missRefreshMs) await refresh(tokenWaitMs)
    else if (at - refreshedAt >= refreshMs) refresh().catch(() => undefined)
  }

  function customKeys(body: Record<string, unknown>): string[] {
    return Object.keys(body).filter(
      (k) => !NOT_CUSTOM.has(k) && body[k] !== null && body[k] !== undefined,
    )
  }

  return {
    start() {
      started ??= refresh().then(() => {
        if (properties === undefined || lists === undefined) return
        log('info', 'loops catalog loaded', {
          customProperties: properties.size,
          mailingLists: lists.size,
        })
        for (const id of options.mailingListAllowlist ?? []) {
          if (id !== '*' && !lists.has(id)) {
            log('warn', 'RELAY_MAILING_LIST_ALLOWLIST names a list Loops does not have', {
              listId: id,
              fix: 'check the id in Loops → Audience → Mailing lists; messages naming it have it dropped',
            })
          }
        }
      })
      return started
    },

    async prepare(body) {
      await started
      if (properties === undefined && lists === undefined) {
        // Never loaded (Loops unreachable at start): try again at most once per miss interval.
        if (now() - refreshedAt >= missRefreshMs) await refresh(tokenWaitMs)
        if (properties === undefined && lists === undefined) return { ok: true, body }
      }
      const missingProps = () =>
        properties ? customKeys(body).filter((k) => !properties?.has(k)) : []
      const listIds = (): string[] => {
        const value = body.mailingLists
        return value && typeof value === 'object' ? Object.keys(value as object) : []
      }
      const missingLists = () => (lists ? listIds().filter((id) => !lists?.has(id)) : [])
      const misses = [
        ...missingProps().map((k) => `p:${k}`),
        ...missingLists().map((id) => `l:${id}`),
      ]
      await refreshForMisses(misses)

      for (const name of missingProps()) {
        if (!options.createProperties) {
          report(name)
          continue
        }
        const outcome = await ensure(name, body[name])
        if (outcome.kind === 'missing') report(name, outcome.reason)
        else if (outcome.kind === 'failed') return outcome.failure
      }

      const dropLists = missingLists()
      if (dropLists.length === 0) return { ok: true, body }
      const kept: Record<string, unknown> = { ...(body.mailingLists as Record<string, unknown>) }
      for (const id of dropLists) {
        delete kept[id]
        metrics.listDropped()
        logOnce(`l:${id}`, 'warn', 'mailing list not in Loops: dropped from the message', {
          listId: id,
          fix: 'remove the id from the page, or create the list in Loops',
        })
      }
      const out: Record<string, unknown> = { ...body, mailingLists: kept }
      if (Object.keys(kept).length === 0) delete out.mailingLists
      return { ok: true, body: out as typeof body }
    },

    async stop() {
      stopped = true
      await refreshing?.catch(() => undefined)
      await options.record?.flush().catch(() => undefined)
    },

    async settled() {
      await started
      while (refreshing) await refreshing
    },

    renderMetrics: () => metrics.render(),

    snapshot() {
      return {
        ...(properties ? { properties: Object.fromEntries(properties) } : {}),
        ...(lists ? { lists: [...lists] } : {}),
      }
    },
  }
}
