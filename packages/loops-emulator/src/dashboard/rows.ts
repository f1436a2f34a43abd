/**
 * Browser code of the dashboard, part 1: DOM helpers and one row builder per table. Rows carry
 * stable classes and data attributes for scripts; values go in through textContent only.
 * (Plain ES2017, free of backticks, dollar-brace and backslashes: it lives in a template string.)
 */
export const DASHBOARD_ROWS_SCRIPT = `
function $(id) { return document.getElementById(id); }

function el(tag, attrs, children) {
  var node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) {
    var v = attrs[k];
    if (v === undefined || v === null) return;
    if (k === 'text') node.textContent = String(v);
    else if (k === 'className') node.className = v;
    else node.setAttribute(k, String(v));
  });
  (children || []).forEach(function (c) { if (c) node.appendChild(c); });
  return node;
}

function cell(className, value) {
  if (value === null || value === undefined || value === '') {
    return el('td', { className: className }, [el('span', { className: 'null', text: '—' })]);
  }
  return el('td', { className: className, text: value });
}

function show(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function props(className, obj, ignored) {
  var td = el('td', { className: className + ' wrap' });
  Object.keys(obj || {}).forEach(function (key) {
    var isIgnored = ignored && ignored.indexOf(key) >= 0;
    var span = el('span', {
      className: 'prop' + (isIgnored ? ' ignored' : ''), 'data-key': key,
      title: isIgnored ? 'ignored: not a contact property of this team, so not stored' : null
    }, [el('b', { text: key }), document.createTextNode(show(obj[key]))]);
    td.appendChild(span);
  });
  return td;
}

function lists(obj) {
  var td = el('td', { className: 'lists wrap' });
  Object.keys(obj || {}).forEach(function (id) {
    var on = obj[id] === true;
    td.appendChild(el('span', {
      className: 'list', 'data-list-id': id, 'data-subscribed': on,
      text: (on ? '' : 'unsubscribe: ') + (listNames[id] || id)
    }));
  });
  return td;
}

function time(iso) {
  var d = new Date(iso);
  return isNaN(d.getTime()) ? iso : d.toLocaleTimeString();
}

function fill(tbody, rows, emptyText, columns) {
  tbody.textContent = '';
  if (rows.length === 0) {
    tbody.appendChild(el('tr', { className: 'empty' },
      [el('td', { colspan: columns, text: emptyText })]));
  }
  rows.forEach(function (r) { tbody.appendChild(r); });
}

function contactRow(c) {
  var custom = {};
  Object.keys(c).forEach(function (k) { if (FIXED.indexOf(k) < 0) custom[k] = c[k]; });
  return el('tr', {
    className: 'contact', 'data-email': c.email, 'data-user-id': c.userId, 'data-id': c.id
  }, [
    cell('email', c.email), cell('user-id', c.userId), cell('first-name', c.firstName),
    cell('last-name', c.lastName),
    el('td', { className: 'subscribed', 'data-subscribed': c.subscribed,
      text: c.subscribed ? 'Subscribed' : 'Unsubscribed' }),
    lists(c.mailingLists), props('properties', custom), cell('source', c.source),
    cell('user-group', c.userGroup)
  ]);
}

function eventRow(e) {
  var ignored = e.ignoredProperties || [];
  var contactProps = props('contact-properties', e.contactProperties, ignored);
  if (ignored.length > 0) {
    contactProps.appendChild(el('div', { className: 'ignored-note',
      text: 'ignored (not stored): ' + ignored.join(', ') }));
  }
  return el('tr', {
    className: 'event', 'data-event-name': e.eventName, 'data-email': e.email,
    'data-user-id': e.userId, 'data-idempotency-key': e.idempotencyKey
  }, [
    cell('time', time(e.receivedAt)), cell('name', e.eventName),
    cell('contact', [e.email, e.userId].filter(Boolean).join(' · ')),
    props('event-properties', e.eventProperties), contactProps, lists(e.mailingLists),
    cell('idempotency-key', e.idempotencyKey)
  ]);
}

function requestKey(r) { return [r.receivedAt, r.method, r.path, r.status].join(' '); }

function requestRow(r, key) {
  var bucket = r.status === 429 ? 's429' : 's' + String(r.status).charAt(0) + 'xx';
  var notes = el('td', { className: 'notes wrap' });
  if (r.fault) notes.appendChild(el('span', { className: 'fault', text: 'injected fault' }));
  if (r.processedStatus !== undefined) {
    notes.appendChild(el('span', { className: 'processed',
      text: ' after processing (' + r.processedStatus + '): the answer was lost' }));
  }
  var ignored = r.ignoredProperties || [];
  if (ignored.length > 0) {
    notes.appendChild(el('span', { className: 'ignored-note',
      text: ' ignored properties: ' + ignored.join(', ') }));
  }
  if (r.status >= 400 && r.response && r.response.message) {
    notes.appendChild(el('span', { className: 'message', text: ' ' + r.response.message }));
  }
  var row = el('tr', {
    className: 'request' + (key === selected ? ' selected' : ''), 'data-method': r.method,
    'data-path': r.path, 'data-status': r.status, 'data-fault': r.fault,
    'data-processed-status': r.processedStatus, 'data-key': key
  }, [
    cell('time', time(r.receivedAt)), cell('method', r.method),
    cell('path', r.path + (r.query ? '?' + r.query : '')),
    el('td', { className: 'status ' + bucket, text: r.status }), notes
  ]);
  row.addEventListener('click', function () {
    selected = key;
    $('request-detail').textContent = JSON.stringify(r, null, 2);
    last.requests = null;
  });
  return row;
}
`
