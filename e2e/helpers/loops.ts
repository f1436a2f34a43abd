// Reads the emulator's inspection API (packages/loops-emulator/README.md): what actually reached
// "Loops".

export interface EmulatedContact {
  id: string
  email: string | null
  userId: string | null
  firstName: string | null
  mailingLists: Record<string, true>
  [property: string]: unknown
}

export interface EmulatedEvent {
  eventName: string
  email: string | null
  userId: string | null
  eventProperties: Record<string, unknown>
  contactProperties: Record<string, unknown>
  idempotencyKey: string | null
  receivedAt: string
}

export interface EmulatedRequest {
  method: string
  path: string
  status: number
  headers: Record<string, string>
  body: unknown
  fault: boolean
  /** With an `after` fault: the status of the processing the client never saw. */
  processedStatus?: number
  receivedAt: string
}

export interface FaultRule {
  status?: 429 | 500 | 502 | 503
  times: number
  path?: string
  delayMs?: number
  /** Process the request, then answer `status`: Loops did the work, the answer was lost. */
  after?: boolean
}

export class EmulatorInspectError extends Error {
  override name = 'EmulatorInspectError'
  constructor(
    readonly path: string,
    readonly status: number,
  ) {
    super(`emulator ${path} answered ${status}`)
  }
}

export class LoopsInspector {
  constructor(readonly url: string) {}

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}${path}`)
    if (!res.ok) throw new EmulatorInspectError(path, res.status)
    return (await res.json()) as T
  }

  contacts(): Promise<EmulatedContact[]> {
    return this.get('/_emulator/contacts')
  }

  async contact(email: string): Promise<EmulatedContact | undefined> {
    return (await this.contacts()).find((c) => c.email === email)
  }

  events(): Promise<EmulatedEvent[]> {
    return this.get('/_emulator/events')
  }

  async eventsNamed(eventName: string): Promise<EmulatedEvent[]> {
    return (await this.events()).filter((e) => e.eventName === eventName)
  }

  requests(): Promise<EmulatedRequest[]> {
    return this.get('/_emulator/requests')
  }

  /** The team's custom contact properties (`{ key, type }`), as Loops' settings list them. */
  async customProperties(): Promise<Array<{ key: string; type: string }>> {
    const state = await this.get<{ properties: Array<{ key: string; type: string }> }>(
      '/_emulator/state',
    )
    return state.properties.map(({ key, type }) => ({ key, type }))
  }

  /** `PUT /api/v1/contacts/update` calls, whatever their answer. */
  async contactUpdates(email?: string): Promise<EmulatedRequest[]> {
    return (await this.requests()).filter(
      (r) =>
        r.path === '/api/v1/contacts/update' &&
        (email === undefined || (r.body as { email?: unknown } | null)?.email === email),
    )
  }

  /** `POST /api/v1/events/send` calls for one event name, whatever their answer. */
  async eventSends(eventName: string): Promise<EmulatedRequest[]> {
    return (await this.requests()).filter(
      (r) =>
        r.path === '/api/v1/events/send' &&
        (r.body as { eventName?: unknown } | null)?.eventName === eventName,
    )
  }

  async fault(rule: FaultRule): Promise<void> {
    const res = await fetch(`${this.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rule),
    })
    if (!res.ok) throw new EmulatorInspectError('/_emulator/faults', res.status)
  }
}
