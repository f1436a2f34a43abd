// Size budget of the shipped CDN files, core included (DESIGN §6: gzip -9 ≤ 3,072 bytes).
// size-limit ≥ 11 measures brotli unless told otherwise, so every entry says `gzip: true`;
// "KB" means 1,000 bytes to size-limit, so the budget is written in KiB (3 KiB = 3,072 bytes).
// bench/size.mjs records the exact `gzip -9` byte counts.
module.exports = [
  {
    name: 'Segment plugin CDN (dist/cdn.global.js, gzip)',
    path: 'packages/segment-plugin/dist/cdn.global.js',
    gzip: true,
    limit: '3 KiB',
  },
  {
    name: 'RudderStack plugin CDN (dist/cdn.global.js, gzip)',
    path: 'packages/rudder-plugin/dist/cdn.global.js',
    gzip: true,
    limit: '3 KiB',
  },
]
