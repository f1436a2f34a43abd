import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from '@playwright/test'

const here = dirname(fileURLToPath(import.meta.url))
// Debian's Chromium where it exists (Playwright cannot download browsers on the CI box);
// elsewhere Playwright's own browser.
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const executablePath = existsSync(chromiumPath) ? chromiumPath : undefined

export default defineConfig({
  testDir: join(here, 'tests'),
  outputDir: join(here, 'test-results'),
  fullyParallel: true,
  workers: process.env.CI ? 1 : 2,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  // Generous bounds for a shared 2-core machine; tests wait on conditions, never on the clock.
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: process.env.CI
    ? [['list']]
    : [['list'], ['html', { open: 'never', outputFolder: join(here, 'playwright-report') }]],
  use: {
    browserName: 'chromium',
    headless: true,
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
      ],
    },
  },
})
