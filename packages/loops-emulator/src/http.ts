import type { Json } from './types.js'

/** A runtime-neutral request: the Node and fetch adapters both translate to and from these. */
export interface EmuRequest {
  method: string
  /** Pathname only, e.g. `/api/v1/contacts/find`. */
  path: string
  /** Query string without the leading `?`. */
  query: string
  /** Lower-case header names. */
  headers: Record<string, string>
  bodyText: string
}

export interface EmuResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** Loops sends no body larger than this is documented for; transactional allows < 4 MB. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024

export function jsonResponse(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): EmuResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value),
  }
}

/**
 * Copies headers for inspection output with `Authorization` redacted, so the API key never
 * shows up in `/_emulator/*` or on the dashboard.
 */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'authorization' || name === 'proxy-authorization') {
      out[name] = /^bearer\s/i.test(value) ? 'Bearer ***' : '***'
    } else {
      out[name] = value
    }
  }
  return out
}

/** Parsed JSON when the text is JSON, the raw text otherwise, null when empty. */
export function parseLoose(text: string): Json | string | null {
  if (text === '') return null
  try {
    return JSON.parse(text) as Json
  } catch {
    return text
  }
}

/** The bearer token of a request, or undefined. */
export function bearerToken(headers: Record<string, string>): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')
  const token = match?.[1]?.trim()
  return token ? token : undefined
}
