// Size gate of the shipped CDN files, core included, gzip -9 (bench/size.mjs records exact bytes).
//
// DESIGN §6 sets the budget at 3,072 bytes (3 KiB). It is MISSED: Segment 3,335 B, RudderStack
// 3,439 B (node:zlib level 9, 2026-12-02; bench/RESULTS.md has where the bytes go). These limits
// are therefore a regression guard at the measured size plus ~1 % headroom, not the design
// budget; lower them whenever a change makes the files smaller, and bring them to 3 KiB when the
// budget is met.
//
// size-limit ≥ 11 measures brotli unless told otherwise, so every entry says `gzip: true`;
// "KB" means 1,000 bytes to size-limit, so limits are written in KiB.
module.exports = [
  {
    name: 'Segment plugin CDN (dist/cdn.global.js, gzip)',
    path: 'packages/segment-plugin/dist/cdn.global.js',
    gzip: true,
    limit: '3.3 KiB',
  },
  {
    name: 'RudderStack plugin CDN (dist/cdn.global.js, gzip)',
    path: 'packages/rudder-plugin/dist/cdn.global.js',
    gzip: true,
    limit: '3.4 KiB',
  },
]
