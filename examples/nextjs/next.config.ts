import type { NextConfig } from 'next'

const nextConfig: NextConfig = {
  // The relay's SQLite queue (queue mode) is a native module: keep it out of the bundle. Direct
  // mode, the default of createRelay, never loads it.
  serverExternalPackages: ['better-sqlite3'],
}

export default nextConfig
