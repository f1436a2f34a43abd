import type { CdpCall } from '@loops-cdp/core'
import type { Context } from '@segment/analytics-next'

/**
 * Translates an analytics-next event into core's input, field for field. Nothing is merged here:
 * Segment's identify already carries the merged persisted traits, and core's trait store fills in
 * what track lacks (analytics-next never attaches traits to track).
 */
export function toCdpCall(ctx: Context): CdpCall {
  const e = ctx.event
  return {
    type: e.type,
    // analytics-next always sets messageId; ctx.id (a uuid) only guards hand-made events.
    messageId: e.messageId ?? ctx.id,
    timestamp: e.timestamp,
    userId: e.userId,
    anonymousId: e.anonymousId,
    traits: e.traits,
    event: e.event,
    properties: e.properties,
    context: e.context,
  }
}
