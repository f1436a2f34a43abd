// `npm run demo`: installs and builds what is missing, starts the Loops emulator on :4010 and the
// example server on :8080 (pages, SDKs, relay at /loops), prints the URLs, stops on Ctrl-C.
// With LOOPS_API_KEY set, the relay delivers to the real Loops API instead of the emulator.
// Identity verification is on: the example server signs each page's user with the demo secret
// (or RELAY_IDENTITY_SECRET when set), as your app's server would.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ensureInstalled, root, runPnpm } from './bootstrap.mjs'

const EMULATOR_PORT = Number(process.env.EMULATOR_PORT ?? 4010)
const PORT = Number(process.env.PORT ?? 8080)

ensureInstalled()
if (process.env.DEMO_SKIP_BUILD !== '1') {
  console.log('Building packages and example apps…')
  runPnpm(['run', 'build'])
}

const load = (path) => {
  const file = join(root, path)
  if (!existsSync(file)) {
    console.error(`✗ ${path} is missing; run \`pnpm run build\` and look for errors.`)
    process.exit(1)
  }
  return import(pathToFileURL(file).href)
}
const { startEmulator } = await load('packages/loops-emulator/dist/index.js')
const { DEMO_IDENTITY_SECRET, startExampleServer } = await load('examples/server.mjs')
const identitySecret = process.env.RELAY_IDENTITY_SECRET || DEMO_IDENTITY_SECRET

const realLoops = Boolean(process.env.LOOPS_API_KEY)
let emulator
try {
  // With a real key there is nothing to emulate: the relay talks to Loops itself.
  // The example pages' one custom property exists, as it would in a real Loops team; any other
  // is accepted and dropped, as Loops does (the relay logs it: RELAY_CREATE_PROPERTIES=true
  // creates it instead).
  emulator = realLoops
    ? undefined
    : await startEmulator({ port: EMULATOR_PORT, properties: [{ key: 'plan', type: 'string' }] })
} catch (error) {
  fail(`could not start the Loops emulator on port ${EMULATOR_PORT}`, error)
}

let server
try {
  server = await startExampleServer({
    port: PORT,
    loopsApiUrl: realLoops
      ? (process.env.LOOPS_API_URL ?? 'https://app.loops.so/api')
      : (emulator?.apiUrl ?? ''),
    loopsApiKey: process.env.LOOPS_API_KEY,
    relayMode: process.env.RELAY_MODE === 'queue' ? 'queue' : 'direct',
    relayDataDir: process.env.RELAY_DATA_DIR ?? join(root, '.loops-relay'),
    identitySecret,
    relayOptions: { logSink: quietLogs },
  })
} catch (error) {
  await emulator?.close()
  fail(`could not start the example server on port ${PORT}`, error)
}

const lines = [
  '',
  'loops-cdp demo is running',
  '',
  `  Examples               ${server.url}/`,
  `  Segment · script tag   ${server.url}/segment-script/`,
  `  Segment · npm          ${server.url}/segment-npm/`,
  `  RudderStack · script   ${server.url}/rudder-script/`,
  `  RudderStack · npm      ${server.url}/rudder-npm/`,
  `  Relay                  ${server.relayUrl}  (health: ${server.relayUrl}/health)`,
  `  Identity verification  on (${process.env.RELAY_IDENTITY_SECRET ? 'RELAY_IDENTITY_SECRET' : 'the demo secret'}; the server signs each page's user at /api/identity)`,
  emulator
    ? `  Loops emulator         ${emulator.url}/  (dashboard: contacts, events, requests)`
    : '  Loops                  the real Loops API (LOOPS_API_KEY is set)',
  '',
  'Press Ctrl-C to stop.',
  '',
]
console.log(lines.join('\n'))

let stopping = false
async function stop(signal) {
  if (stopping) return
  stopping = true
  console.log(`\n${signal}: stopping…`)
  // Bounded: a stuck socket must not keep the terminal hostage.
  const timer = setTimeout(() => process.exit(0), 3000)
  timer.unref()
  await server.close().catch(() => {})
  await emulator?.close().catch(() => {})
  process.exit(0)
}
process.on('SIGINT', () => void stop('SIGINT'))
process.on('SIGTERM', () => void stop('SIGTERM'))

/** Relay log lines: deliveries and problems only, one short line each; never the key. */
function quietLogs(line) {
  if (line.level === 'info' && line.msg !== 'delivery') return
  const { time, level, msg, ...rest } = line
  const detail = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ')
  console.log(`[relay] ${level} ${msg} ${detail}`)
}

function fail(message, error) {
  console.error(`✗ ${message}: ${error instanceof Error ? error.message : error}`)
  if (error?.code === 'EADDRINUSE')
    console.error('  Another process uses that port; stop it or set PORT / EMULATOR_PORT.')
  process.exit(1)
}
