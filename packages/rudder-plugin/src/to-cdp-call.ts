import type { CdpCall } from '@loops-cdp/core'
import type { RSAEvent } from '@rudderstack/analytics-js'

type RudderEvent = RSAEvent['message']

/**
 * Translates a RudderStack v3 event into core's input: the event itself (core reads the fields
 * CdpCall names and nothing else), with three fields renamed or normalised. RudderStack puts the
 * merged, persisted user traits in `context.traits` on every event (identify included, where there
 * is no top-level `traits`), so identify takes its traits from there. Consent: with
 * `consentManagement` enabled in load(), every event carries `context.consentManagement`, whose
 * `allowedConsentIds` are the categories the visitor granted (ids of the consent provider).
 */
export const toCdpCall = (m: RudderEvent): CdpCall =>
  ({
    ...m,
    timestamp: m.originalTimestamp,
    // RudderStack uses '' for "no user"; core treats a missing userId as anonymous.
    userId: m.userId || undefined,
    traits: m.type === 'identify' ? (m.context?.traits ?? undefined) : undefined,
    // What RudderStack's own consent check for destinations reads, too.
    consent: m.context?.consentManagement?.allowedConsentIds,
  }) as CdpCall
