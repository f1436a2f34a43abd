// Guards for the browser entry: index.ts must not reach protocol.ts or sanitize.ts (the relay-only
// validator and Loops' value rules would bloat the CDN builds) and must load in Node without touching DOM globals at import time.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const src = (f: string) => fileURLToPath(new URL(`../src/${f}`, import.meta.url))

/** Relative modules reachable from `entry` through value imports (type-only imports are erased). */
function graph(entry: string): Set<string> {
  const seen = new Set<string>()
  const visit = (name: string) => {
    if (seen.has(name)) return
    seen.add(name)
    const code = readFileSync(src(`${name}.ts`), 'utf8')
    for (const m of code.matchAll(
      /^(?:import|export)\s+(?!type\b)[^'";]*?from\s+'\.\/([\w-]+)'/gm,
    )) {
      visit(m[1] as string)
    }
  }
  visit(entry)
  return seen
}

describe('module boundaries', () => {
  it('index.ts never reaches protocol.ts or sanitize.ts', () => {
    const reached = graph('index')
    expect(reached).toContain('mapping')
    expect(reached).toContain('queue')
    expect(reached).not.toContain('protocol')
    expect(reached).not.toContain('sanitize')
    // The relay's validator is where Loops' value rules run.
    expect(graph('protocol')).toContain('sanitize')
  })

  it('index.ts loads in Node with no DOM globals and no side effects on globalThis', async () => {
    expect('window' in globalThis || 'document' in globalThis).toBe(false)
    const before = Object.keys(globalThis).sort()
    const core = await import('../src/index')
    expect(Object.keys(core).sort()).toEqual([
      'InvalidOptionsError',
      'LoopsCdpError',
      'QueueOverflowError',
      'RelayHttpError',
      'RelayRejectedError',
      'createDebugLog',
      'createDeliveryQueue',
      'createLazyClient',
      'createLoopsCdp',
      'createStorage',
      'reportError',
    ])
    expect(Object.keys(globalThis).sort()).toEqual(before)
  })
})
