// The Origin allow list (docs/protocol.md). Browsers send `Origin` on every cross-origin request
// and on same-origin POSTs, so an Origin naming the relay's own host is always allowed; any other
// must be listed. Entries: exact origins, `https://*.example.com` (subdomains only), or `*`.

export interface OriginCheck {
  /** `host` is the request's own host (Host header or URL), for the same-origin case. */
  allows(origin: string, host: string | undefined): boolean
}

export function createOriginCheck(allowed: readonly string[]): OriginCheck {
  const any = allowed.includes('*')
  const exact = new Set<string>()
  const wildcards: Array<{ scheme: string; suffix: string }> = []
  for (const entry of allowed) {
    const match = /^([a-z][a-z0-9+.-]*):\/\/\*\.(.+)$/i.exec(entry.trim())
    if (match?.[1] && match[2]) {
      wildcards.push({ scheme: match[1].toLowerCase(), suffix: `.${normalizeHost(match[2])}` })
    } else if (entry.trim() === 'null') {
      exact.add('null') // sandboxed iframes and file:// pages, only when listed on purpose
    } else {
      const normalized = normalizeOrigin(entry)
      if (normalized) exact.add(normalized)
    }
  }

  return {
    allows(origin, host) {
      if (any) return true
      if (origin === 'null') return exact.has('null')
      const normalized = normalizeOrigin(origin)
      if (normalized === undefined) return false
      if (exact.has(normalized)) return true
      const url = new URL(normalized)
      if (host !== undefined && url.host === normalizeHost(host)) return true
      const scheme = url.protocol.slice(0, -1)
      return wildcards.some((w) => w.scheme === scheme && url.hostname.endsWith(w.suffix))
    },
  }
}

function normalizeOrigin(value: string): string | undefined {
  try {
    const url = new URL(value.trim())
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
    return url.origin // lower-cases the host and drops default ports and any path
  } catch {
    return undefined
  }
}

function normalizeHost(host: string): string {
  const lower = host.trim().toLowerCase().replace(/\.$/, '')
  return lower.replace(/:443$|:80$/, '')
}
