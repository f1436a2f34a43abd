import type { CdpCall } from '@loops-cdp/core'
import type { RSAEvent } from '@rudderstack/analytics-js'

type RudderEvent = RSAEvent['message']

/**
 * Translates a RudderStack v3 event into core's input, field for field. RudderStack puts the
 * merged, persisted user traits in `context.traits` on every event (identify included, where there
 * is no top-level `traits`), so identify takes its traits from there.
 */
export function toCdpCall(m: RudderEvent): CdpCall {
  const context = m.context as CdpCall['context']
  return {
    type: m.type,
    messageId: m.messageId,
    timestamp: m.originalTimestamp,
    // RudderStack uses '' for "no user"; core treats a missing userId as anonymous.
    userId: m.userId || undefined,
    anonymousId: m.anonymousId,
    traits: m.type === 'identify' ? (context?.traits ?? undefined) : undefined,
    event: m.event ?? undefined,
    properties: m.properties ?? undefined,
    context,
  }
}
