// Types of the `./cdn` entry (dist/cdn.global.js): a script that sets one global,
// `LoopsRudder`, and exports nothing. `import '@loops-cdp/rudder-plugin/cdn'` (or the
// <script> tag) makes `window.LoopsRudder.loopsIntegration` available with these types.
import type { loopsIntegration } from './dist/index.js'

declare global {
  var LoopsRudder: {
    loopsIntegration: typeof loopsIntegration
  }
}
