// CDP call + stored identity → wire message (docs/architecture.md). Pure: the facade owns storage and queue.
// A string result is the reason a call is not sent (a debug line).
// Values travel as the app passed them (JSON); the relay's validator applies Loops' value rules
// (sanitizeProperties, normalizeMailingLists, `name` → firstName/lastName) before Loops sees them.
import {
  contextEmail,
  type Identity,
  isListsKey,
  type Json,
  json,
  str,
  type TraitStore,
} from './traits'
import type {
  CdpCall,
  ContactMessage,
  DebugLogger,
  EventMessage,
  LoopsProperties,
  WireMessage,
} from './types'

export type Mapped<M> = M | string

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
export function mapIdentify(call: CdpCall, id: Identity, traits: Json): Mapped<ContactMessage> {
  if (!id.e && !id.u) return `identify${NO_ID}`
  // Properties travel as JSON; the relay's validator turns them into Loops values.
  const m: ContactMessage = base('contact', call, id.u, id.e)
  const key = Object.keys(traits).filter(isListsKey).pop()
  // Only an object or the old array form: the relay rejects the whole message for anything else.
  const lists = key && traits[key]
  if (some(id.t)) m.properties = id.t as LoopsProperties
  if (lists && typeof lists === 'object') m.mailingLists = lists as ContactMessage['mailingLists']
  if (typeof traits.subscribed === 'boolean') m.subscribed = traits.subscribed
  return m
}

/**
 * track → event message. email: properties → context.traits → stored; userId: the call's (already
 * in `id`) → stored. contactProperties: the stored traits, all (`true`), none or the listed keys.
 * An event name with ":" (Loops forbids it) is sent all the same: the relay rejects it with that
 * reason, which reaches onError as a RelayRejectedError.
 */
export function mapTrack(
  call: CdpCall,
  id: Identity,
  attach: boolean | string[] = true,
  log: DebugLogger = () => {},
): Mapped<EventMessage> {
  const name = str(call.event)
  if (!name) return 'track not sent: no event name'
  const ep = json(call.properties, log)
  const email = str(ep.email) || contextEmail(call) || id.e
  if (!email && !id.u) return `track "${name}"${NO_ID}`
  const m: EventMessage = { ...base('event', call, id.u, email), eventName: name }
  const cp: Json = {}
  for (const k in id.t) if (attach === true || (attach ? attach.includes(k) : 0)) cp[k] = id.t[k]
  if (some(ep)) m.eventProperties = ep as LoopsProperties
  if (some(cp)) m.contactProperties = cp as LoopsProperties
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
  const traits = ident ? json(call.traits, log) : {}
  const id = store.load(str(call.userId) || str(traits.userId))
  if (ident) {
    id.e = str(traits.email) || contextEmail(call) || id.e
    store.merge(id, traits)
  }
  store.save(id)
  return ident ? mapIdentify(call, id, traits) : mapTrack(call, id, attach, log)
}

/**
 * What identify dedupe compares: the contact payload. Key order counts, which costs at most one
 * redundant send when an app reorders its traits, and keeps this small.
 */
export const contactKey = (m: ContactMessage): string =>
  JSON.stringify([m.email, m.userId, m.properties, m.mailingLists, m.subscribed])
