// Structured logs: one JSON object per line, one line per delivery outcome. Lines carry ids,
// statuses and reasons only — no property values, no email addresses, never the API key.
// Every line goes through `scrub`, so even a Loops error text that echoes input is cleaned.

import type { DeliveryOutcome } from './delivery/types'
import { REDACTED, redactSecret } from './redact'

export type LogLine = Record<string, unknown>
export type LogSink = (line: LogLine) => void
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export interface RelayLogger {
  log(level: LogLevel, msg: string, fields?: LogLine): void
  outcome(outcome: DeliveryOutcome): void
}

/** Default sink: a JSON line on stdout (stderr for warn/error), which every runtime supports. */
export const consoleSink: LogSink = (line) => {
  const text = JSON.stringify(line)
  if (line.level === 'warn' || line.level === 'error') console.error(text)
  else console.log(text)
}

const EMAIL = /[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+\.[^\s@"'<>(),;:]+/g
const MAX_STRING = 300

export interface LoggerOptions {
  sink?: LogSink
  /** Removed wherever they appear whole (the identity secret). */
  secrets?: Array<string | undefined>
  /**
   * Removed whole and in pieces of 8+ characters (the Loops API key: Loops or a proxy may echo
   * part of the Authorization header). Not for secrets made of words, which would eat log text.
   */
  keys?: Array<string | undefined>
}

export function createLogger(options: LoggerOptions) {
  const sink = options.sink ?? consoleSink
  // Short "secrets" (e.g. the emulator's 'test') would redact ordinary words; 4+ chars only.
  const long = (s: string | undefined): s is string => !!s && s.length >= 4
  const secrets = (options.secrets ?? []).filter(long)
  const keys = (options.keys ?? []).filter(long)

  function scrubString(value: string): string {
    let out = value
    for (const key of keys) out = redactSecret(out, key)
    for (const secret of secrets) out = out.split(secret).join(REDACTED)
    out = out.replace(EMAIL, '[email]')
    return out.length > MAX_STRING ? `${out.slice(0, MAX_STRING)}…` : out
  }

  function scrub(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return scrubString(value)
    if (value === null || typeof value !== 'object' || depth > 4) {
      return typeof value === 'object' && value !== null ? '[object]' : value
    }
    if (Array.isArray(value)) return value.slice(0, 20).map((item) => scrub(item, depth + 1))
    const out: LogLine = {}
    for (const [key, item] of Object.entries(value)) out[key] = scrub(item, depth + 1)
    return out
  }

  const logger: RelayLogger = {
    log(level, msg, fields = {}) {
      const line = scrub({ time: new Date().toISOString(), level, msg, ...fields }, 0) as LogLine
      try {
        sink(line)
      } catch {
        // A broken sink must never break delivery.
      }
    },
    outcome(outcome) {
      const base = { outcome: outcome.kind, messageId: outcome.messageId, type: outcome.type }
      if (outcome.kind === 'delivered') {
        logger.log('info', 'delivery', {
          ...base,
          status: outcome.status,
          latencyMs: outcome.latencyMs,
          ...(outcome.duplicate ? { duplicate: true } : {}),
        })
      } else if (outcome.kind === 'retried') {
        logger.log('warn', 'delivery', {
          ...base,
          status: outcome.status,
          reason: outcome.reason,
          attempt: outcome.attempt,
          retryInMs: outcome.retryInMs,
        })
      } else {
        logger.log('error', 'delivery', { ...base, status: outcome.status, reason: outcome.reason })
      }
    },
  }
  return logger
}

/** Name and message only: stack traces and causes can carry request data. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error'
}
