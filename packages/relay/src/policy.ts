// Relay policy (docs/architecture.md, "The relay's HTTP side"), applied to each message after core
// validated and re-sanitized it. The browser is untrusted: a message can be refused (identity,
// event name) or trimmed (contact properties, mailing lists, `subscribed: true`); trimming never
// refuses the message.

import type { LoopsProperties, WireMessage } from '@loops-cdp/core/protocol'
import type { RelayConfig } from './config'
import { verifyUserHash } from './identity'

export type PolicyConfig = Pick<
  RelayConfig,
  | 'identitySecret'
  | 'eventAllowlist'
  | 'propertyAllowlist'
  | 'propertyDenylist'
  | 'mailingListAllowlist'
  | 'allowResubscribe'
>

/** Low-cardinality reason for metrics; `error` carries the human text. */
export type PolicyRejectReason = 'identity' | 'event_not_allowed'
export type PolicyDrop = 'property' | 'mailing_list' | 'subscribed'

export type PolicyResult =
  | { ok: true; message: WireMessage; dropped: PolicyDrop[] }
  | { ok: false; reason: PolicyRejectReason; error: string }

export interface Policy {
  apply(message: WireMessage): Promise<PolicyResult>
}

export function createPolicy(config: PolicyConfig): Policy {
  const events = config.eventAllowlist ? new Set(config.eventAllowlist) : undefined
  const allowed = config.propertyAllowlist ? new Set(config.propertyAllowlist) : undefined
  const denied = new Set(config.propertyDenylist)
  const lists = config.mailingListAllowlist ? new Set(config.mailingListAllowlist) : undefined
  const secret = config.identitySecret

  function filterProperties(
    input: LoopsProperties | undefined,
    dropped: PolicyDrop[],
  ): LoopsProperties | undefined {
    if (input === undefined) return undefined
    const out: LoopsProperties = {}
    for (const [key, value] of Object.entries(input)) {
      // The deny list wins over the allow list.
      if (denied.has(key) || (allowed !== undefined && !allowed.has(key))) {
        dropped.push('property')
        continue
      }
      out[key] = value
    }
    return out
  }

  return {
    async apply(message) {
      // userHash proves identity to the relay only; Loops never sees it.
      const { userHash, ...rest } = message
      if (secret !== undefined) {
        if (typeof userHash !== 'string' || userHash === '') {
          return { ok: false, reason: 'identity', error: 'userHash is required' }
        }
        if (!(await verifyUserHash(secret, message, userHash))) {
          return { ok: false, reason: 'identity', error: 'userHash does not match' }
        }
      }
      const dropped: PolicyDrop[] = []
      if (rest.type === 'event') {
        if (events !== undefined && !events.has(rest.eventName)) {
          return { ok: false, reason: 'event_not_allowed', error: 'eventName is not allowed' }
        }
        const contactProperties = filterProperties(rest.contactProperties, dropped)
        const out = { ...rest, contactProperties }
        if (contactProperties === undefined) delete out.contactProperties
        return { ok: true, message: out, dropped }
      }
      const out = { ...rest }
      const properties = filterProperties(rest.properties, dropped)
      if (properties !== undefined) out.properties = properties
      if (rest.mailingLists !== undefined && lists !== undefined) {
        const kept: Record<string, boolean> = {}
        for (const [id, value] of Object.entries(rest.mailingLists)) {
          if (lists.has(id)) kept[id] = value
          else dropped.push('mailing_list')
        }
        out.mailingLists = kept
      }
      if (out.mailingLists !== undefined && Object.keys(out.mailingLists).length === 0) {
        delete out.mailingLists
      }
      if (rest.subscribed === true && !config.allowResubscribe) {
        delete out.subscribed
        dropped.push('subscribed')
      }
      return { ok: true, message: out, dropped }
    },
  }
}
