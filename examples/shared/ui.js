// The controls every example page shares (same ids everywhere, so the e2e tests drive all four
// pages alike) and the delivery status. Plain ES module: script pages load it as is, the npm
// apps import it and get it bundled.

/**
 * Delivery status for the plugin's `onDeliver` / `onError` options. Create it first and pass
 * `status.onDeliver` / `status.onError` to loopsDestination / loopsIntegration.
 */
export function createStatus() {
  const delivered = []
  const errors = []
  let plugin
  const $ = (id) => document.getElementById(id)
  const render = () => {
    const pending = $('status-pending')
    if (!pending) return
    pending.textContent = String(plugin?.pending() ?? 0)
    $('status-delivered').textContent = String(delivered.length)
    const last = errors.at(-1)
    $('status-errors').textContent = last
      ? `${errors.length} (last: ${last.name}: ${last.message})`
      : '0'
  }
  return {
    delivered,
    errors,
    onDeliver({ messages, response }) {
      delivered.push(...messages)
      const rejected = response.rejected.length
      $('status-last').textContent =
        `${new Date().toLocaleTimeString()}: ${messages.length} accepted` +
        (rejected ? `, ${rejected} rejected` : '')
      render()
    },
    onError(error) {
      errors.push({ name: error.name, message: error.message, code: error.code })
      render()
    },
    /** The plugin object, for flush() and pending(). */
    attach(loops) {
      plugin = loops
      render()
    },
    render,
  }
}

const SIGNED_KEY = 'loops-example:signed'
const MAX_SIGNED = 20

/**
 * Identity verification for the demo. In your app the server signs the user of the session
 * (`signIdentity` from '@loops-cdp/relay', one HMAC per page) and puts the hash in the page, and
 * the plugin gets `userHash: () => hash`. This demo has no logins: "signing in" asks the example
 * server to sign the form's user id and email, and the hashes are kept per identity (in
 * localStorage, so other tabs and reloads have them too, as they would from the server).
 */
export function createIdentity() {
  const url = window.LOOPS_EXAMPLE?.identityUrl
  const keyOf = (userId, email) => `${userId ?? ''}\n${email ?? ''}`
  const read = () => {
    try {
      return JSON.parse(localStorage.getItem(SIGNED_KEY)) || {}
    } catch {
      return {}
    }
  }
  return {
    /** The plugin's `userHash` option: the hash the server signed for exactly this identity. */
    userHash: ({ userId, email }) => read()[keyOf(userId, email)],
    /** The demo's sign-in: resolves once the page holds the hash (no-op with verification off). */
    async signIn(userId, email) {
      const key = keyOf(userId || undefined, email || undefined)
      if (!url || key === '\n' || read()[key]) return
      const query = new URLSearchParams()
      if (userId) query.set('userId', userId)
      if (email) query.set('email', email)
      const response = await fetch(`${url}?${query}`)
      if (!response.ok) return
      const { userHash } = await response.json()
      const kept = Object.entries(read()).slice(-(MAX_SIGNED - 1))
      localStorage.setItem(
        SIGNED_KEY,
        JSON.stringify(Object.fromEntries([...kept, [key, userHash]])),
      )
    },
  }
}

/**
 * Wires the buttons to the host SDK and exposes `window.loopsDebug` for tests and the console.
 * `sdk` is `{ identify(userId, traits), track(name, properties), reset() }` on the host SDK;
 * `identity` is createIdentity()'s object (identify signs in first).
 */
export function mountControls({ sdk, loops, status, identity }) {
  status.attach(loops)
  const dashboard = window.LOOPS_EXAMPLE?.dashboardUrl
  if (dashboard) document.getElementById('dashboard').href = dashboard
  const value = (id) => document.getElementById(id).value.trim()
  // Controls run one after another: a track clicked while identify is still signing in must
  // not overtake it.
  let queue = Promise.resolve()
  const inOrder = (fn) => {
    const run = queue.then(fn)
    queue = run.catch((error) => console.error('[example]', error))
    return run
  }
  const on = (id, fn) =>
    document.getElementById(id).addEventListener('click', () => {
      void inOrder(fn).then(() => {
        // The plugin queues at once and delivers within a second; show the queue meanwhile.
        status.render()
        setTimeout(status.render, 50)
      })
    })

  on('identify', async () => {
    const traits = {}
    for (const key of ['email', 'firstName', 'plan']) if (value(key)) traits[key] = value(key)
    await identity?.signIn(value('userId'), traits.email)
    sdk.identify(value('userId') || undefined, traits)
  })
  on('track', () => sdk.track(value('eventName') || 'Button Clicked', { page: location.pathname }))
  on('reset', () => sdk.reset())
  on('flush', () => {
    void loops.flush().then(status.render) // not awaited: a held batch must not hold the controls
  })
  setInterval(status.render, 500)

  window.loopsDebug = {
    /** Resolves when everything queued so far (controls included) got an answer from the relay. */
    flush: () => inOrder(() => {}).then(() => loops.flush().then(status.render)),
    /** The demo's sign-in (see createIdentity), for calls made on the SDK directly. */
    signIn: (userId, email) => inOrder(() => identity?.signIn(userId, email)),
    /** Messages waiting in this tab (0 if the core in use cannot tell). */
    pending: () => loops.pending(),
    /** Every message the relay acknowledged (onDeliver), oldest first. */
    delivered: status.delivered,
    /** Every error reported through onError: { name, message, code }. */
    errors: status.errors,
  }
  document.documentElement.dataset.loopsReady = 'true'
}
