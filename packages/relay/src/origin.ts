// The Origin allow list: an origin is allowed only when it is listed — scheme, host and port.
// Entries: exact origins (`https://app.example.com`), `https://*.example.com` (subdomains only,
// that scheme only), `null` (sandboxed iframes, file:// pages) when listed on purpose, or `*`.
//
// There is no "same host as the relay" rule: the Host header is chosen by whoever resolved the
// name, so a DNS-rebinding page (Origin http://attacker.example, Host attacker.example) would
// pass it. Browsers send Origin on same-origin POSTs too, so a relay mounted inside the app
// lists the app's own origin.

export interface OriginCheck {
  allows(origin: string): boolean
}

export function createOriginCheck(allowed: readonly string[]): OriginCheck {
  const any = allowed.includes('*')
  const exact = new Set<string>()
  const wildcards: Array<{ scheme: string; suffix: string }> = []
  for (const entry of allowed) {
    const match = /^([a-z][a-z0-9+.-]*):\/\/\*\.(.+)$/i.exec(entry.trim())
    if (match?.[1] && match[2]) {
      const suffix = normalizeOrigin(`${match[1]}://${match[2]}`)
      if (suffix) wildcards.push({ scheme: `${match[1].toLowerCase()}:`, suffix: hostPart(suffix) })
    } else if (entry.trim() === 'null') {
      exact.add('null')
    } else {
      const normalized = normalizeOrigin(entry)
      if (normalized) exact.add(normalized)
    }
  }

  return {
    allows(origin) {
      if (any) return true
      if (origin === 'null') return exact.has('null')
      const normalized = normalizeOrigin(origin)
      if (normalized === undefined) return false
      if (exact.has(normalized)) return true
      const url = new URL(normalized)
      // `.example.com:8443` must match the host and the port of the entry.
      return wildcards.some(
        (w) =>
          w.scheme === url.protocol &&
          `.${url.host}`.endsWith(`.${w.suffix}`) &&
          url.host !== w.suffix,
      )
    },
  }
}

/** `scheme://host[:port]` with the host lower-cased and a default port dropped; else undefined. */
function normalizeOrigin(value: string): string | undefined {
  try {
    const url = new URL(value.trim())
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
    return url.origin
  } catch {
    return undefined
  }
}

/** `host[:port]` of a normalized origin. */
function hostPart(origin: string): string {
  return new URL(origin).host
}
