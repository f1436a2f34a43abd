// Size gate of the shipped CDN files, core included, gzip -9 (bench/size.mjs records exact bytes):
// 3.5 KiB (3,584 bytes) per plugin. The source stays readable; the minifier shortens local names.
//
// size-limit ≥ 11 measures brotli unless told otherwise, so every entry says `gzip: true`;
// "KB" means 1,000 bytes to size-limit, so limits are written in KiB.
module.exports = [
  {
    name: 'Segment plugin CDN (dist/cdn.global.js, gzip)',
    path: 'packages/segment-plugin/dist/cdn.global.js',
    gzip: true,
    limit: '3.5 KiB',
  },
  {
    name: 'RudderStack plugin CDN (dist/cdn.global.js, gzip)',
    path: 'packages/rudder-plugin/dist/cdn.global.js',
    gzip: true,
    limit: '3.5 KiB',
  },
]
