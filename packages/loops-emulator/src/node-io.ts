import type { IncomingMessage, ServerResponse } from 'node:http'
import { type EmuRequest, type EmuResponse, jsonResponse, MAX_BODY_BYTES } from './http.js'

// Translation between Node's http objects and the emulator's runtime-neutral request/response.

/** Reads a Node request; resolves undefined when the body is over the size cap. */
export function readNodeRequest(req: IncomingMessage): Promise<EmuRequest | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) over = true
      else chunks.push(chunk)
    })
    req.on('error', reject)
    req.on('end', () => {
      if (over) return resolve(undefined)
      const url = new URL(req.url ?? '/', 'http://emulator.local')
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
      }
      resolve({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.search.slice(1),
        headers,
        bodyText: Buffer.concat(chunks).toString('utf8'),
      })
    })
  })
}

export function tooLarge(): EmuResponse {
  return jsonResponse(413, { success: false, message: 'Request body too large.' })
}

export function writeNodeResponse(res: ServerResponse, out: EmuResponse): void {
  if (res.writableEnded || res.destroyed) return
  res.writeHead(out.status, { ...out.headers, 'content-length': Buffer.byteLength(out.body) })
  res.end(res.req.method === 'HEAD' ? undefined : out.body)
}
