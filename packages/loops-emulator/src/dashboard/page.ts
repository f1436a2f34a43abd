/**
 * Markup and styles of the dashboard (`GET /`). Self-contained on purpose: no external assets,
 * so it works offline and in locked-down CI browsers. Stable ids and classes (`#contacts`,
 * `#events`, `#requests`, `tr.contact[data-email]`, …) are what the e2e and demo helpers read.
 */
export const DASHBOARD_STYLE = `
:root { color-scheme: light; --fg: #1c1c1e; --muted: #6b6b76; --line: #e7e7ec; --bg: #fafafb;
  --accent: #ff6f3c; --ok: #16794c; --warn: #a15c00; --bad: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; padding: 12px 24px;
  background: #fff; border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 1; }
header h1 { font-size: 16px; margin: 0; }
header h1 span { color: var(--accent); }
nav a { color: var(--muted); text-decoration: none; margin-right: 12px; }
nav a:hover { color: var(--fg); }
.meta { color: var(--muted); font-size: 12px; display: flex; gap: 12px; flex-wrap: wrap; }
#status { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #eee; }
#status.live { background: #e3f5ec; color: var(--ok); }
#status.offline { background: #fde8e7; color: var(--bad); }
button { font: inherit; padding: 4px 10px; border: 1px solid var(--line); border-radius: 6px;
  background: #fff; cursor: pointer; }
main { padding: 16px 24px 48px; display: grid; gap: 24px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; overflow: auto; }
section h2 { font-size: 15px; margin: 0; padding: 12px 16px; border-bottom: 1px solid var(--line); }
section h2 small { color: var(--muted); font-weight: normal; margin-left: 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 12px; border-bottom: 1px solid var(--line);
  vertical-align: top; white-space: nowrap; }
th { font-size: 12px; color: var(--muted); font-weight: 500; background: #fcfcfd; }
td.wrap { white-space: normal; }
tr.empty td { color: var(--muted); text-align: center; padding: 16px; }
.null { color: #b0b0b8; }
.prop, .list { display: inline-block; margin: 1px 4px 1px 0; padding: 0 6px; border-radius: 4px;
  background: #f2f2f5; font-size: 12px; }
.prop b { font-weight: 500; color: var(--muted); margin-right: 4px; }
.list { background: #fff1eb; color: #9a3a12; }
.prop.ignored { background: #fff; border: 1px dashed #c9c9d1; color: var(--muted);
  text-decoration: line-through; }
.ignored-note { color: var(--warn); font-size: 12px; }
.subscribed[data-subscribed="true"] { color: var(--ok); }
.subscribed[data-subscribed="false"] { color: var(--bad); }
.status { font-weight: 600; }
.status.s2xx { color: var(--ok); }
.status.s4xx { color: var(--warn); }
.status.s429, .status.s5xx { color: var(--bad); }
.fault { font-size: 11px; padding: 0 5px; border-radius: 4px; background: var(--bad); color: #fff; }
tr.request { cursor: pointer; }
tr.request.selected { background: #fff6f1; }
#request-detail { margin: 0; padding: 12px 16px; font: 12px/1.4 ui-monospace, monospace;
  white-space: pre-wrap; border-top: 1px solid var(--line); }
#request-detail:empty { display: none; }
`

export const DASHBOARD_BODY = `
<header>
  <h1><span>&#9679;</span> Loops emulator <small id="team-name"></small></h1>
  <nav><a href="#audience">Audience</a><a href="#event-log">Events</a><a href="#request-log">Requests</a></nav>
  <div class="meta">
    <span id="rate-limit"></span><span id="api-key-mode"></span><span id="properties-mode"></span>
  </div>
  <span id="status">connecting</span>
  <button id="reset" type="button" title="POST /_emulator/reset">Reset</button>
</header>
<main>
  <section id="audience">
    <h2>Audience <small><span id="contact-count">0</span> contacts</small></h2>
    <table>
      <thead><tr><th>Email</th><th>User ID</th><th>First name</th><th>Last name</th>
        <th>Subscribed</th><th>Mailing lists</th><th>Properties</th><th>Source</th>
        <th>User group</th></tr></thead>
      <tbody id="contacts"></tbody>
    </table>
  </section>
  <section id="event-log">
    <h2>Events <small><span id="event-count">0</span> accepted, newest first</small></h2>
    <table>
      <thead><tr><th>Received</th><th>Event</th><th>Contact</th><th>Event properties</th>
        <th>Contact properties</th><th>Mailing lists</th><th>Idempotency key</th></tr></thead>
      <tbody id="events"></tbody>
    </table>
  </section>
  <section id="request-log">
    <h2>Requests <small><span id="request-count">0</span> to /api, newest first; click one for details</small></h2>
    <table>
      <thead><tr><th>Received</th><th>Method</th><th>Path</th><th>Status</th><th>Notes</th></tr></thead>
      <tbody id="requests"></tbody>
    </table>
    <pre id="request-detail"></pre>
  </section>
</main>
`
