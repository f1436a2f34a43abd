// The Loops API client (ky). One attempt per call: retries, backoff and pacing belong to the
// delivery modes, so every call resolves — never rejects — to a typed LoopsResult.
import { createLoopsRequest } from './loops-request'
import type { LoopsClient, LoopsResult } from './loops-types'

export type {
  LoopsClient,
  LoopsContactBody,
  LoopsEventBody,
  LoopsFailure,
  LoopsResult,
  LoopsSuccess,
  LoopsValue,
  RateLimitInfo,
} from './loops-types'

export interface LoopsClientOptions {
  /**
   * The Loops API key. May be absent only against the emulator (config allows that for loopback
   * URLs alone); a placeholder token is sent then, which an emulator without `--api-key` accepts.
   */
  apiKey?: string | undefined
  /** Default `https://app.loops.so/api`; the emulator's is `http://127.0.0.1:<port>/api`. */
  baseUrl?: string
  timeoutMs?: number
  fetch?: typeof fetch
}

export function createLoopsClient(options: LoopsClientOptions): LoopsClient {
  const send = createLoopsRequest({
    apiKey: options.apiKey || 'no-key',
    baseUrl: options.baseUrl ?? 'https://app.loops.so/api',
    timeoutMs: options.timeoutMs ?? 10_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })

  async function call(
    method: 'GET' | 'PUT' | 'POST',
    endpoint: string,
    json?: unknown,
    headers?: Record<string, string>,
  ): Promise<LoopsResult> {
    const answer = await send({ method, endpoint, json, headers })
    if (!answer.ok) return answer
    const { text, ...success } = answer
    const teamName = endpoint === 'api-key' ? readTeamName(text) : undefined
    return { ...success, ...(teamName ? { teamName } : {}) }
  }

  return {
    updateContact: (body) => call('PUT', 'contacts/update', body),
    sendEvent: (body, idempotencyKey) =>
      call('POST', 'events/send', body, { 'idempotency-key': idempotencyKey }),
    testApiKey: () => call('GET', 'api-key'),
  }
}

function readTeamName(text: string): string | undefined {
  try {
    const data: unknown = JSON.parse(text)
    const name = (data as { teamName?: unknown } | null)?.teamName
    return typeof name === 'string' ? name : undefined
  } catch {
    return undefined
  }
}
