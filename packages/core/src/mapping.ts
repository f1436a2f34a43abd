// CDP call + stored identity → wire message (DESIGN §2). Pure: the facade owns storage and queue.
// A string result is the reason a call is not sent (a debug line); a MappingError is reported.
import { MappingError } from './errors'
import { get, normalizeMailingLists, obj, sanitizeProperties } from './sanitize'
import { contextEmail, type Identity, isListsKey, str, type TraitStore } from './traits'
import type {
  CdpCall,
  ContactMessage,
  DebugLogger,
  EventMessage,
  LoopsProperties,
  WireMessage,
} from './types'

export type Mapped<M> = M | string | MappingError

const NO_ID = ' not sent: no email or userId'
const some = (o: object) => Object.keys(o).length > 0

// Fields every message shares; undefined ones vanish in JSON.
const base = <T extends string>(type: T, call: CdpCall, userId?: string, email?: string) => {
  const ts = call.timestamp
  const timestamp = ts instanceof Date ? ts.toISOString() : ts
  return { type, messageId: call.messageId, timestamp, userId, email }
}

/**
 * identify → contact message. `id` is the identity with this call already merged in, so its
 * traits are the contact properties. mailingLists and `subscribed` come from this call only.
 */
export function mapIdentify(call: CdpCall, id: Identity, log: DebugLogger): Mapped<ContactMessage> {
  if (!id.e && !id.u) return `identify${NO_ID}`
  const m: ContactMessage = base('contact', call, id.u, id.e)
  const traits = obj(call.traits) || {}
  const key = Object.keys(traits).filter(isListsKey).pop()
  const lists = key && normalizeMailingLists(traits[key], log)
  if (some(id.t)) m.properties = id.t
  if (lists) m.mailingLists = lists
  if (typeof traits.subscribed === 'boolean') m.subscribed = traits.subscribed
  return m
}

/**
 * track → event message. email: properties → context.traits → stored; userId: the call's (already
 * in `id`) → stored. contactProperties: the stored traits, all (`true`), none or the listed keys.
 */
export function mapTrack(
  call: CdpCall,
  id: Identity,
  attach: boolean | string[] = true,
  log?: DebugLogger,
): Mapped<EventMessage> {
  const name = str(call.event)
  if (!name) return 'track not sent: no event name'
  if (name.includes(':')) {
    return new MappingError(
      `Event name "${name}" contains ":", which Loops forbids`,
      call.messageId,
    )
  }
  const email = str(get(call.properties, 'email')) || contextEmail(call) || id.e
  if (!email && !id.u) return `track "${name}"${NO_ID}`
  const m: EventMessage = Object.assign(base('event', call, id.u, email), { eventName: name })
  const ep = sanitizeProperties(call.properties, { kind: 'event', log })
  const cp: LoopsProperties = {}
  for (const k of Object.keys(id.t)) {
    if (attach === true || (attach ? attach.includes(k) : 0))
      cp[k] = id.t[k] as LoopsProperties[string]
  }
  if (some(ep)) m.eventProperties = ep
  if (some(cp)) m.contactProperties = cp
  return m
}

/**
 * The one path from a call to a message: resolve the identity (identify: userId → traits.userId →
 * stored; email: traits → context.traits → stored), merge and persist identify traits, then map.
 * page/group/alias/screen give a skip reason.
 */
export function mapCall(
  call: CdpCall,
  store: TraitStore,
  attach: boolean | string[] | undefined,
  log: DebugLogger,
): Mapped<WireMessage> {
  const type = call.type
  if (type !== 'identify' && type !== 'track') return `${type} ignored`
  const ident = type === 'identify'
  const traits = obj(call.traits) || {}
  const id = store.load(str(call.userId) || (ident ? str(traits.userId) : undefined))
  if (ident) {
    id.e = str(traits.email) || contextEmail(call) || id.e
    store.merge(id, traits)
  }
  store.save(id)
  return ident ? mapIdentify(call, id, log) : mapTrack(call, id, attach, log)
}

/**
 * What identify dedupe compares: the contact payload. Key order counts, which costs at most one
 * redundant send when an app reorders its traits, and keeps this small.
 */
export const contactKey = (m: ContactMessage): string =>
  JSON.stringify([m.email, m.userId, m.properties, m.mailingLists, m.subscribed])
