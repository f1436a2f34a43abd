// Browser delivery queue (DESIGN §3, §5). Storage is the source of truth: every step re-reads this
// instance's queue, so nothing is lost on reload or crash, and messages another tab adopted are
// never sent again from here. Delivery is at least once: Loops dedupes events by messageId
// (Idempotency-Key) and contact updates are upserts, so a repeat after pagehide is harmless.
import {
  type LoopsCdpError,
  QueueOverflowError,
  RelayHttpError,
  RelayRejectedError,
} from './errors'
import { createTabs } from './tabs'
import type { BatchResponse, DebugLogger, KeyValueStorage, Rejection, WireMessage } from './types'

/** The window-shaped globals the queue uses; injectable so Node tests can fire events. */
export interface QueueGlobals {
  addEventListener?(type: string, listener: () => void): void
  removeEventListener?(type: string, listener: () => void): void
  navigator?: { onLine?: boolean; sendBeacon?(url: string, data: Blob): boolean }
  document?: { visibilityState?: string }
}

export interface DeliveryQueueOptions {
  relayUrl: string
  headers?: Record<string, string>
  flushInterval: number
  flushAt: number
  maxQueueSize: number
  storage: KeyValueStorage
  storageKey: string
  fetch: typeof fetch
  now?: () => number
  random?: () => number
  log: DebugLogger
  onError?: (error: LoopsCdpError) => void
  onAcknowledged?: (accepted: WireMessage[], response: BatchResponse) => void
  /** Backoff base and cap in ms (defaults 1 s and 5 min). */
  retryBase?: number
  retryCap?: number
  /** Tab hand-over: heartbeat period, and the age after which a queue is adopted (2 s, 8 s). */
  heartbeatInterval?: number
  staleAfter?: number
  /** Default `globalThis`, looked up on use (never at import: the module also loads in Node). */
  globals?: QueueGlobals
}

export interface DeliveryQueue {
  enqueue(message: WireMessage): void
  flush(): Promise<void>
  pending(): WireMessage[]
  close(): void
}

export function createDeliveryQueue(o: DeliveryQueueOptions): DeliveryQueue {
  const { fetch: send, log, storage: s, flushInterval, now = Date.now, random = Math.random } = o
  const w: QueueGlobals = o.globals || globalThis
  const url = `${o.relayUrl}/v1/batch`
  const at = Math.min(o.flushAt, 100)
  const busy = new Set<string>() // messageIds inside a request right now
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
  const set = (k: string, v: unknown) => {
    try {
      v ? s.setItem(k, JSON.stringify(v)) : s.removeItem(k)
    } catch {}
  }
  const online = () => w.navigator?.onLine !== false
  const report = (e: LoopsCdpError) => {
    log(e.message, e)
    try {
      o.onError?.(e)
    } catch {}
  }
  const load = (id = tabs.id) => get<WireMessage[]>(`${o.storageKey}:${id}`) || []
  const save = (q: WireMessage[]) => {
    const n = q.length - o.maxQueueSize
    if (n > 0) report(new QueueOverflowError(q.splice(0, n).length))
    set(`${o.storageKey}:${tabs.id}`, q[0] && q)
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
    const body = JSON.stringify({ sentAt: new Date(now()).toISOString(), batch: b })
    const drop = () => save(load().filter((m) => !ids.includes(m.messageId)))
    let res: Response | undefined
    for (const i of ids) busy.add(i)
    try {
      try {
        res = await send(url, {
          method: 'POST',
          headers: { 'Content-Type': 'text/plain', ...o.headers },
          body,
          keepalive,
        })
      } catch (e) {
        log('relay unreachable', e)
        // No fetch, no keepalive or over its quota: a beacon; the batch stays queued until acked.
        if (keepalive && w.navigator?.sendBeacon?.(url, new Blob([body], { type: 'text/plain' })))
          return true
      }
      const st = res?.status ?? 0
      if (st > 199 && st < 300) {
        tries = 0
        const r: Partial<BatchResponse> = (await (res as Response).json().catch(() => 0)) || {}
        const rejected: Rejection[] = r.rejected || []
        const bad = rejected.map((x) => x.messageId ?? b[x.index]?.messageId)
        drop()
        for (const [i, x] of rejected.entries())
          report(new RelayRejectedError(`${bad[i]}`, x.error))
        const ok = b.filter((m) => !bad.includes(m.messageId))
        log(`delivered ${ok.length}`)
        try {
          o.onAcknowledged?.(ok, { accepted: r.accepted ?? ok.length, rejected })
        } catch {}
      } else if (st === 413 && b[1]) {
        const h = b.length >> 1
        return (await post(b.slice(0, h), keepalive)) && post(b.slice(h), keepalive)
      } else if (!st || st > 499 || st === 408 || st === 429) {
        // Retry-After is seconds or an HTTP date; else exponential backoff with jitter.
        const ra = res?.headers.get('retry-after')
        let d = ra ? (+ra >= 0 ? +ra * 1e3 : Date.parse(ra) - now()) : -1
        if (!(d >= 0))
          d = Math.min(o.retryCap ?? 3e5, (o.retryBase ?? 1e3) * 2 ** tries) * (0.5 + random() / 2)
        tries++
        log(`relay ${st}, retry in ${d | 0} ms`)
        clearTimeout(timer)
        timer = undefined
        hold = true
        schedule(d)
        return false
      } else {
        drop()
        report(new RelayHttpError(st, ids))
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
        while (!closed && !hold && online()) {
          const b = load()
            .filter((m) => !busy.has(m.messageId))
            .slice(0, at)
          if (!b[0] || !(await post(b))) break
        }
      } catch (e) {
        log('queue error', e)
      }
      running = undefined
      if (online() && load()[0]) schedule(flushInterval)
    })())

  // The page is going away: send everything now with keepalive, each body under 64 KB.
  const hide = () => {
    let c: WireMessage[] = []
    let size = 0
    const out = () => {
      if (c[0]) void post(c, true)
      c = []
      size = 0
    }
    for (const m of online() ? load() : []) {
      if (busy.has(m.messageId)) continue
      const n = new Blob([JSON.stringify(m)]).size + 1
      if (size + n > 65e3 || c[99]) out()
      c.push(m)
      size += n
    }
    out()
  }

  const tabs = createTabs(
    get,
    set,
    o.storageKey,
    now,
    o.heartbeatInterval ?? 2e3,
    o.staleAfter ?? 8e3,
    (id) => {
      const theirs = load(id)
      // Save before delete: a crash in between duplicates (harmless) instead of losing.
      save(theirs.concat(load()))
      set(`${o.storageKey}:${id}`, 0)
      if (theirs[0]) {
        log(`adopted ${theirs.length} from ${id}`)
        void pump()
      }
    },
  )
  const on: Record<string, () => void> = {
    online: fire,
    visibilitychange: () => w.document?.visibilityState === 'hidden' && hide(),
    pagehide() {
      hide()
      tabs.release()
    },
  }
  for (const t in on) w.addEventListener?.(t, on[t] as () => void)

  return {
    enqueue(m) {
      try {
        const q = load()
        q.push(m)
        save(q)
        schedule(flushInterval)
        if (q[at - 1]) void pump()
      } catch (e) {
        log('queue error', e)
      }
    },
    flush: pump,
    pending: () => load(),
    close() {
      closed = true
      clearTimeout(timer)
      tabs.stop()
      for (const t in on) w.removeEventListener?.(t, on[t] as () => void)
    },
  }
}
