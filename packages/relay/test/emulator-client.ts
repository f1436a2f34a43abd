// The relay tests' view of a running Loops emulator: its inspection API and fault injection, over
// real HTTP. Made by helpers/test-resources.ts for delivery-helpers.ts (per test) and
// http-harness.ts (per file).
import type { startEmulator } from '../../loops-emulator/src/index.js'

export interface EmuRequestRecord {
  method: string
  path: string
  status: number
  headers: Record<string, string>
  body: Record<string, unknown> | null
  fault: boolean
  /** With an `after` fault: the status the processing gave, which the client never saw. */
  processedStatus?: number
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
  /** Process the request, then answer `status` (Loops did the work; the answer was lost). */
  after?: boolean
}

/**
 * The custom properties of the team the relay tests talk to. The emulator runs as Loops does:
 * any other property is accepted and not stored, so a test sees a property Loops would drop.
 */
export const TEST_PROPERTIES: Array<{
  key: string
  type: 'string' | 'number' | 'boolean' | 'date'
}> = [
  { key: 'plan', type: 'string' },
  { key: 'company', type: 'string' },
  { key: 'role', type: 'string' },
  { key: 'addressCity', type: 'string' },
  { key: 'seats', type: 'number' },
  { key: 'creditLimit', type: 'number' },
  { key: 'isStaff', type: 'boolean' },
  { key: 'isAdmin', type: 'boolean' },
  { key: 'signedUpAt', type: 'date' },
]

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
