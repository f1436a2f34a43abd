import { readFileSync } from 'node:fs'
import type { LoopsCdpError } from '@loops-cdp/core'
import type { RSALogger, RSAnalytics } from '@rudderstack/analytics-js'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { memoryStorage } from '../../core/test/relay-sink'
import { IntegrationNotLoadedError, loopsIntegration } from '../src/index'
import { NOT_LOADED_HELP } from '../src/init-watch'

const analytics = {} as RSAnalytics
const logger = {} as RSALogger
const relayUrl = 'http://127.0.0.1:9/never-called'

describe('IntegrationNotLoadedError', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.stubGlobal('document', {}) // the report is armed only in a page
  })
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  const setup = (extra: { initTimeout?: number } = {}) => {
    const errors: LoopsCdpError[] = []
    const lines: string[] = []
    const loops = loopsIntegration(
      { relayUrl, onError: (e) => errors.push(e), debug: (m) => lines.push(m), ...extra },
      { storage: memoryStorage() },
    )
    return { loops, errors, lines }
  }

  it('is reported (onError and the debug log) when RudderStack never calls init', () => {
    const { errors, lines } = setup()
    vi.advanceTimersByTime(4_999)
    expect(errors).toEqual([])
    vi.advanceTimersByTime(1)
    expect(errors).toHaveLength(1)
    const error = errors[0]
    expect(error).toBeInstanceOf(IntegrationNotLoadedError)
    expect(error).toMatchObject({ name: 'IntegrationNotLoadedError', waitedMs: 5_000 })
    // Where the likely causes are, so the developer knows where to look.
    expect(error?.message).toContain('in 5000 ms')
    expect(error?.message).toContain(NOT_LOADED_HELP)
    expect(lines).toEqual([error?.message])
  })

  it('is not reported when init comes in time', () => {
    const { loops, errors } = setup()
    vi.advanceTimersByTime(1_000)
    loops.init?.({} as never, analytics, logger)
    vi.advanceTimersByTime(60_000)
    expect(errors).toEqual([])
  })

  it('waits initTimeout ms; 0 turns the report off', () => {
    const late = setup({ initTimeout: 12_000 })
    const off = setup({ initTimeout: 0 })
    vi.advanceTimersByTime(11_999)
    expect(late.errors).toEqual([])
    vi.advanceTimersByTime(1)
    expect(late.errors.map((e) => e.name)).toEqual(['IntegrationNotLoadedError'])
    vi.advanceTimersByTime(60_000)
    expect(off.errors).toEqual([])
  })

  it('is not armed outside a page (an integration created during server rendering)', () => {
    vi.unstubAllGlobals()
    const { errors } = setup()
    vi.advanceTimersByTime(60_000)
    expect(errors).toEqual([])
  })

  it('links to the README section that lists the likely causes', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const anchor = NOT_LOADED_HELP.split('#')[1]
    const heading = readme.split('\n').find(
      (line) =>
        /^#+ /.test(line) &&
        line
          .replace(/^#+ /, '')
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-') === anchor,
    )
    expect(heading).toBeDefined()
    const section = readme.slice(readme.indexOf(heading as string))
    for (const cause of [
      'Cannot add custom integration',
      'Custom Device Mode',
      '@rudderstack/analytics-js/bundled',
      'consent',
    ])
      expect(section).toContain(cause)
  })
})
