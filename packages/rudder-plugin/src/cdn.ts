// CDN entry (dist/cdn.global.js): sets `window.LoopsRudder = { loopsIntegration }`.
// Core is bundled in; analytics-js is only ever imported as types. Assigning the global (instead
// of an IIFE `globalName` with exports) spares the ESM interop helpers: ~200 bytes gzip.
import { loopsIntegration } from './integration'
;(globalThis as { LoopsRudder?: object }).LoopsRudder = { loopsIntegration }
