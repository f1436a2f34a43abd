// `loops-relay doctor [flags] [--json]`: the relay's own configuration (environment and flags,
// as `loops-relay` reads them) checked against the Loops it points at. A table for people,
// JSON for scripts; exit status 1 when any check fails or the configuration is unusable.
import { ConfigError, configFromEnv, resolveConfig } from '../config'
import { parseFlags } from '../flags'
import { type CheckRow, runChecks } from './checks'

export const DOCTOR_USAGE = `Usage: loops-relay doctor [flags] [--json]

Checks the relay's set-up against the Loops API it is configured for (or the emulator): the key
and team, the rate limit, identity verification, allowed origins, the allow-listed mailing lists,
contact properties the relay saw that Loops lacks, and Redis / the data dir where the mode needs
them. Takes the same environment and flags as loops-relay. Exit status 1 when a check fails.
`

const MARK: Record<CheckRow['status'], string> = {
  ok: 'ok  ',
  warn: 'warn',
  fail: 'FAIL',
  skip: 'skip',
}

export function renderTable(rows: readonly CheckRow[], header: string): string {
  const width = Math.max(...rows.map((r) => r.name.length))
  const lines = rows.map((r) => `  ${MARK[r.status]}  ${r.name.padEnd(width)}  ${r.detail}`)
  const failed = rows.filter((r) => r.status === 'fail').length
  const warned = rows.filter((r) => r.status === 'warn').length
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  const verdict =
    failed > 0
      ? `${plural(failed, 'problem')}, ${plural(warned, 'warning')}.`
      : `No problems${warned > 0 ? `, ${plural(warned, 'warning')}` : ''}.`
  return `${header}\n\n${lines.join('\n')}\n\n${verdict}\n`
}

/** Runs the doctor; resolves the exit status. `print` gets the whole output at once. */
export async function runDoctor(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  print: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const json = argv.includes('--json')
  const rest = argv.filter((a) => a !== '--json')
  if (rest.includes('--help') || rest.includes('-h')) {
    print(DOCTOR_USAGE)
    return 0
  }
  let config: ReturnType<typeof resolveConfig>
  try {
    const input = configFromEnv({ ...env, ...parseFlags(rest).env })
    input.mode ??= 'queue' // as `loops-relay` itself defaults
    config = resolveConfig(input)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    const rows: CheckRow[] = [{ name: 'config', status: 'fail', detail: error.message }]
    print(
      json
        ? `${JSON.stringify({ ok: false, checks: rows })}\n`
        : renderTable(rows, 'loops-relay doctor'),
    )
    return 1
  }
  const rows = await runChecks({ config, env })
  const ok = rows.every((r) => r.status !== 'fail')
  if (json) {
    print(
      `${JSON.stringify({ ok, loopsApiUrl: config.loopsApiUrl, mode: config.mode, checks: rows }, null, 2)}\n`,
    )
  } else {
    print(renderTable(rows, `loops-relay doctor: ${config.loopsApiUrl}, ${config.mode} mode`))
  }
  return ok ? 0 : 1
}
