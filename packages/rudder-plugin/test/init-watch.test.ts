import type { LoopsCdpError } from '@loops-cdp/core'
import type { RSALogger, RSAnalytics } from '@rudderstack/analytics-js'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { memoryStorage } from '../../core/test/relay-sink'
import { IntegrationNotLoadedError, loopsIntegration } from '../src/index'

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
    // The likely causes, so the developer knows where to look.
    expect(error?.message).toContain('Cannot add custom integration')
    expect(error?.message).toContain('Custom Device Mode')
    expect(error?.message).toContain('@rudderstack/analytics-js/bundled')
    expect(error?.message).toContain('consent')
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
})
