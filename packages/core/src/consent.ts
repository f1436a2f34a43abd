// Consent gate: a site that keeps Loops off until the visitor agrees names the categories Loops
// needs (`consentCategories`); a call is handled only when the host SDK reports every one of them
// granted. Adapters translate their SDK's consent report into `CdpCall.consent` (Segment's
// `context.consent.categoryPreferences`, RudderStack's `context.consentManagement`), so this file
// knows neither SDK. No report at all counts as no consent: the gate fails closed.
import type { CdpCall } from './types'

/** The reason a call is held back (a debug line), or undefined when it may go out. */
export function withoutConsent(call: CdpCall, needed: string[] | undefined): string | undefined {
  const missing = needed?.filter((category) => !call.consent?.includes(category))
  if (missing?.[0]) return `${call.type} not sent: no consent for ${missing.join(', ')}`
}
