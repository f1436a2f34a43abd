import { FaultRuleError } from './errors.js'
import { parseFaultRule } from './faults.js'
import { type EmuRequest, type EmuResponse, jsonResponse, parseLoose } from './http.js'
import type { EmulatorState } from './state.js'

/**
 * `/_emulator/*`: read the emulator's state and control it. Not rate limited, not logged.
 * Headers in every output are already redacted when recorded.
 */
export function handleInspect(state: EmulatorState, req: EmuRequest): EmuResponse {
  const name = req.path.slice('/_emulator/'.length)
  const key = `${req.method} ${name}`
  const limit = Number(new URLSearchParams(req.query).get('limit') ?? Number.NaN)
  const tail = <T>(items: T[]): T[] =>
    Number.isInteger(limit) && limit >= 0 ? items.slice(Math.max(0, items.length - limit)) : items
  switch (key) {
    case 'GET contacts':
      return jsonResponse(200, state.contactList())
    case 'GET events':
      return jsonResponse(200, tail(state.events()))
    case 'GET requests':
      return jsonResponse(200, tail(state.requests()))
    case 'GET transactional':
      return jsonResponse(200, tail(state.transactional()))
    case 'GET faults':
      return jsonResponse(200, state.faults.pending())
    case 'GET state':
      return jsonResponse(200, summary(state))
    case 'POST reset':
      state.reset()
      return jsonResponse(200, { ok: true })
    case 'POST faults':
      return addFaults(state, req.bodyText)
    case 'DELETE faults':
      state.faults.clear()
      return jsonResponse(200, { ok: true })
    default:
      return jsonResponse(404, { ok: false, error: `Unknown inspection endpoint ${key}` })
  }
}

/** Accepts one rule or an array of rules; all are validated before any is queued. */
function addFaults(state: EmulatorState, bodyText: string): EmuResponse {
  const parsed = parseLoose(bodyText)
  const items = Array.isArray(parsed) ? parsed : [parsed]
  try {
    const rules = items.map(parseFaultRule)
    for (const rule of rules) state.faults.add(rule)
  } catch (error) {
    if (error instanceof FaultRuleError)
      return jsonResponse(400, { ok: false, error: error.message })
    throw error
  }
  return jsonResponse(200, { ok: true })
}

/** Counters and settings for the dashboard header. */
function summary(state: EmulatorState) {
  return {
    teamName: state.teamName,
    apiKeyRequired: state.apiKey !== undefined,
    autoProperties: state.autoProperties,
    rateLimit: {
      limit: state.bucket.limit,
      remaining: state.bucket.enabled ? state.bucket.peek() : null,
    },
    lists: state.lists,
    properties: state.properties.list('custom'),
    pendingFaults: state.faults.pending(),
    counts: {
      contacts: state.contacts.size,
      events: state.events().length,
      requests: state.requests().length,
      transactional: state.transactional().length,
    },
  }
}
