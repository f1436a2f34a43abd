import {
  createLazyClient,
  createLoopsCdp,
  type LoopsCdpEnvironment,
  type LoopsCdpOptions,
} from '@loops-cdp/core'
import type { Analytics, Context, Plugin } from '@segment/analytics-next'
import { toCdpCall } from './to-cdp-call'
import { version } from './version'

export type LoopsDestinationOptions = LoopsCdpOptions

/** The plugin object, plus delivery controls for the page (tests, a "flush before logout"). */
export interface LoopsDestination extends Plugin {
  /** Resolves when everything queued so far got an answer from the relay (or is kept for retry). */
  flush(): Promise<void>
  /** Messages waiting for the relay in this tab (0 when core cannot tell). */
  pending(): number
}

const NAME = 'Loops'

/**
 * The Loops destination for analytics-next: a plain plugin object, so it works with
 * `analytics.register(...)`, `AnalyticsBrowser.load({ plugins: [...] })` and the snippet
 * (`analytics.register(...)` stub or `analytics.push(['register', ...])`).
 * Its `name` is the key users put in `integrations: { Loops: false }`.
 */
export function loopsDestination(
  options: LoopsDestinationOptions,
  env?: LoopsCdpEnvironment,
): LoopsDestination {
  const loops = createLazyClient(() => createLoopsCdp(options, env), options.onError)
  let host: Analytics | undefined
  const onReset = loops.reset
  const send = (ctx: Context): Context => {
    loops.guard(() => {
      if (enabled(ctx.event.integrations)) loops.get().handle(toCdpCall(ctx))
    })
    return ctx
  }
  const skip = (ctx: Context): Context => ctx

  return {
    name: NAME,
    type: 'destination',
    version,
    isLoaded: loops.isCreated,
    // A rejection (invalid options) makes analytics-next drop the plugin with a console warning.
    load: async (_ctx, analytics) => {
      loops.get()
      // analytics.reset() emits 'reset' after clearing its user: forget our identity with it.
      host = analytics
      host?.on?.('reset', onReset)
    },
    unload: () => {
      host?.off?.('reset', onReset)
      loops.close()
      host = undefined
    },
    identify: send,
    track: send,
    page: skip,
    group: skip,
    alias: skip,
    flush: loops.flush,
    pending: loops.pending,
  }
}

type Integrations = Context['event']['integrations']

/**
 * The rule analytics-next applies to destinations (`integrations[name] ?? integrations.All`),
 * repeated so the plugin behaves the same when something calls its hooks directly: off with
 * `Loops: false`, or with `All: false` unless `Loops` is set.
 */
function enabled(integrations: Integrations): boolean {
  return (integrations?.[NAME] ?? integrations?.All) !== false
}
