// Who creates a missing property. Two deliveries that meet the same new property at once must
// cause one POST /v1/contacts/properties, not two (the second would be refused as existing):
// in one process a promise per name does that; across processes (redis mode) a Redis key does.

export interface CreationLock {
  /**
   * Resolves true when this caller should create `name` now (and later call `release`), false
   * when another holder is creating it: the caller then waits for it to appear in Loops.
   */
  acquire(name: string): Promise<boolean>
  release(name: string): Promise<void>
}

/** One process: the first caller per name wins until it releases. */
export function createLocalCreationLock(): CreationLock {
  const held = new Set<string>()
  return {
    async acquire(name) {
      if (held.has(name)) return false
      held.add(name)
      return true
    },
    async release(name) {
      held.delete(name)
    },
  }
}
