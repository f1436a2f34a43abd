// Prometheus text exposition (format 0.0.4) of the relay's counters, without a client library:
// a handful of counters, one gauge and one histogram do not justify a dependency.

export type MessageType = 'contact' | 'event'

/** Low-cardinality reasons a message was refused before delivery or by Loops. */
export type RejectReason =
  | 'invalid'
  | 'identity'
  | 'event_not_allowed'
  | 'rate_limited'
  | 'loops_rejected'

export interface RelayMetrics {
  accepted(type: MessageType, count?: number): void
  rejected(reason: RejectReason, count?: number): void
  /** Whole requests refused with a status (403, 413, 415, 429, 503 …). */
  request(status: number): void
  policyDrop(what: string): void
  delivered(type: MessageType): void
  retried(type: MessageType): void
  deadLettered(type: MessageType): void
  /** Accepted re-sends not queued again (queue mode: already queued or done within 24 h). */
  duplicateSkipped(type: MessageType): void
  /** The queue worker began to stall on a store error (once per episode). */
  workerStall(): void
  loopsLatency(seconds: number): void
  render(): string
}

// Loops answers in ~100 ms; the tail up to the client timeout matters for pacing.
const LATENCY_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const PREFIX = 'loops_relay_'

export function createMetrics(gauges: {
  queueDepth: () => number
  loopsAuthorized: () => boolean | undefined
  /** More exposition text appended as is (the property catalog's counters). */
  extra?: () => string
}): RelayMetrics {
  const counters = new Map<string, number>() // key: `name{labels}`
  const bucketCounts = LATENCY_BUCKETS.map(() => 0)
  let latencySum = 0
  let latencyCount = 0

  const add = (name: string, labels: string, by = 1) => {
    const key = `${PREFIX}${name}${labels}`
    counters.set(key, (counters.get(key) ?? 0) + by)
  }
  const label = (name: string, value: string | number) =>
    `{${name}="${String(value).replace(/["\\\n]/g, '_')}"}`

  const help: Array<[string, string, string]> = [
    ['messages_accepted_total', 'counter', 'Messages accepted for delivery, by type.'],
    ['messages_rejected_total', 'counter', 'Messages refused, by reason.'],
    ['http_refused_total', 'counter', 'Requests refused as a whole, by status.'],
    ['policy_drops_total', 'counter', 'Fields removed by policy, by kind.'],
    ['messages_delivered_total', 'counter', 'Messages Loops accepted, by type.'],
    ['messages_retried_total', 'counter', 'Delivery attempts scheduled for retry, by type.'],
    ['messages_dead_lettered_total', 'counter', 'Messages given up on, by type.'],
    [
      'duplicates_skipped_total',
      'counter',
      'Re-sent messages accepted but not queued again (already queued, or delivered or dead-lettered within 24 h), by type.',
    ],
  ]
  // Unlabelled counters: shown at 0 from the start, so a dashboard sees the series exist.
  const plain: Array<[string, string]> = [
    [
      'worker_stalls_total',
      'Times delivery stalled on a store error (SQLite disk full, locked or read-only; Redis unreachable); it backs off and resumes by itself, /health says why meanwhile.',
    ],
  ]

  return {
    accepted: (type, count = 1) => add('messages_accepted_total', label('type', type), count),
    rejected: (reason, count = 1) => add('messages_rejected_total', label('reason', reason), count),
    request: (status) => add('http_refused_total', label('status', status)),
    policyDrop: (what) => add('policy_drops_total', label('kind', what)),
    delivered: (type) => add('messages_delivered_total', label('type', type)),
    retried: (type) => add('messages_retried_total', label('type', type)),
    deadLettered: (type) => add('messages_dead_lettered_total', label('type', type)),
    duplicateSkipped: (type) => add('duplicates_skipped_total', label('type', type)),
    workerStall: () => add('worker_stalls_total', ''),
    loopsLatency(seconds) {
      if (!Number.isFinite(seconds) || seconds < 0) return
      latencySum += seconds
      latencyCount++
      LATENCY_BUCKETS.forEach((bound, i) => {
        if (seconds <= bound) bucketCounts[i] = (bucketCounts[i] ?? 0) + 1
      })
    },
    render() {
      const lines: string[] = []
      for (const [name, type, text] of help) {
        lines.push(`# HELP ${PREFIX}${name} ${text}`, `# TYPE ${PREFIX}${name} ${type}`)
        for (const [key, value] of counters) {
          if (key === `${PREFIX}${name}` || key.startsWith(`${PREFIX}${name}{`)) {
            lines.push(`${key} ${value}`)
          }
        }
      }
      for (const [name, text] of plain) {
        lines.push(`# HELP ${PREFIX}${name} ${text}`, `# TYPE ${PREFIX}${name} counter`)
        lines.push(`${PREFIX}${name} ${counters.get(`${PREFIX}${name}`) ?? 0}`)
      }
      lines.push(
        `# HELP ${PREFIX}queue_depth Messages waiting for delivery.`,
        `# TYPE ${PREFIX}queue_depth gauge`,
        `${PREFIX}queue_depth ${gauges.queueDepth()}`,
      )
      const authorized = gauges.loopsAuthorized()
      lines.push(
        `# HELP ${PREFIX}loops_key_valid 1 when the start-up key check passed, 0 when rejected.`,
        `# TYPE ${PREFIX}loops_key_valid gauge`,
      )
      if (authorized !== undefined) lines.push(`${PREFIX}loops_key_valid ${authorized ? 1 : 0}`)
      const hist = `${PREFIX}loops_request_duration_seconds`
      lines.push(`# HELP ${hist} Latency of Loops API calls.`, `# TYPE ${hist} histogram`)
      LATENCY_BUCKETS.forEach((bound, i) => {
        lines.push(`${hist}_bucket{le="${bound}"} ${bucketCounts[i] ?? 0}`)
      })
      lines.push(
        `${hist}_bucket{le="+Inf"} ${latencyCount}`,
        `${hist}_sum ${latencySum}`,
        `${hist}_count ${latencyCount}`,
      )
      return `${lines.join('\n')}\n${gauges.extra?.() ?? ''}`
    },
  }
}
