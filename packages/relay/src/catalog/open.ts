// Builds the property catalog a relay uses from its config: the creation lock (Redis in redis
// mode, so one process creates and the others see it) and the unknown-property record (in queue
// mode, for `loops-relay doctor`). Node-only parts load lazily, so a mounted relay in direct
// mode runs where node:net and node:fs do not exist. `catalogRefreshSeconds: 0` turns it off.
import type { RelayConfig } from '../config'
import type { RelayLogger } from '../log'
import type { LoopsClient } from '../loops-client'
import type { Pacer } from '../pacer'
import { createPropertyCatalog, type UnknownPropertyRecord } from './catalog'
import { type CatalogApiOptions, createCatalogApi } from './catalog-api'
import type { CreationLock } from './creation-lock'
import { withCatalog } from './with-catalog'

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'

export interface OpenedCatalog {
  /** The Loops client whose updates and events pass the catalog first. */
  wrap(loops: LoopsClient): LoopsClient
  start(): Promise<void>
  stop(): Promise<void>
  renderMetrics(): string
}

export function openCatalog(deps: {
  config: RelayConfig
  access: CatalogApiOptions
  pacer: Pacer
  logger: RelayLogger
}): OpenedCatalog {
  const { config, pacer, logger } = deps
  if (config.catalogRefreshSeconds === 0) {
    return {
      wrap: (loops) => loops,
      start: async () => {},
      stop: async () => {},
      renderMetrics: () => '',
    }
  }
  const redisUrl = config.redisUrl ?? DEFAULT_REDIS_URL
  const catalog = createPropertyCatalog({
    api: createCatalogApi(deps.access),
    pacer,
    log: (level, msg, fields) => logger.log(level, msg, fields),
    createProperties: config.createProperties,
    createPerHour: config.createPropertiesPerHour,
    refreshMs: config.catalogRefreshSeconds * 1000,
    propertyAllowlist: config.propertyAllowlist,
    propertyDenylist: config.propertyDenylist,
    mailingListAllowlist: config.mailingListAllowlist,
    ...(config.mode === 'redis'
      ? {
          lock: lazyLock(async () =>
            (await import('./redis-creation-lock')).createRedisCreationLock({ redisUrl }),
          ),
        }
      : {}),
    ...(config.mode === 'queue'
      ? {
          record: lazyRecord(async () =>
            (await import('./record-file')).createRecordFile(config.dataDir),
          ),
        }
      : {}),
  })
  return {
    wrap: (loops) => withCatalog(loops, catalog),
    start: () => catalog.start(),
    stop: () => catalog.stop(),
    renderMetrics: () => catalog.renderMetrics(),
  }
}

function lazyLock(load: () => Promise<CreationLock>): CreationLock {
  let loaded: Promise<CreationLock> | undefined
  const get = () => {
    loaded ??= load()
    return loaded
  }
  return {
    acquire: async (name) => (await get()).acquire(name),
    release: async (name) => (await get()).release(name),
  }
}

function lazyRecord(load: () => Promise<UnknownPropertyRecord>): UnknownPropertyRecord {
  let loaded: Promise<UnknownPropertyRecord> | undefined
  const get = () => {
    loaded ??= load()
    return loaded
  }
  return {
    seen(name, at) {
      get().then(
        (record) => record.seen(name, at),
        () => undefined,
      )
    },
    async flush() {
      if (loaded) await (await loaded).flush()
    },
  }
}
