// Stands between the pages and the relay (`/loops/v1/batch`) to make it look down or failing.
import type { BrowserContext, Route } from '@playwright/test'

/** `retry-later`: 503 with a Retry-After of two minutes, so the page holds its messages. */
export type RelayFailure = 'down' | 503 | 'retry-later'

export class RelayGate {
  /** Requests answered with a failure so far. */
  failed = 0
  private plan: RelayFailure[] = []
  private blocked = false

  static async install(context: BrowserContext): Promise<RelayGate> {
    const gate = new RelayGate()
    await context.route('**/loops/v1/batch', (route) => gate.handle(route))
    return gate
  }

  /** Fail the next requests in this order, then let them through. */
  failNext(...plan: RelayFailure[]): void {
    this.plan.push(...plan)
  }

  /** Relay unreachable until open(). */
  block(): void {
    this.blocked = true
  }

  open(): void {
    this.blocked = false
    this.plan = []
  }

  private async handle(route: Route): Promise<void> {
    const failure: RelayFailure | undefined = this.blocked ? 'down' : this.plan.shift()
    if (failure === undefined) return route.continue()
    this.failed++
    if (failure === 'down') return route.abort('connectionrefused')
    return route.fulfill({
      status: 503,
      contentType: 'application/json',
      headers: { 'retry-after': failure === 'retry-later' ? '120' : '1' },
      body: JSON.stringify({ error: 'relay restarting' }),
    })
  }
}
