// The simulated users of the efficiency bench. Each user has its own storage (its browser's
// localStorage, kept across page loads); each page load is a fresh core instance over it (core's
// real createLoopsCdp: trait store, identify dedupe, persisted queue, retries), one identify
// with mostly unchanged traits, a few tracks, then flush and close — the page goes away.

/** localStorage stand-in: one per simulated browser. */
export class MemoryStorage {
  #map = new Map()
  getItem(key) {
    return this.#map.has(key) ? this.#map.get(key) : null
  }
  setItem(key, value) {
    this.#map.set(key, String(value))
  }
  removeItem(key) {
    this.#map.delete(key)
  }
  keys() {
    return [...this.#map.keys()]
  }
}

/** Deterministic PRNG (mulberry32), so a run's faults and think times are reproducible. */
export function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The plan changes twice in ten loads (free → pro → team); everything else stays the same. */
export function traitsFor(user, load, loads) {
  const plan =
    load < Math.ceil(loads * 0.4) ? 'free' : load < Math.ceil(loads * 0.8) ? 'pro' : 'team'
  return {
    email: `user${user}@example.com`,
    firstName: `User${user}`,
    lastName: 'Bench',
    company: { name: `Company ${user % 17}`, size: 10 + (user % 5) },
    plan,
  }
}

/** Distinct contact payloads a user's identify calls produce (what "a real change" is). */
export function contactChanges(loads) {
  const plans = new Set()
  for (let l = 0; l < loads; l++) plans.add(traitsFor(0, l, loads).plan)
  return plans.size
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function instance({ createLoopsCdp, relayUrl, storage, fetch, errors }) {
  // core's defaults otherwise (flush interval, batch size, retry backoff, queue bound)
  return createLoopsCdp({ relayUrl, onError: (e) => errors.push(e.name) }, { storage, fetch })
}

/**
 * One page load of one user: identify + `tracks` tracks through a fresh core instance, the page
 * stays open `dwellMs` (long enough for core to adopt what an earlier page load left queued),
 * then flush and close. Returns the messageIds of the tracks (each must arrive exactly once).
 */
export async function pageLoad(ctx, { user, load, loads, tracks, dwellMs }) {
  const cdp = instance(ctx)
  const userId = `user-${user}`
  const ids = []
  cdp.handle({
    type: 'identify',
    messageId: `id-${user}-${load}`,
    timestamp: new Date().toISOString(),
    userId,
    anonymousId: `anon-${user}`,
    traits: traitsFor(user, load, loads),
  })
  for (let t = 0; t < tracks; t++) {
    const messageId = `ev-${user}-${load}-${t}`
    ids.push(messageId)
    cdp.handle({
      type: 'track',
      messageId,
      timestamp: new Date().toISOString(),
      userId,
      anonymousId: `anon-${user}`,
      event: t === 0 ? 'Page Viewed' : 'Feature Used',
      properties: { path: `/app/${load}`, feature: `f${t}`, load },
    })
  }
  await sleep(dwellMs)
  await cdp.flush()
  cdp.close()
  return ids
}

/** A later visit with no calls: a fresh instance adopts and sends what earlier ones left. */
export async function revisit(ctx, dwellMs) {
  const cdp = instance(ctx)
  await sleep(dwellMs)
  await cdp.flush()
  cdp.close()
}

/** Messages waiting in a user's persisted queues (core keeps one per page load: `loops-cdp:q:<id>`). */
export function pendingCount(storage) {
  let n = 0
  for (const key of storage.keys()) {
    if (!key.startsWith('loops-cdp:q:') || key.endsWith(':claim')) continue
    try {
      const q = JSON.parse(storage.getItem(key))
      if (Array.isArray(q)) n += q.length
    } catch {
      // not a queue
    }
  }
  return n
}
