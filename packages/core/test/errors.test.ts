// The named errors and reportError, the one path by which the facade and both plugins hand a
// thrown value to the app's onError without ever throwing into the host SDK.
import { describe, expect, it } from 'vitest'
import {
  InvalidOptionsError,
  LoopsCdpError,
  QueueOverflowError,
  RelayHttpError,
  RelayRejectedError,
  reportError,
} from '../src/errors'

describe('named errors', () => {
  it('carry an explicit name (minifiers rename classes), a message and their fields', () => {
    const all = [
      new LoopsCdpError('boom'),
      new RelayHttpError(503, ['a', 'b']),
      new RelayHttpError(403, ['c'], 'Origin not allowed'),
      new RelayRejectedError('m1', 'eventName must not contain ":"'),
      new QueueOverflowError(['m1', 'm2']),
      new InvalidOptionsError('relayUrl'),
    ]
    expect(all.map((e) => [e.name, e.message])).toEqual([
      ['LoopsCdpError', 'boom'],
      ['RelayHttpError', 'Relay answered 503'],
      ['RelayHttpError', 'Relay answered 403: Origin not allowed'],
      ['RelayRejectedError', 'Relay rejected m1: eventName must not contain ":"'],
      ['QueueOverflowError', 'Queue full: dropped 2 oldest'],
      ['InvalidOptionsError', 'Invalid option: relayUrl'],
    ])
    for (const e of all) {
      expect(e).toBeInstanceOf(LoopsCdpError)
      expect(e).toBeInstanceOf(Error)
    }
    expect(all[1]).toMatchObject({ status: 503, messageIds: ['a', 'b'], relayError: '' })
    expect(all[2]).toMatchObject({ status: 403, relayError: 'Origin not allowed' })
    expect(all[3]).toMatchObject({ messageId: 'm1', reason: 'eventName must not contain ":"' })
    expect(all[4]).toMatchObject({ dropped: 2, messageIds: ['m1', 'm2'] })
    expect(all[5]).toMatchObject({ option: 'relayUrl' })
  })
})

describe('reportError', () => {
  it('passes a LoopsCdpError through as it is and returns it', () => {
    const seen: LoopsCdpError[] = []
    const e = new RelayHttpError(400, ['a'])
    expect(reportError((x) => seen.push(x), e)).toBe(e)
    expect(seen).toEqual([e])
  })

  it('wraps anything else in a LoopsCdpError with its string as the message', () => {
    const seen: LoopsCdpError[] = []
    const a = reportError((x) => seen.push(x), new TypeError('x is not a function'))
    const b = reportError((x) => seen.push(x), 'plain string')
    expect(seen).toEqual([a, b])
    expect([a.name, a.message]).toEqual(['LoopsCdpError', 'TypeError: x is not a function'])
    expect([b.name, b.message]).toEqual(['LoopsCdpError', 'plain string'])
    expect(a).toBeInstanceOf(LoopsCdpError)
  })

  it('never throws: no onError, or an onError that throws itself', () => {
    expect(reportError(undefined, 'x').message).toBe('x')
    const thrower = () => {
      throw new Error('app bug')
    }
    expect(() => reportError(thrower, new Error('first'))).not.toThrow()
    expect(reportError(thrower, new Error('first')).message).toBe('Error: first')
  })
})
