// A bare hono app around one of the relay's middleware, answered like the relay answers
// (`httpErrorResponse` in onError), for hono-style `app.request()` tests of each middleware alone.
import { Hono, type MiddlewareHandler } from 'hono'
import type { RelayEnv } from '../src/http-env'
import { errorResponse, httpErrorResponse } from '../src/http-error'

export function appWith(
  middleware: MiddlewareHandler<RelayEnv>,
  handler: MiddlewareHandler<RelayEnv> = async (c) => c.json({ ok: true }),
) {
  const app = new Hono<RelayEnv>()
  app.use('/v1/batch', middleware)
  app.options('/v1/batch', (c) => c.body(null, 204))
  app.post('/v1/batch', handler)
  app.onError((error) => httpErrorResponse(error) ?? errorResponse(500, String(error)))
  return app
}
