// CDN entry (dist/cdn.global.js): the IIFE exposes `window.LoopsSegment.loopsDestination`.
// Core is bundled in; analytics-next is only ever imported as types.
export { loopsDestination } from './destination'
