// Who is the client? The address the per-client limit is keyed by. In order:
// 1. the mount's own `clientIp(request)` resolver (a framework that knows the peer);
// 2. with `trustProxy` = N hops: the N-th address from the right of X-Forwarded-For — the one
//    the outermost of your own proxies appended. Everything left of it was written by the
//    client and is never used. X-Real-IP counts only when proxies are trusted and there is no
//    X-Forwarded-For;
// 3. the socket address the server passed (`serveRelay` does).
// `undefined` when none of these gives one.

export type ClientIpResolver = (request: Request) => string | undefined

export interface ClientAddressOptions {
  /** Proxy hops to trust; 0 = forwarding headers are ignored. */
  trustProxy: number
  clientIp?: ClientIpResolver | undefined
}

export function clientAddress(
  request: Request,
  socketAddress: string | undefined,
  options: ClientAddressOptions,
): string | undefined {
  if (options.clientIp) {
    let resolved: string | undefined
    try {
      resolved = options.clientIp(request)?.trim()
    } catch {
      resolved = undefined // a resolver bug must not take the endpoint down; the fallbacks apply
    }
    if (resolved) return resolved
  }
  const hops = options.trustProxy
  if (hops > 0) {
    const forwarded = (request.headers.get('x-forwarded-for') ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
    // Fewer entries than proxies: the request did not come through all of them, so the
    // header says nothing trustworthy; the socket peer is the client.
    if (forwarded.length >= hops) return forwarded[forwarded.length - hops]
    if (forwarded.length === 0) {
      const real = request.headers.get('x-real-ip')?.trim()
      if (real) return real
    }
  }
  return socketAddress || undefined
}
