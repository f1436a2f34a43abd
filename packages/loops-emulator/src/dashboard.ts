import { DASHBOARD_BODY, DASHBOARD_STYLE } from './dashboard/page.js'
import { DASHBOARD_SCRIPT } from './dashboard/script.js'

/**
 * The dashboard page (`GET /`): contacts like Loops' Audience page, the event log like its
 * Events page, and the recent request log, refreshed from `/_emulator/*` about once a second.
 * One self-contained document: inline style and script, no external assets.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Loops emulator</title>
<style>${DASHBOARD_STYLE}</style>
</head>
<body>
${DASHBOARD_BODY}
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`
