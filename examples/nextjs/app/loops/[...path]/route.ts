// app/loops/[...path]/route.ts: the relay, at /loops on the app's own origin.
import { createRelay } from '@loops-cdp/relay'

// Settings come from the environment (LOOPS_API_KEY, RELAY_IDENTITY_SECRET, RELAY_ALLOWED_ORIGINS,
// …). Creating the relay never throws without them, so `next build` needs none.
const relay = createRelay({ basePath: '/loops' })

const handle = (request: Request) => relay.fetch(request)

export { handle as GET, handle as OPTIONS, handle as POST }
