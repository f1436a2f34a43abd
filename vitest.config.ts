import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url))
// Tests run against sources: sibling packages resolve to src, never to dist.
const alias = {
  '@loops-cdp/core/protocol': src('./packages/core/src/protocol.ts'),
  '@loops-cdp/core': src('./packages/core/src/index.ts'),
}

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: 'core', root: src('./packages/core'), environment: 'node' },
      },
      {
        resolve: { alias },
        test: {
          name: 'relay',
          root: src('./packages/relay'),
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'loops-emulator',
          root: src('./packages/loops-emulator'),
          environment: 'node',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'segment-plugin',
          root: src('./packages/segment-plugin'),
          environment: 'node',
        },
      },
      {
        resolve: { alias },
        test: { name: 'rudder-plugin', root: src('./packages/rudder-plugin'), environment: 'node' },
      },
      // Repository checks: package metadata, README script tags against the CDN build.
      { test: { name: 'repo', root: src('./scripts'), environment: 'node' } },
    ],
  },
})
