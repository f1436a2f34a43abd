// Records, for a whole browser context, what the pages sent: the plugin's batches to the relay
// and the host SDK's own calls to its (stubbed) API, where the SDK's messageIds can be read
// independently of our plugin.
import type { BrowserContext, Request, Response } from '@playwright/test'

export interface RelayEntry {
  type: 'contact' | 'event'
  messageId: string
  email?: string
  userId?: string
  eventName?: string
  properties?: Record<string, unknown>
  eventProperties?: Record<string, unknown>
  contactProperties?: Record<string, unknown>
  mailingLists?: Record<string, boolean>
}

export interface RelayBatch {
  url: string
  entries: RelayEntry[]
  /** HTTP status, 0 while pending or when the request failed. */
  status: number
  failed: boolean
}

export interface SdkCall {
  type: string
  event?: string
  messageId: string
}

const isRelayBatch = (url: URL) =>
  url.pathname.endsWith('/v1/batch') && !url.pathname.startsWith('/vendor/')
const isSdkApi = (url: URL) =>
  /^\/vendor\/segment\/api\//.test(url.pathname) ||
  /^\/vendor\/rudder\/dataplane\//.test(url.pathname)

function parse(request: Request): unknown {
  try {
    return JSON.parse(request.postData() ?? 'null')
  } catch {
    return null
  }
}

function asList(body: unknown): Array<Record<string, unknown>> {
  if (typeof body !== 'object' || body === null) return []
  const batch = (body as { batch?: unknown }).batch
  const list = Array.isArray(batch) ? batch : [body]
  return list.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null)
}

export class WireLog {
  readonly batches: RelayBatch[] = []
  readonly sdkCalls: SdkCall[] = []
  /** http(s) requests to anything but loopback: must stay empty (no CDN, no vendor cloud). */
  readonly external: string[] = []
  private readonly byRequest = new Map<Request, RelayBatch>()
  private readonly bodies: Array<Promise<{ url: string; body: string }>> = []
  private collectBodies = false

  attach(context: BrowserContext): void {
    context.on('request', (request) => this.onRequest(request))
    context.on('requestfinished', (request) => void this.onFinished(request))
    context.on('requestfailed', (request) => {
      const batch = this.byRequest.get(request)
      if (batch) batch.failed = true
    })
    context.on('response', (response) => this.onResponse(response))
  }

  /** From now on keep every response body the pages receive. */
  recordBodies(): void {
    this.collectBodies = true
  }

  async responseBodies(): Promise<Array<{ url: string; body: string }>> {
    return Promise.all(this.bodies)
  }

  private onRequest(request: Request): void {
    const url = new URL(request.url())
    if (
      /^https?:$/.test(url.protocol) &&
      !/^(127\.0\.0\.1|localhost|\[::1\])$/.test(url.hostname)
    ) {
      this.external.push(request.url())
    }
    if (request.method() !== 'POST') return
    if (isRelayBatch(url)) {
      const batch: RelayBatch = {
        url: request.url(),
        entries: asList(parse(request)) as unknown as RelayEntry[],
        status: 0,
        failed: false,
      }
      this.batches.push(batch)
      this.byRequest.set(request, batch)
    } else if (isSdkApi(url)) {
      for (const e of asList(parse(request))) {
        if (typeof e.messageId !== 'string') continue
        const call: SdkCall = { type: String(e.type), messageId: e.messageId }
        if (typeof e.event === 'string') call.event = e.event
        this.sdkCalls.push(call)
      }
    }
  }

  private async onFinished(request: Request): Promise<void> {
    const batch = this.byRequest.get(request)
    if (!batch) return
    const response = await request.response().catch(() => null)
    batch.status = response?.status() ?? 0
  }

  private onResponse(response: Response): void {
    if (!this.collectBodies) return
    const url = response.url()
    this.bodies.push(
      response.body().then(
        (b) => ({ url, body: b.toString('utf8') }),
        () => ({ url, body: '' }),
      ),
    )
  }

  /** Relay entries (contact or event) sent for one event name / any contact. */
  eventEntries(eventName: string): RelayEntry[] {
    return this.batches.flatMap((b) =>
      b.entries.filter((e) => e.type === 'event' && e.eventName === eventName),
    )
  }

  contactEntries(): RelayEntry[] {
    return this.batches.flatMap((b) => b.entries.filter((e) => e.type === 'contact'))
  }

  /** The messageIds the host SDK itself gave to `track(eventName)` (from its own API calls). */
  sdkTrackIds(eventName: string): string[] {
    return this.sdkCalls
      .filter((c) => c.type === 'track' && c.event === eventName)
      .map((c) => c.messageId)
  }
}
