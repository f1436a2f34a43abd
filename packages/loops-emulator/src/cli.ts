import { CliUsageError } from './errors.js'
import { runCli, USAGE } from './run-cli.js'

// Thin process wrapper: everything testable lives in runCli.
runCli(process.argv.slice(2)).then(
  (handle) => {
    if (!handle) return
    const stop = () => {
      handle.close().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  },
  (error: unknown) => {
    if (error instanceof CliUsageError) {
      console.error(`loops-emulator: ${error.message}\n\n${USAGE}`)
      process.exit(2)
    }
    console.error(
      'loops-emulator: failed to start:',
      error instanceof Error ? error.message : error,
    )
    process.exit(1)
  },
)
