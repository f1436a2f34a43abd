// Per-client rate limit for POST /v1/batch, in two steps:
// - before the body is read, a free look at the client address's bucket: an address with
//   nothing left gets 429 at once, so a rate-limited client's heavy bodies cost nothing;
// - once the batch is counted (`c.var.chargeClient`), every message is charged to the client
//   (address + the envelope's optional anonymousId) and to its address (10× looser, so
//   rotating anonymous ids does not lift the limit). Messages refused for the client's own
//   budget still cost the address: an address that keeps sending over its limit drains it and
//   is then turned away before its bodies are read.
//
// The address comes from client-address.ts. A mount that passes none (no `clientIp` resolver,
// no trusted proxy, no socket address) gets no per-client limit rather than one bucket that
// every visitor shares — one visitor could then lock all others out; a warning says so once.
// With a resolver or trusted proxies configured, a request whose address still cannot be found
// (not a normal visitor) is keyed `unknown`.
import type { MiddlewareHandler } from 'hono'
import { type ClientIpResolver, clientAddress } from '../client-address'
import { createClientRateLimiter } from '../client-rate-limit'
import type { ChargeClient, RelayEnv } from '../http-env'
import { retryLater } from '../http-error'

/** One address (an office NAT) may send this many times the per-client budget. */
export const ADDRESS_LIMIT_FACTOR = 10
const TOO_MANY = 'Too many messages from this client'

export interface ClientLimitOptions {
  /** Messages per minute per client; 0 turns the limit off. */
  limit: number
  trustProxy: number
  clientIp?: ClientIpResolver | undefined
  /** Called once, for the first request that has no client address and no way to find one. */
  onNoClientAddress?: () => void
  /** Messages refused by the limit (for metrics). */
  onLimited?: (count: number) => void
  now?: () => number
}

const free: ChargeClient = () => {}

export function clientLimit(options: ClientLimitOptions): MiddlewareHandler<RelayEnv> {
  const { limit, trustProxy, clientIp } = options
  const clock = options.now ? { now: options.now } : {}
  const clients = createClientRateLimiter({ limit, ...clock })
  const addresses = createClientRateLimiter({ limit: limit * ADDRESS_LIMIT_FACTOR, ...clock })
  const configured = trustProxy > 0 || clientIp !== undefined
  let warned = false

  return async (c, next) => {
    if (limit === 0) {
      c.set('chargeClient', free)
      return next()
    }
    let address = clientAddress(c.req.raw, c.env?.clientIp, { trustProxy, clientIp })
    if (address === undefined && configured) address = 'unknown'
    if (address === undefined) {
      if (!warned) {
        warned = true
        options.onNoClientAddress?.()
      }
      c.set('chargeClient', free)
      return next()
    }
    const ahead = addresses.peek(address)
    if (!ahead.ok) {
      // Say when the address's own client (no anonymous id: the plugins') may send again.
      const own = clients.peek(address)
      throw retryLater(
        429,
        TOO_MANY,
        Math.max(ahead.retryAfterSeconds, own.ok ? 0 : own.retryAfterSeconds),
      )
    }

    const key = address
    c.set('chargeClient', (count, anonymousId) => {
      const valid =
        typeof anonymousId === 'string' && anonymousId !== '' && anonymousId.length <= 100
      const client = clients.take(valid ? `${key}|${anonymousId}` : key, count)
      const byAddress = addresses.take(key, count)
      if (client.ok && byAddress.ok) return
      options.onLimited?.(count)
      const wait = Math.max(
        client.ok ? 0 : client.retryAfterSeconds,
        byAddress.ok ? 0 : byAddress.retryAfterSeconds,
      )
      throw retryLater(429, TOO_MANY, wait)
    })
    await next()
  }
}
