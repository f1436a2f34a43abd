// The relay tests' view of a running Loops emulator: its inspection API and fault injection, over
// real HTTP. Shared by delivery-helpers.ts (per-test emulators) and http-harness.ts (per file).
import type { startEmulator } from '../../loops-emulator/src/index.js'

export interface EmuRequestRecord {
  method: string
  path: string
  status: number
  headers: Record<string, string>
  body: Record<string, unknown> | null
  fault: boolean
}

export type EmuEventRecord = Record<string, unknown> & {
  eventName: string
  email: string | null
  userId: string | null
  eventProperties: Record<string, unknown>
  idempotencyKey: string | null
}

export type EmuContact = Record<string, unknown> & { email: string | null; userId: string | null }

export interface FaultRule {
  status?: number
  times: number
  path?: string
  delayMs?: number
  body?: string
}

export function emulatorClient(emu: Awaited<ReturnType<typeof startEmulator>>) {
  const get = async <T>(name: string): Promise<T> =>
    (await (await fetch(`${emu.url}/_emulator/${name}`)).json()) as T
  return {
    url: emu.url,
    apiUrl: `${emu.url}/api`,
    contacts: () => get<EmuContact[]>('contacts'),
    events: () => get<EmuEventRecord[]>('events'),
    requests: () => get<EmuRequestRecord[]>('requests'),
    /** Fault rules not used up yet, with how many uses each has left. */
    faults: () => get<Array<{ remaining: number }>>('faults'),
    async reset() {
      await fetch(`${emu.url}/_emulator/reset`, { method: 'POST' })
    },
    async fault(rule: FaultRule) {
      const res = await fetch(`${emu.url}/_emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(rule),
      })
      if (res.status !== 200) throw new Error(`fault rule refused: ${await res.text()}`)
    },
  }
}
