// Which page load owns which persisted queue. Each queue instance owns `${key}:${id}` and beats in
// the index `key` ({ [id]: lastBeat }; 0 = released at pagehide/close). A queue whose owner stopped
// beating (closed tab, crash, reload) is adopted by a live instance. localStorage has no
// transactions, so a claim is "write a marker, wait, re-read": of two tabs claiming at once only
// the last writer still sees its own id and moves the messages; the other one finds nothing.

/** JSON get/set on the queue's storage; both never throw. `set(k, falsy)` removes the key. */
export type JsonGet = <T>(key: string) => T | undefined
export type JsonSet = (key: string, value: unknown) => void

export interface Tabs {
  readonly id: string
  /** Let another instance adopt this queue now (pagehide); the next beat takes it back. */
  release(): void
  stop(): void
}

export function createTabs(
  get: JsonGet,
  set: JsonSet,
  key: string,
  now: () => number,
  every: number,
  staleAfter: number,
  adopt: (id: string) => void,
): Tabs {
  const id = Math.random().toString(36).slice(2)
  let on = true
  const index = () => get<Record<string, number>>(key) || {}
  const stale = (t?: number) => !((t as number) > now() - staleAfter)
  const mark = (t: number) => {
    const x = index()
    x[id] = t
    set(key, x)
    return x
  }
  const beat = () => {
    const x = mark(now())
    const dead = Object.keys(x).filter((k) => stale(x[k])) // never this instance: it just beat
    for (const k of dead) set(`${key}:${k}:claim`, id)
    // The pause lets a concurrent claimer's marker land first; only the last writer proceeds.
    if (dead[0])
      setTimeout(() => {
        for (const k of dead) {
          const c = `${key}:${k}:claim`
          if (on && get(c) === id) {
            const y = index()
            if (stale(y[k])) {
              delete y[k]
              set(key, y)
              adopt(k)
            }
            set(c, 0)
          }
        }
      }, 100)
  }
  beat()
  const timer = setInterval(beat, every)
  return {
    id,
    release: () => mark(0),
    stop() {
      on = false
      clearInterval(timer)
      mark(0)
    },
  }
}
