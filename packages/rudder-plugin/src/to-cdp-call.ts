import type { CdpCall } from '@loops-cdp/core'
import type { RSAEvent } from '@rudderstack/analytics-js'

type RudderEvent = RSAEvent['message']

/**
 * Translates a RudderStack v3 event into core's input: the event itself (core reads the fields
 * CdpCall names and nothing else), with three fields renamed or normalised. RudderStack puts the
 * merged, persisted user traits in `context.traits` on every event (identify included, where there
 * is no top-level `traits`), so identify takes its traits from there. Consent: with
 * `consentManagement` enabled in load(), every event carries `context.consentManagement` with the
 * visitor's allowed and denied consent ids (category ids of the consent provider).
 */
export const toCdpCall = (m: RudderEvent): CdpCall => {
  const consent = m.context?.consentManagement
  return {
    ...m,
    timestamp: m.originalTimestamp,
    // RudderStack uses '' for "no user"; core treats a missing userId as anonymous.
    userId: m.userId || undefined,
    traits: m.type === 'identify' ? (m.context?.traits ?? undefined) : undefined,
    consent:
      consent &&
      Object.fromEntries(
        (consent.allowedConsentIds || []).map((id) => [
          id,
          !consent.deniedConsentIds?.includes(id),
        ]),
      ),
  } as CdpCall
}
