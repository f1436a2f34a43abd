// Server component: it knows who is signed in, so it signs that identity for the relay (identity
// verification) and hands the page only the signature, never the secret.
import { signIdentity } from '@loops-cdp/relay'
import { DEMO_WRITE_KEY } from '@/lib/segment-settings'
import { currentUser } from '@/lib/session'
import { LoopsDemo } from './loops-demo'

export default async function Page() {
  const user = await currentUser()
  const secret = process.env.RELAY_IDENTITY_SECRET
  // Without a secret the relay accepts unsigned messages only from a loopback Loops (the emulator).
  const userHash = secret ? await signIdentity(secret, user) : undefined
  const writeKey = process.env.SEGMENT_WRITE_KEY ?? DEMO_WRITE_KEY
  return (
    <main>
      <h1>loops-cdp · Next.js</h1>
      <p>
        Segment (<code>@segment/analytics-next</code>) with the Loops destination plugin in a client
        component; the relay is the route handler <code>app/loops/[...path]/route.ts</code>.
      </p>
      <LoopsDemo
        user={user}
        userHash={userHash}
        writeKey={writeKey}
        // The demo key has no Segment project: its settings come from this app (app/segment-cdn).
        localSegmentCdn={writeKey === DEMO_WRITE_KEY}
      />
    </main>
  )
}
