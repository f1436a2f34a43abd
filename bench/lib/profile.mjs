// Summaries of V8 CPU profiles (Chrome DevTools' Profiler.stop and node --cpu-prof write the same
// format): self time per script or package and the top functions, for the "where the time goes"
// notes of RESULTS.md.

const IDLE = new Set(['(idle)', '(program)', '(garbage collector)'])

/**
 * @param profile a V8 CPU profile ({ nodes, samples, timeDeltas })
 * @param place maps a callFrame url to a short name (script, package or area)
 */
export function summarizeProfile(profile, place = (url) => url) {
  const selfMs = new Map()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]
    selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
  }
  const byPlace = new Map()
  const byFn = new Map()
  let totalMs = 0
  for (const node of profile.nodes) {
    const ms = selfMs.get(node.id) ?? 0
    if (ms === 0) continue
    const { url, functionName, lineNumber, columnNumber } = node.callFrame
    if (functionName === '(idle)') continue
    totalMs += ms
    const where = IDLE.has(functionName) ? functionName : url ? place(url) : '(native)'
    byPlace.set(where, (byPlace.get(where) ?? 0) + ms)
    if (IDLE.has(functionName)) continue
    const fn = `${functionName || '(anonymous)'} ${url ? `${place(url)}:${lineNumber + 1}:${columnNumber + 1}` : '(native)'}`
    byFn.set(fn, (byFn.get(fn) ?? 0) + ms)
  }
  // inclusive: a sample counts for every place on its stack (so native calls such as
  // localStorage.setItem or JSON.stringify count for the script that made them)
  const parent = new Map()
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id)
  const inclusive = new Map()
  for (const [id, ms] of selfMs) {
    const places = new Set()
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const url = byId.get(at)?.callFrame.url
      if (url) places.add(place(url))
    }
    for (const p of places) inclusive.set(p, (inclusive.get(p) ?? 0) + ms)
  }
  const sorted = (m) => [...m.entries()].sort((a, b) => b[1] - a[1])
  return {
    totalMs,
    byPlace: sorted(byPlace),
    inclusiveByPlace: sorted(inclusive),
    topFunctions: sorted(byFn).slice(0, 12),
  }
}

/** A Node file URL or path → `packages/<pkg>/…`, `<npm package>` or `node:internal`. */
export function nodePlace(url) {
  if (url.startsWith('node:')) return 'node:internal'
  const path = url.replace(/^file:\/\//, '')
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(path)
  if (pkg) return pkg[1]
  const own = /\/(packages\/[^/]+\/.*)$/.exec(path) ?? /\/(bench\/.*)$/.exec(path)
  return own ? own[1] : path
}
