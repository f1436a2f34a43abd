// Types of the `./cdn` entry (dist/cdn.global.js): a script that sets one global,
// `LoopsSegment`, and exports nothing. `import '@loops-cdp/segment-plugin/cdn'` (or the
// <script> tag) makes `window.LoopsSegment.loopsDestination` available with these types.
import type { loopsDestination } from './dist/index.js'

declare global {
  var LoopsSegment: {
    loopsDestination: typeof loopsDestination
  }
}
