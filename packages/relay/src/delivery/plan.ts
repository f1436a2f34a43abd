// Which queued messages may go to Loops now. Per contact, messages go in arrival order: a
// message waits while an earlier one sharing its email or userId is pending, in flight or
// backing off. Consecutive contact updates of the same identity merge into one Loops call, and
// such a run of updates folds into the event that follows it (see `foldable`).

export interface PlanRow {
  seq: number
  type: 'contact' | 'event'
  email?: string | undefined
  userId?: string | undefined
  /** Not in flight and not backing off. */
  ready: boolean
  /** Must go alone (a merged call of it was rejected, so it gets its own verdict). */
  solo?: boolean
  /**
   * May share an `events/send` with its neighbours of the same identity: set by the queue's
   * store (see `isFoldable` in store.ts). Absent = never folded, so a caller that does not
   * know the contents (direct mode) keeps one call per event.
   */
  foldable?: boolean
}

export interface PlanOptions {
  /** Stop after this many groups. */
  maxGroups?: number
  /** Most messages merged into one Loops call. */
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
  /** Set only while the group is a run of contact updates that can still absorb more. */
  identity: string | undefined
  /** Every update in the group may fold into an event. */
  foldable: boolean
}

/**
 * Groups of seqs to send now, in order; each group is one Loops call: one event, a run of
 * contact updates of one identity, or such a run followed by one event of the same identity
 * (folded: the updates travel as the event's contact properties and mailing lists).
 *
 * Folding is the same result in Loops as the separate calls, because `events/send` applies
 * top-level contact properties (null clears one) and `mailingLists` to the contact, and
 * matches, creates and links the contact by email/userId exactly as `contacts/update` does
 * (https://loops.so/docs/api-reference/send-event). It holds only when:
 * - the identity is exactly the same (email and userId, case kept): the event's call then
 *   matches the contact the updates would have;
 * - the updates come before the event: the event's workflow sees them applied, as it would
 *   after separate calls; an update after an event never folds back into it;
 * - no update carries `subscribed`: `events/send` does not document it (store.ts);
 * - nothing is `solo` (a rejected merge is retried one message per call).
 */
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
      const single = owners.size === 1 && owner !== undefined && owner.seqs.length < maxMerge
      if (single && row.type === 'contact' && absorbs(owner, row)) {
        owner.seqs.push(row.seq)
        owner.foldable &&= row.foldable === true
      } else if (single && row.type === 'event' && absorbs(owner, row) && owner.foldable) {
        owner.seqs.push(row.seq)
        owner.identity = undefined // the event closes the call: later rows wait for it
      } else block()
      continue
    }
    if (groups.length >= maxGroups) {
      block()
      continue
    }
    const group: Group = {
      seqs: [row.seq],
      identity: row.type === 'contact' ? identityOf(row) : undefined,
      foldable: row.type === 'contact' && row.foldable === true,
    }
    groups.push(group)
    for (const key of keys) claimed.set(key, group)
  }
  return groups.map((g) => g.seqs)
}

/** The open run of updates takes `row` if it has the exact same identity and may merge. */
function absorbs(group: Group, row: PlanRow): boolean {
  const identity = identityOf(row)
  return identity !== undefined && group.identity === identity
}

/** Updates merge (and fold) only with the exact same email and userId (case kept). */
function identityOf(row: PlanRow): string | undefined {
  if (row.solo) return undefined
  if (row.type === 'event' && row.foldable !== true) return undefined
  return JSON.stringify([row.email ?? null, row.userId ?? null])
}
