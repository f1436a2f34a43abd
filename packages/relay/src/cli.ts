// The `loops-relay` command: environment + flags → createRelay → Node http server. Prints one
// JSON line with the URL once listening (with the real port when PORT=0) and stops gracefully
// on SIGTERM/SIGINT, letting Loops calls in flight finish (the queue keeps everything else).

import { ConfigError, configFromEnv } from './config'
import { parseFlags, USAGE } from './flags'
import { describeError } from './log'
import { redactSecret } from './redact'
import { createRelay } from './relay'
import { serveRelay } from './serve'

const STOP_TIMEOUT_MS = 15_000

const line = (level: string, msg: string, fields: Record<string, unknown> = {}) => {
  const text = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })
  if (level === 'error') console.error(text)
  else console.log(text)
}

async function main(): Promise<void> {
  if (process.argv[2] === 'doctor') {
    const { runDoctor } = await import('./doctor/run')
    process.exitCode = await runDoctor(process.argv.slice(3), process.env)
    return
  }
  const flags = parseFlags(process.argv.slice(2))
  if (flags.help) {
    process.stdout.write(USAGE)
    return
  }
  const input = configFromEnv({ ...process.env, ...flags.env })
  // A long-running server can keep a durable queue; `--role ingest|worker` implies the shared one.
  input.mode ??= input.role === undefined || input.role === 'both' ? 'queue' : 'redis'
  // Everything comes from `input`: the flags must win over the environment.
  const relay = createRelay({ ...input, env: {} })
  // Refuse to start (exit 1) rather than serve 500s: a missing key or identity secret.
  if (relay.configError) throw relay.configError
  await relay.start()
  const served = await serveRelay(relay, {
    port: relay.config.port,
    ...(relay.config.host ? { host: relay.config.host } : {}),
  })
  line('info', 'listening', {
    url: served.url,
    port: served.port,
    mode: relay.config.mode,
    ...(relay.config.mode === 'redis' ? { role: relay.config.role } : {}),
    loopsApiUrl: relay.config.loopsApiUrl,
  })

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) process.exit(1) // a second signal: the operator insists
    stopping = true
    line('info', 'stopping', { signal })
    // Bounded: a hung Loops call must not keep a deploy waiting forever.
    setTimeout(() => {
      line('error', 'stop timed out, exiting', { timeoutMs: STOP_TIMEOUT_MS })
      process.exit(1)
    }, STOP_TIMEOUT_MS).unref()
    Promise.all([served.close(), relay.stop()]).then(
      () => {
        line('info', 'stopped')
        process.exit(0)
      },
      (error: unknown) => {
        line('error', 'stop failed', { error: describeError(error) })
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

main().catch((error: unknown) => {
  // ConfigError names the setting and never holds a secret value; other errors: name + message.
  // One `loops-relay:` line per problem (a missing key and a missing secret are two).
  let message = error instanceof ConfigError ? error.message : describeError(error)
  // A crash text may quote a header or an option (Node's own errors do): never the secrets.
  for (const name of ['LOOPS_API_KEY', 'RELAY_IDENTITY_SECRET']) {
    const value = process.env[name]
    message = redactSecret(redactSecret(message, value), value?.trim())
  }
  for (const text of message.split('\n')) console.error(`loops-relay: ${text}`)
  process.exitCode = 1
})
