// A scriptable stand-in for the relay's POST /v1/batch on a real loopback port. It records every
// request and answers from a script (500/503/429 + Retry-After, 413, 400, a dropped socket), else
// as the relay's real validator (validateEnvelope) does: 200 with the wire protocol's
// `{ accepted, rejected }` (e.g. an eventName with ":" is rejected), or 400 for a bad envelope.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { validateEnvelope } from '../src/protocol'
import type { Rejection, WireMessage } from '../src/types'

export interface RecordedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  bytes: number
  sentAt?: string
  batch: WireMessage[]
  status: number // what the server answered; 0 = socket destroyed
}

export type Reply =
  | { status: number; headers?: Record<string, string>; rejected?: Rejection[]; body?: string }
  | 'drop'

export interface TestRelay {
  url: string
  requests: RecordedRequest[]
  /** Answers used in order, one per request; when empty, `respond` (default: the validator's). */
  replies: Reply[]
  respond?: (req: RecordedRequest) => Reply | undefined
  /** messageIds of every message the server accepted (2xx, not rejected), repeats included. */
  accepted(): string[]
  close(): Promise<void>
}

export async function startRelay(): Promise<TestRelay> {
  const relay: TestRelay = {
    url: '',
    requests: [],
    replies: [],
    accepted: () => acceptedIds,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  const acceptedIds: string[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      let parsed: { sentAt?: string; batch?: WireMessage[] } = {}
      try {
        parsed = JSON.parse(raw.toString('utf8'))
      } catch {}
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        bytes: raw.length,
        sentAt: parsed.sentAt,
        batch: Array.isArray(parsed.batch) ? parsed.batch : [],
        status: 0,
      }
      relay.requests.push(rec)
      const reply = relay.replies.shift() ?? relay.respond?.(rec) ?? validatorReply(raw)
      if (reply === 'drop') {
        req.socket.destroy()
        return
      }
      rec.status = reply.status
      const rejected = reply.rejected ?? []
      if (reply.status < 300) {
        const bad = new Set(rejected.map((r) => r.messageId ?? rec.batch[r.index]?.messageId))
        for (const m of rec.batch) if (!bad.has(m.messageId)) acceptedIds.push(m.messageId)
      }
      const body =
        reply.body ??
        JSON.stringify(
          reply.status < 300
            ? { accepted: rec.batch.length - rejected.length, rejected }
            : { error: `status ${reply.status}` },
        )
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
      res.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  relay.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return relay
}

/** What the relay answers a body with, before any delivery to Loops. */
function validatorReply(raw: Buffer): Reply {
  const v = validateEnvelope(raw.toString('utf8'))
  return v.ok
    ? { status: 200, rejected: v.rejected }
    : { status: 400, body: JSON.stringify({ error: v.error }) }
}

/** Polls `check` until it is true (bounded); fails with `what` when the deadline passes. */
export async function waitFor(check: () => boolean, what = 'condition', ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
