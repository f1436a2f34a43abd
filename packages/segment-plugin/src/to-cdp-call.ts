import type { CdpCall } from '@loops-cdp/core'
import type { Context } from '@segment/analytics-next'

/**
 * Translates an analytics-next event into core's input: the event itself (core reads the fields
 * CdpCall names and nothing else). Nothing is merged here: Segment's identify already carries the
 * merged persisted traits, and core's trait store fills in what track lacks (analytics-next never
 * attaches traits to track). analytics-next always sets messageId; ctx.id (a uuid) only guards
 * hand-made events. Consent: Segment's consent wrapper (@segment/analytics-consent-tools) stamps
 * `context.consent.categoryPreferences` ({ [category]: boolean }) on every event.
 */
export const toCdpCall = (ctx: Context): CdpCall => {
  const preferences: Record<string, unknown> | undefined =
    ctx.event.context?.consent?.categoryPreferences
  return {
    ...ctx.event,
    messageId: ctx.event.messageId ?? ctx.id,
    consent: preferences && Object.keys(preferences).filter((c) => preferences[c] === true),
  } as CdpCall
}
