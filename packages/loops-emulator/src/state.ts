import { ContactStore, toFindShape } from './contacts.js'
import { FaultQueue } from './faults.js'
import { PropertyRegistry } from './properties.js'
import { TokenBucket } from './rate-limit.js'
import type {
  Contact,
  EmulatorOptions,
  EventRecord,
  MailingList,
  RequestRecord,
  TransactionalRecord,
} from './types.js'

/** Demo lists used when `lists` is not given; readable ids so examples can name them. */
export const DEFAULT_LISTS: readonly MailingList[] = [
  { id: 'newsletter', name: 'Newsletter', description: null, isPublic: true },
  { id: 'product-updates', name: 'Product updates', description: null, isPublic: true },
  { id: 'beta', name: 'Beta program', description: null, isPublic: false },
]

const DAY_MS = 24 * 60 * 60 * 1000

/** Everything the emulator remembers, plus the inspection views of it. */
export class EmulatorState {
  readonly apiKey: string | undefined
  readonly teamName: string
  readonly autoProperties: boolean
  readonly lists: readonly MailingList[]
  readonly now: () => number
  readonly contacts = new ContactStore()
  readonly properties: PropertyRegistry
  readonly faults = new FaultQueue()
  readonly bucket: TokenBucket
  private readonly maxLog: number
  private eventLog: EventRecord[] = []
  private requestLog: RequestRecord[] = []
  private transactionalLog: TransactionalRecord[] = []
  /** Idempotency keys → epoch ms when first accepted. */
  private readonly idempotency = new Map<string, number>()

  constructor(options: EmulatorOptions = {}) {
    this.apiKey = options.apiKey || undefined
    this.teamName = options.teamName ?? 'Loops emulator'
    this.autoProperties = options.autoProperties ?? false
    this.lists = (options.lists ?? DEFAULT_LISTS).map((l) => ({
      id: l.id,
      name: l.name,
      description: l.description ?? null,
      isPublic: l.isPublic ?? false,
    }))
    this.now = options.now ?? Date.now
    this.properties = new PropertyRegistry(options.properties)
    this.bucket = new TokenBucket(Math.max(0, options.rateLimit ?? 10), this.now)
    this.maxLog = options.maxLogEntries ?? 50_000
  }

  contactList(): Contact[] {
    return this.contacts.all().map(toFindShape)
  }

  events(): EventRecord[] {
    return [...this.eventLog]
  }

  requests(): RequestRecord[] {
    return [...this.requestLog]
  }

  transactional(): TransactionalRecord[] {
    return [...this.transactionalLog]
  }

  recordEvent(event: EventRecord): void {
    push(this.eventLog, event, this.maxLog)
  }

  recordRequest(request: RequestRecord): void {
    push(this.requestLog, request, this.maxLog)
  }

  recordTransactional(record: TransactionalRecord): void {
    push(this.transactionalLog, record, this.maxLog)
  }

  /** Whether the key was accepted in the last 24 hours (Loops' idempotency window). */
  idempotencyUsed(key: string): boolean {
    const at = this.idempotency.get(key)
    if (at === undefined) return false
    if (this.now() - at < DAY_MS) return true
    this.idempotency.delete(key)
    return false
  }

  rememberIdempotency(key: string): void {
    this.idempotency.set(key, this.now())
  }

  /** Clears contacts, events, requests, faults and idempotency keys; refills the bucket. */
  reset(): void {
    this.contacts.clear()
    this.eventLog = []
    this.requestLog = []
    this.transactionalLog = []
    this.idempotency.clear()
    this.faults.clear()
    this.bucket.reset()
  }
}

function push<T>(log: T[], item: T, max: number): void {
  log.push(item)
  if (log.length > max) log.splice(0, log.length - max)
}
