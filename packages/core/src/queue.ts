// Browser delivery queue (docs/architecture.md, "The queue"). Storage is the source of truth: every
// step re-reads this instance's queue, so nothing is lost on reload or crash, and messages another
// tab adopted are never sent again from here. Calls are written together at most 50 ms later (and
// at once when the page is hidden, unloads or flushes): analytics-next hands over each event in its
// own task, and one write per event (JSON of the whole waiting queue) was most of the plugin's
// main-thread cost. Only a crash inside those 50 ms loses the calls made in them. Delivery is at
// least once: Loops dedupes events by messageId (Idempotency-Key) and contact updates are upserts.
//
// Tabs: each instance owns `${key}:${id}` and beats in the index `key` ({ [id]: lastBeat }; 0 =
// released at pagehide/close). A queue whose owner stopped beating (closed tab, crash, reload) is
// adopted by a live instance. localStorage has no transactions, so a claim is "write your id over
// the owner's beat, wait, re-read": of two tabs claiming at once only the last writer still finds
// its id and adopts. A claim lost to another tab's beat write is simply made again at the next
// beat.
import {
  type LoopsCdpError,
  QueueOverflowError,
  RelayHttpError,
  RelayRejectedError,
} from './errors'
import * as timing from './queue-timing'
import type { BatchResponse, DebugLogger, KeyValueStorage, Rejection, WireMessage } from './types'

/** The window-shaped globals the queue uses; injectable so Node tests can fire events. */
export interface QueueGlobals {
  addEventListener?(type: string, listener: () => void): void
  removeEventListener?(type: string, listener: () => void): void
  navigator?: { onLine?: boolean; sendBeacon?(url: string, data: string): boolean }
  document?: { visibilityState?: string }
}

export interface DeliveryQueueOptions {
  relayUrl: string
  headers?: Record<string, string>
  /** ms, default 500 */
  flushInterval?: number
  /** Send as soon as this many are queued (default 20); a request carries up to 100. */
  flushAt?: number
  /** Default 1000; beyond it the oldest are dropped and reported. */
  maxQueueSize?: number
  storage: KeyValueStorage
  storageKey: string
  fetch: typeof fetch
  now?: () => number
  log: DebugLogger
  /** Every error, once (the facade also writes it to the debug log). */
  onError: (error: LoopsCdpError) => void
  /** Each answered batch: what the relay accepted. A throw is reported to onError. */
  onDeliver?: (result: { messages: WireMessage[]; response: BatchResponse }) => void
  /** Default `globalThis`, looked up on use (never at import: the module also loads in Node). */
  globals?: QueueGlobals
}

export interface DeliveryQueue {
  enqueue(message: WireMessage): void
  flush(): Promise<void>
  pending(): WireMessage[]
  close(): void
}

type Index = Record<string, number | string>

export function createDeliveryQueue(o: DeliveryQueueOptions): DeliveryQueue {
  const { fetch: send, log, storage: s, storageKey: key, now = Date.now } = o
  const w: QueueGlobals = o.globals || globalThis
  const url = `${o.relayUrl}/v1/batch`
  const flushInterval = o.flushInterval ?? 500
  const at = Math.min(o.flushAt || 20, 100)
  const max = o.maxQueueSize || 1e3
  const me = Math.random().toString(36).slice(2) // this instance (tab, page load)
  const busy = new Set<string>() // messageIds inside a request right now
  let buf: WireMessage[] = [] // enqueued, not yet in storage (written within 50 ms)
  let timer: ReturnType<typeof setTimeout> | undefined
  let hold = false // backing off: only the retry timer or `online` resumes
  let tries = 0
  let closed = false
  let running: Promise<void> | undefined

  const get = <T>(k: string): T | undefined => {
    try {
      return JSON.parse(s.getItem(k) as string)
    } catch {}
  }
  // Writes JSON (a falsy value removes the key) and returns the text written.
  const set = (k: string, v: unknown) => {
    try {
      const t = v ? JSON.stringify(v) : null
      t ? s.setItem(k, t) : s.removeItem(k)
      return t
    } catch {}
  }
  const report = (e: LoopsCdpError) => {
    try {
      o.onError(e)
    } catch {}
  }
  const online = () => w.navigator?.onLine !== false
  // This instance's queue is parsed again only when its stored text changed (another tab adopted
  // it): reading and comparing the text is cheap next to JSON.parse of up to maxQueueSize messages.
  let seen: string | null | undefined
  let mine: WireMessage[] = []
  const load = (id = me): WireMessage[] => {
    try {
      const raw = s.getItem(`${key}:${id}`)
      return raw === seen && id === me ? mine : JSON.parse(raw as string) || []
    } catch {
      return []
    }
  }
  // Over maxQueueSize the oldest messages go, except those inside a request right now: they may
  // still be delivered, and reporting them dropped would count them twice.
  const save = (q: WireMessage[]) => {
    let n = q.length - max
    const out = q.filter((m) => n > 0 && !busy.has(m.messageId) && n--)
    if (out[0]) {
      report(new QueueOverflowError(out.map((m) => m.messageId)))
      q = q.filter((m) => !out.includes(m)) // a second pass only when something overflowed
    }
    seen = set(`${key}:${me}`, q[0] && q)
    mine = q
    return q
  }
  const commit = () => {
    if (buf[0]) {
      const q = save(load().concat(buf))
      buf = []
      schedule(flushInterval)
      if (q[at - 1]) void pump()
    }
  }
  // Retry timer, flush timer and `online` all end up here.
  const fire = () => {
    clearTimeout(timer)
    timer = undefined
    hold = false
    void pump()
  }
  const schedule = (ms: number) => {
    if (!closed) timer ||= setTimeout(fire, ms)
  }

  // Sends one batch; false when it is kept for a retry (the caller stops for now).
  const post = async (b: WireMessage[], keepalive?: boolean): Promise<boolean> => {
    const ids = b.map((m) => m.messageId)
    // A string body: fetch and sendBeacon label it `text/plain;charset=UTF-8` themselves, which
    // keeps the request CORS-simple (no preflight).
    const body = JSON.stringify({ sentAt: new Date(now()).toISOString(), batch: b })
    let res: Response | undefined
    for (const i of ids) busy.add(i)
    try {
      try {
        res = await send(url, { method: 'POST', headers: o.headers, body, keepalive })
      } catch (e) {
        log('relay unreachable', e)
        // No fetch, no keepalive or over its quota: a beacon; the batch stays queued until acked.
        if (keepalive && w.navigator?.sendBeacon?.(url, body)) return true
      }
      const st = res?.status ?? 0
      if (st === 413 && b[1]) {
        const h = b.length >> 1
        return (await post(b.slice(0, h), keepalive)) && post(b.slice(h), keepalive)
      }
      if (!st || st > 499 || st === 408 || st === 429) {
        // Retry-After is seconds or an HTTP date; else exponential backoff with jitter.
        const ra = res?.headers.get('retry-after')
        let d = ra ? (+ra >= 0 ? +ra * 1e3 : Date.parse(ra) - now()) : -1
        if (!(d >= 0))
          d = Math.min(timing.retryCap, timing.retryBase * 2 ** tries) * (0.5 + Math.random() / 2)
        tries++
        log(`relay ${st}, retry in ${d | 0} ms`)
        clearTimeout(timer)
        timer = undefined
        hold = true
        schedule(d)
        return false
      }
      // Answered: whatever happens next, this batch leaves the queue.
      save(load().filter((m) => !ids.includes(m.messageId)))
      if (st > 299) {
        report(new RelayHttpError(st, ids))
        return true
      }
      tries = 0
      const r: Partial<BatchResponse> = (await (res as Response).json().catch(() => 0)) || {}
      const rejected: Rejection[] = r.rejected || []
      const bad = rejected.map((x) => {
        const id = x.messageId ?? b[x.index]?.messageId
        report(new RelayRejectedError(`${id}`, x.error))
        return id
      })
      const ok = b.filter((m) => !bad.includes(m.messageId))
      log(`delivered ${ok.length}`)
      try {
        o.onDeliver?.({ messages: ok, response: { accepted: r.accepted ?? ok.length, rejected } })
      } catch (e) {
        report(e as LoopsCdpError) // the facade's onError turns any thrown value into one
      }
      return true
    } finally {
      for (const i of ids) busy.delete(i)
    }
  }

  // One drain at a time, in order; it re-reads storage per batch, so a flush() joining a running
  // drain still covers everything queued when it was called.
  const pump = (): Promise<void> =>
    (running ||= (async () => {
      await 0 // let `running` be set before the body runs
      try {
        commit()
        while (!closed && !hold && online()) {
          // Everything waiting, up to 100 per request: a backlog drains 5× faster than by flushAt.
          const b = load()
            .filter((m) => !busy.has(m.messageId))
            .slice(0, 100)
          if (!b[0] || !(await post(b))) break
        }
      } catch (e) {
        log('queue error', e)
      }
      running = undefined
      if (online() && load()[0]) schedule(flushInterval)
    })())

  // The page is going away: one keepalive request with what fits the browser's 64 KB keepalive
  // quota (shared by all of this page's keepalive requests); the rest waits for the next visit.
  const hide = () => {
    commit()
    let size = 0
    const fits = (m: WireMessage) => {
      size += new Blob([JSON.stringify(m)]).size
      return size < 6e4
    }
    const b = (online() ? load() : []).filter(
      (m) => !busy.has(m.messageId) && size < 6e4 && fits(m),
    )
    if (b[0]) void post(b.slice(0, 100), true)
  }

  // Tabs (see the top of this file).
  const index = () => get<Index>(key) || {}
  const stale = (t?: number | string) => !((t as number) > now() - timing.staleAfter)
  const mark = (t: number) => {
    const x = index()
    x[me] = t
    set(key, x)
  }
  const beat = () => {
    const x = index()
    x[me] = now()
    const dead = Object.keys(x).filter((k) => stale(x[k])) // never this instance: it just beat
    for (const k of dead) x[k] = me // the claim: the claimer's id in place of the owner's beat
    set(key, x)
    // The pause lets a concurrent claim land first; only the last writer still finds its id.
    if (dead[0])
      setTimeout(() => {
        const y = index()
        for (const k of dead)
          if (!closed && y[k] === me) {
            delete y[k]
            const theirs = load(k)
            // Save before delete: a crash in between duplicates (harmless) instead of losing.
            save(theirs.concat(load()))
            set(`${key}:${k}`, 0)
            log(`adopted ${theirs.length} from ${k}`)
            void pump()
          }
        set(key, y)
      }, 100)
  }
  beat()
  const beating = setInterval(beat, timing.heartbeat)

  const on: Record<string, () => void> = {
    online: fire,
    visibilitychange: () => w.document?.visibilityState === 'hidden' && hide(),
    pagehide() {
      hide()
      mark(0) // let another tab adopt this queue now; the next beat takes it back
    },
  }
  for (const t in on) w.addEventListener?.(t, on[t] as () => void)

  return {
    enqueue(m) {
      if (buf.push(m) < 2) setTimeout(commit, 50)
    },
    flush: pump,
    pending: () => load().concat(buf),
    close() {
      commit()
      closed = true
      clearTimeout(timer)
      clearInterval(beating)
      mark(0)
      for (const t in on) w.removeEventListener?.(t, on[t] as () => void)
    },
  }
}
