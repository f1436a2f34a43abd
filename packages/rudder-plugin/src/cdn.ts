// CDN entry (dist/cdn.global.js): the IIFE exposes `window.LoopsRudder.loopsIntegration`.
// Core is bundled in; analytics-js is only ever imported as types.
export { loopsIntegration } from './integration'
