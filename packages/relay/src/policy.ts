// Relay policy, applied to each message after core validated and re-sanitized it. The browser is
// untrusted: a message can be refused (identity, event name) or trimmed (contact properties,
// mailing lists, `subscribed: true`); trimming never refuses the message. Mailing lists are
// denied unless listed: a stranger must not be able to subscribe anyone to anything.

import type { LoopsProperties, WireMessage } from '@loops-cdp/core/protocol'
import type { RelayConfig } from './config'
import { verifyIdentity } from './identity'

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

export interface PolicyOptions {
  /** Debug lines (a dropped mailing list); the relay passes one only with `debug` on. */
  debug?: (msg: string, fields: Record<string, unknown>) => void
}

export function createPolicy(config: PolicyConfig, options: PolicyOptions = {}): Policy {
  const events = config.eventAllowlist ? new Set(config.eventAllowlist) : undefined
  const allowed = config.propertyAllowlist ? new Set(config.propertyAllowlist) : undefined
  const denied = new Set(config.propertyDenylist)
  const allLists = config.mailingListAllowlist?.includes('*') ?? false
  const lists = new Set(config.mailingListAllowlist ?? [])
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
        // Both fields as sent, the absent one as '': an email beside a signed userId (or a
        // userId beside a signed email) changes the signed text, so the hash no longer matches.
        const identity = { userId: message.userId, email: message.email }
        if (!(await verifyIdentity(secret, identity, userHash))) {
          return {
            ok: false,
            reason: 'identity',
            error: 'userHash does not match this userId and email',
          }
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
      if (rest.mailingLists !== undefined && !allLists) {
        const kept: Record<string, boolean> = {}
        for (const [id, value] of Object.entries(rest.mailingLists)) {
          if (lists.has(id)) kept[id] = value
          else {
            dropped.push('mailing_list')
            options.debug?.('mailing list dropped: not in RELAY_MAILING_LIST_ALLOWLIST', {
              messageId: rest.messageId,
              listId: id,
            })
          }
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
