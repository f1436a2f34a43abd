// Whether the queue's store works, as /health reports it. Ingest and the worker each report
// their own store calls; the relay is healthy when neither's last call failed (or a worker
// write worked since ingest's). A worker that
// starts failing counts one stall (an episode, however many retries it takes).
import { describeError } from '../log'

export type StoreUser = 'ingest' | 'worker'
export type CallKind = 'read' | 'write'

export interface StoreHealthStatus {
  ok: boolean
  /** Why not, while not ok: which side, which store call, the error. */
  reason?: string
}

export interface StoreHealth {
  failed(user: StoreUser, call: string, error: unknown, kind?: CallKind): void
  /** A read that worked clears only a failed read: a store that reads may still not write. */
  succeeded(user: StoreUser, kind?: CallKind): void
  status(): StoreHealthStatus
  /** Failures in a row of `user` (0 when its last call worked). */
  failures(user: StoreUser): number
}

export interface StoreHealthOptions {
  /** A worker stall begins (its first failure after working). */
  onStall?: (reason: string) => void
  log?: (line: Record<string, unknown>) => void
}

export function createStoreHealth(options: StoreHealthOptions = {}): StoreHealth {
  const { onStall, log } = options
  const failing = new Map<
    StoreUser,
    { reason: string; since: number; count: number; kind: CallKind }
  >()
  return {
    failed(user, call, error, kind = 'write') {
      const reason = `${user === 'worker' ? 'queue worker' : 'ingest'} cannot use the queue store (${call}): ${describeError(error)}`
      const current = failing.get(user)
      if (current) {
        current.reason = reason
        current.count += 1
        if (kind === 'write') current.kind = 'write'
        return
      }
      failing.set(user, { reason, since: Date.now(), count: 1, kind })
      log?.({
        level: 'error',
        msg: `${user === 'worker' ? 'queue worker stalled' : 'queue write failed'}`,
        call,
        error: describeError(error),
      })
      if (user === 'worker') onStall?.(reason)
    },
    succeeded(user, kind = 'write') {
      const current = failing.get(user)
      if (kind === 'read' && current?.kind === 'write') return
      // A worker write that worked shows the store takes writes again: ingest's last failure
      // (no batch may have come since) no longer stands. Not the other way round: the worker
      // may fail on more than writes.
      if (user === 'worker' && kind === 'write') failing.delete('ingest')
      if (!current) return
      failing.delete(user)
      log?.({
        level: 'info',
        msg: user === 'worker' ? 'queue worker resumed' : 'queue writes work again',
        failedForMs: Date.now() - current.since,
        failures: current.count,
      })
    },
    status() {
      const worst = failing.get('worker') ?? failing.get('ingest')
      return worst ? { ok: false, reason: worst.reason } : { ok: true }
    },
    failures: (user) => failing.get(user)?.count ?? 0,
  }
}
