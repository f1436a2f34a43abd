import { afterEach } from 'vitest'
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../src/index.js'

type Started = RunningEmulator & Awaited<ReturnType<typeof startEmulator>>

const running: Started[] = []

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()))
})

/** A fresh emulator on an ephemeral loopback port, closed after the test. */
export async function start(options: EmulatorOptions = {}) {
  const emu = await startEmulator({ rateLimit: 0, ...options })
  running.push(emu)
  const call = async (method: string, path: string, body?: unknown, headers = {}) => {
    const res = await fetch(`${emu.apiUrl}${path}`, {
      method,
      headers: {
        authorization: 'Bearer test-key',
        'content-type': 'application/json',
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    const text = await res.text()
    let json: unknown = null
    try {
      json = JSON.parse(text)
    } catch {}
    return { status: res.status, headers: res.headers, json: json as Record<string, unknown>, text }
  }
  const inspect = async <T = unknown>(name: string, init?: RequestInit): Promise<T> => {
    const res = await fetch(`${emu.url}/_emulator/${name}`, init)
    return (await res.json()) as T
  }
  return {
    ...emu,
    call,
    inspect,
    update: (body: unknown) => call('PUT', '/v1/contacts/update', body),
    event: (body: unknown, headers = {}) => call('POST', '/v1/events/send', body, headers),
    find: (query: string) => call('GET', `/v1/contacts/find?${query}`),
    contacts: () => inspect<Array<Record<string, unknown>>>('contacts'),
    fault: (rule: unknown) =>
      fetch(`${emu.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify(rule) }),
  }
}

/** Polls `check` until it returns true or the deadline passes (no fixed sleeps). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`condition not met within ${timeoutMs} ms`)
}
