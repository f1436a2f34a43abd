// Compressed sizes with node:zlib: gzip at level 9 and brotli at quality 11, so every number in the
// size table is measured the same way.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

export function sizes(buffer) {
  const data = typeof buffer === 'string' ? Buffer.from(buffer) : buffer
  return {
    raw: data.length,
    gzip: gzipSync(data, { level: 9 }).length,
    brotli: brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }).length,
  }
}
