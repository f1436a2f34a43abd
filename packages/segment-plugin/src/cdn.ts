// CDN entry (dist/cdn.global.js): sets `window.LoopsSegment = { loopsDestination }`.
// Core is bundled in; analytics-next is only ever imported as types. Assigning the global (instead
// of an IIFE `globalName` with exports) spares the ESM interop helpers: ~200 bytes gzip.
import { loopsDestination } from './destination'
;(globalThis as { LoopsSegment?: object }).LoopsSegment = { loopsDestination }
