// Origin check and CORS for the batch endpoint (the only one browsers call). A request without
// Origin passes (servers, curl, same-origin GETs); an Origin that is not listed gets 403 before
// anything else runs — its preflight too, without any CORS header; a listed one gets hono's
// `cors()`: the origin echoed, Vary: Origin, Retry-After exposed (the browser queue reads it on
// 429/503), and on preflight the methods, the requested headers and a day's max-age.
import type { MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'
import type { RelayEnv } from '../http-env'
import { RelayHttpError } from '../http-error'
import { createOriginCheck } from '../origin'

export function originPolicy(allowedOrigins: readonly string[]): MiddlewareHandler<RelayEnv> {
  const origins = createOriginCheck(allowedOrigins)
  const corsHeaders = cors({
    origin: (origin) => origin, // reached only for a listed origin
    allowMethods: ['POST', 'OPTIONS'],
    exposeHeaders: ['Retry-After'],
    maxAge: 86_400,
  })
  return async (c, next) => {
    const origin = c.req.header('origin')
    if (origin === undefined) return next()
    if (!origins.allows(origin)) throw new RelayHttpError(403, 'Origin not allowed')
    return corsHeaders(c, next)
  }
}
