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

/**
 * Wires the buttons to the host SDK and exposes `window.loopsDebug` for tests and the console.
 * `sdk` is `{ identify(userId, traits), track(name, properties), reset() }` on the host SDK.
 */
export function mountControls({ sdk, loops, status }) {
  status.attach(loops)
  const dashboard = window.LOOPS_EXAMPLE?.dashboardUrl
  if (dashboard) document.getElementById('dashboard').href = dashboard
  const value = (id) => document.getElementById(id).value.trim()
  const on = (id, fn) =>
    document.getElementById(id).addEventListener('click', () => {
      fn()
      // The plugin queues at once and delivers within a second; show the queue meanwhile.
      status.render()
      setTimeout(status.render, 50)
    })

  on('identify', () => {
    const traits = {}
    for (const key of ['email', 'firstName', 'plan']) if (value(key)) traits[key] = value(key)
    sdk.identify(value('userId') || undefined, traits)
  })
  on('track', () => sdk.track(value('eventName') || 'Button Clicked', { page: location.pathname }))
  on('reset', () => sdk.reset())
  on('flush', () => {
    void loops.flush().then(status.render)
  })
  setInterval(status.render, 500)

  window.loopsDebug = {
    /** Resolves when everything queued so far got an answer from the relay. */
    flush: () => loops.flush().then(status.render),
    /** Messages waiting in this tab (0 if the core in use cannot tell). */
    pending: () => loops.pending(),
    /** Every message the relay acknowledged (onDeliver), oldest first. */
    delivered: status.delivered,
    /** Every error reported through onError: { name, message, code }. */
    errors: status.errors,
  }
  document.documentElement.dataset.loopsReady = 'true'
}
