import { FaultRuleError } from './errors.js'
import type { FaultRule, Json } from './types.js'

const STATUSES = new Set([429, 500, 502, 503])

interface QueuedRule extends FaultRule {
  remaining: number
}

/** Validates one posted rule; throws FaultRuleError with the reason. */
export function parseFaultRule(input: unknown): FaultRule {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new FaultRuleError('a fault rule must be a JSON object', input)
  }
  const r = input as Record<string, Json>
  const times = r.times ?? 1
  if (typeof times !== 'number' || !Number.isInteger(times) || times < 1) {
    throw new FaultRuleError('"times" must be a positive integer', input)
  }
  const rule: FaultRule = { times }
  if (r.status !== undefined) {
    if (typeof r.status !== 'number' || !STATUSES.has(r.status)) {
      throw new FaultRuleError('"status" must be 429, 500, 502 or 503', input)
    }
    rule.status = r.status as FaultRule['status']
  }
  if (r.path !== undefined) {
    // Faults apply to the Loops API only, so a path without `/api/` would never match.
    if (typeof r.path !== 'string' || !r.path.startsWith('/api/')) {
      throw new FaultRuleError(
        '"path" must be a full request path such as /api/v1/events/send',
        input,
      )
    }
    rule.path = r.path
  }
  if (r.delayMs !== undefined) {
    if (typeof r.delayMs !== 'number' || !Number.isFinite(r.delayMs) || r.delayMs < 0) {
      throw new FaultRuleError('"delayMs" must be a non-negative number', input)
    }
    rule.delayMs = r.delayMs
  }
  if (r.body !== undefined) {
    const b = r.body
    if (typeof b !== 'string' && (typeof b !== 'object' || b === null || Array.isArray(b))) {
      throw new FaultRuleError('"body" must be a string or a JSON object', input)
    }
    rule.body = b
  }
  if (r.after !== undefined) {
    if (typeof r.after !== 'boolean')
      throw new FaultRuleError('"after" must be true or false', input)
    if (r.after && rule.status === undefined) {
      throw new FaultRuleError('"after": true needs a "status" to answer with', input)
    }
    if (r.after) rule.after = true
  }
  if (rule.status === undefined && rule.delayMs === undefined) {
    throw new FaultRuleError('a fault needs a "status", a "delayMs" or both', input)
  }
  return rule
}

/**
 * Rules queue in the order they were posted: each `/api` request takes the first rule whose
 * path matches (no path = any path) and uses up one of its `times`.
 */
export class FaultQueue {
  private rules: QueuedRule[] = []

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, remaining: rule.times })
  }

  take(path: string): FaultRule | undefined {
    const index = this.rules.findIndex((r) => r.path === undefined || r.path === path)
    const rule = this.rules[index]
    if (!rule) return undefined
    rule.remaining -= 1
    if (rule.remaining <= 0) this.rules.splice(index, 1)
    const { remaining: _remaining, ...plain } = rule
    return plain
  }

  pending(): Array<FaultRule & { remaining: number }> {
    return this.rules.map((r) => ({ ...r }))
  }

  clear(): void {
    this.rules = []
  }
}
