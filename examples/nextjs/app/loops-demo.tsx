'use client'
// The browser half: Segment's SDK from npm with the Loops destination plugin. The plugin batches
// identify and track calls to the relay route at /loops; the Loops key never reaches the page.
import { type LoopsCdpError, loopsDestination } from '@loops-cdp/segment-plugin'
import { AnalyticsBrowser } from '@segment/analytics-next'
import { useEffect, useRef, useState } from 'react'
import type { SignedInUser } from '@/lib/session'

interface Props {
  user: SignedInUser
  userHash: string | undefined
  writeKey: string
  localSegmentCdn: boolean
}

interface Status {
  delivered: number
  lastError: string | undefined
}

export function LoopsDemo({ user, userHash, writeKey, localSegmentCdn }: Props) {
  const analytics = useRef<AnalyticsBrowser | undefined>(undefined)
  const [status, setStatus] = useState<Status>({ delivered: 0, lastError: undefined })

  useEffect(() => {
    // Once per page (React's development mode runs effects twice).
    if (analytics.current) return
    const loops = loopsDestination({
      relayUrl: '/loops',
      // Signed by the server for the signed-in person only; other identities go unsigned.
      userHash: (identity) =>
        identity.userId === user.userId && identity.email === user.email ? userHash : undefined,
      onDeliver: ({ messages }) =>
        setStatus((s) => ({ ...s, delivered: s.delivered + messages.length })),
      onError: (error: LoopsCdpError) => setStatus((s) => ({ ...s, lastError: error.message })),
    })
    analytics.current = AnalyticsBrowser.load({
      writeKey,
      plugins: [loops],
      ...(localSegmentCdn ? { cdnURL: `${window.location.origin}/segment-cdn` } : {}),
    })
    document.documentElement.dataset.loopsReady = 'true'
  }, [user, userHash, writeKey, localSegmentCdn])

  const identify = () =>
    void analytics.current?.identify(user.userId, { email: user.email, firstName: user.firstName })
  const track = () => void analytics.current?.track('Viewed Pricing', { plan: 'pro' })

  return (
    <section>
      <p>
        Signed in as <strong>{user.email}</strong> (<code>{user.userId}</code>)
        {userHash ? ', identity signed by the server' : ', no identity signature'}.
      </p>
      <button type="button" id="identify" onClick={identify}>
        Identify
      </button>
      <button type="button" id="track" onClick={track}>
        Track “Viewed Pricing”
      </button>
      <dl>
        <dt>delivered to the relay</dt>
        <dd id="delivered">{status.delivered}</dd>
        <dt>last error</dt>
        <dd id="last-error">{status.lastError ?? '—'}</dd>
      </dl>
    </section>
  )
}
