// The hook into delivery: a LoopsClient whose contact updates and events pass the catalog first
// (unknown properties reported or created, unknown lists dropped). Every delivery mode calls
// Loops through a LoopsClient, so wrapping it covers them all without touching their code.
import type { LoopsClient, LoopsContactBody, LoopsEventBody } from '../loops-client'
import type { PropertyCatalog } from './catalog'

export function withCatalog(loops: LoopsClient, catalog: PropertyCatalog): LoopsClient {
  return {
    ...loops,
    async updateContact(body: LoopsContactBody) {
      const prepared = await catalog.prepare(body)
      return prepared.ok ? loops.updateContact(prepared.body) : prepared
    },
    async sendEvent(body: LoopsEventBody, idempotencyKey: string) {
      const prepared = await catalog.prepare(body)
      return prepared.ok ? loops.sendEvent(prepared.body, idempotencyKey) : prepared
    },
  }
}
