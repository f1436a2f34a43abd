import { startEmulator } from './emulator.js'
import { CliUsageError } from './errors.js'
import type { EmulatorOptions, MailingList, PropertyType } from './types.js'

export const USAGE = `Usage: loops-emulator [options]

A local stand-in for the Loops API (https://app.loops.so/api) with an inspection API,
fault injection and a dashboard.

Options:
  --port <n>            port to listen on (default 4010; 0 = any free port)
  --host <host>         interface to bind (default 127.0.0.1)
  --api-key <key>       accept only this key (default: any non-empty Bearer token)
  --rate-limit <n>      requests per second per team, token bucket (default 10; 0 = off)
  --lists <id:name,…>   mailing lists (default: newsletter, product-updates, beta)
  --properties <key:type,…>
                        custom contact properties that exist from the start
                        (type string, number, boolean or date; a bare key is a string)
  --auto-properties     create unknown contact properties instead of ignoring them
  -h, --help            show this help
`

export interface CliOptions extends EmulatorOptions {
  port: number
  host: string
}

/** Parses CLI flags (`--flag value` or `--flag=value`); undefined means `--help` was asked for. */
export function parseArgs(argv: readonly string[]): CliOptions | undefined {
  const options: CliOptions = { port: 4010, host: '127.0.0.1' }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const eq = arg.indexOf('=')
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg
    const value = (): string => {
      const inline = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : undefined
      const next = inline ?? argv[++i]
      if (next === undefined || next === '') throw new CliUsageError(`${flag} needs a value`, flag)
      return next
    }
    switch (flag) {
      case '-h':
      case '--help':
        return undefined
      case '--port':
        options.port = integer(flag, value(), 65535)
        break
      case '--host':
        options.host = value()
        break
      case '--api-key':
        options.apiKey = value()
        break
      case '--rate-limit':
        options.rateLimit = integer(flag, value(), 100_000)
        break
      case '--lists':
        options.lists = parseLists(value())
        break
      case '--properties':
        options.properties = parseProperties(value())
        break
      case '--auto-properties':
        options.autoProperties = true
        break
      default:
        throw new CliUsageError(`unknown option ${arg}`, arg)
    }
  }
  return options
}

function integer(flag: string, raw: string, max: number): number {
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || n > max) {
    throw new CliUsageError(`${flag} must be an integer from 0 to ${max}`, flag)
  }
  return n
}

/** `a:b, c` → each non-empty item, the part before its first colon, and the rest if any. */
function colonItems(raw: string): Array<{ item: string; head: string; rest: string | undefined }> {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const colon = item.indexOf(':')
      if (colon < 0) return { item, head: item, rest: undefined }
      return { item, head: item.slice(0, colon).trim(), rest: item.slice(colon + 1).trim() }
    })
}

/** `id:name,id2:Name two` → lists; a bare `id` is its own name. */
export function parseLists(raw: string): MailingList[] {
  return colonItems(raw).map(({ item, head: id, rest }) => {
    if (id === '') throw new CliUsageError(`--lists: empty list id in "${item}"`, '--lists')
    return { id, name: rest || id }
  })
}

const PROPERTY_TYPES: readonly PropertyType[] = ['string', 'number', 'boolean', 'date']

/** `plan:string,seats:number,trial` → custom properties; a bare key is a string property. */
export function parseProperties(raw: string): Array<{ key: string; type: PropertyType }> {
  return colonItems(raw).map(({ item, head: key, rest }) => {
    const type = (rest ?? 'string') as PropertyType
    if (key === '') throw new CliUsageError(`--properties: empty key in "${item}"`, '--properties')
    if (!PROPERTY_TYPES.includes(type)) {
      throw new CliUsageError(
        `--properties: "${type}" is not a property type (string, number, boolean, date)`,
        '--properties',
      )
    }
    return { key, type }
  })
}

export interface CliHandle {
  url: string
  port: number
  close(): Promise<void>
}

/**
 * The CLI without the process plumbing: starts the emulator and prints where it is. Resolves
 * undefined after printing help; throws CliUsageError for bad flags. The key is never printed.
 */
export async function runCli(
  argv: readonly string[],
  print: (line: string) => void = (line) => console.log(line),
): Promise<CliHandle | undefined> {
  const options = parseArgs(argv)
  if (!options) {
    print(USAGE)
    return undefined
  }
  const running = await startEmulator(options)
  const limit = options.rateLimit ?? 10
  print(`Loops emulator listening on ${running.url}`)
  print(`  API:       ${running.apiUrl}  (use as LOOPS_API_URL)`)
  print(`  Dashboard: ${running.url}/`)
  print(`  API key:   ${options.apiKey ? 'only the configured key' : 'any key accepted'}`)
  print(`  Rate limit: ${limit > 0 ? `${limit} requests/s` : 'off'}`)
  const custom = running.emulator.state.properties.list('custom')
  const known = custom.map((p) => `${p.key} (${p.type})`).join(', ') || 'none'
  print(
    `  Properties: ${known}; unknown ones are ${options.autoProperties ? 'created on first use' : 'ignored, as in Loops'}`,
  )
  return { url: running.url, port: running.port, close: running.close }
}
