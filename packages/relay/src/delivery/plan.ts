// Which queued messages may go to Loops now. Per contact, messages go in arrival order: a
// message waits while an earlier one sharing its email or userId is pending, in flight or
// backing off. Consecutive contact updates of the same identity merge into one Loops call.

export interface PlanRow {
  seq: number
  type: 'contact' | 'event'
  email?: string | undefined
  userId?: string | undefined
  /** Not in flight and not backing off. */
  ready: boolean
  /** Must go alone (a merged call of it was rejected, so it gets its own verdict). */
  solo?: boolean
}

export interface PlanOptions {
  /** Stop after this many groups. */
  maxGroups?: number
  /** Most messages merged into one contact update. */
  maxMerge?: number
}

/** Ordering keys: an earlier message with any of the same keys goes first. */
export function contactKeys(row: { email?: string | undefined; userId?: string | undefined }) {
  const keys: string[] = []
  if (row.email) keys.push(`e:${row.email.toLowerCase()}`)
  if (row.userId) keys.push(`u:${row.userId}`)
  return keys
}

interface Group {
  seqs: number[]
  identity: string | undefined // set only for a contact group that can still absorb updates
}

/** Groups of seqs to send now, in order; each group is one Loops call. */
export function planGroups(rows: readonly PlanRow[], options: PlanOptions = {}): number[][] {
  const { maxGroups = Number.POSITIVE_INFINITY, maxMerge = 50 } = options
  const blocked = new Set<string>()
  const claimed = new Map<string, Group>()
  const groups: Group[] = []
  for (const row of rows) {
    const keys = contactKeys(row)
    const block = () => {
      for (const key of keys) {
        blocked.add(key)
        const owner = claimed.get(key)
        if (owner) owner.identity = undefined // nothing merges past a waiting message
      }
    }
    if (!row.ready || keys.some((key) => blocked.has(key))) {
      block()
      continue
    }
    const owners = new Set(keys.map((key) => claimed.get(key)).filter((g) => g !== undefined))
    if (owners.size > 0) {
      const [owner] = owners
      const identity = mergeIdentity(row)
      const mergeable =
        owners.size === 1 && owner?.identity !== undefined && owner.identity === identity
      if (mergeable && owner.seqs.length < maxMerge) owner.seqs.push(row.seq)
      else block()
      continue
    }
    if (groups.length >= maxGroups) {
      block()
      continue
    }
    const group: Group = { seqs: [row.seq], identity: mergeIdentity(row) }
    groups.push(group)
    for (const key of keys) claimed.set(key, group)
  }
  return groups.map((g) => g.seqs)
}

/** Contact updates merge only with the exact same email and userId (case kept). */
function mergeIdentity(row: PlanRow): string | undefined {
  if (row.type !== 'contact' || row.solo) return undefined
  return JSON.stringify([row.email ?? null, row.userId ?? null])
}
