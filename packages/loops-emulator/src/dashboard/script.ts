import { DASHBOARD_ROWS_SCRIPT } from './rows.js'

/**
 * The dashboard's browser script, served inline: the row builders (rows.ts) plus the state,
 * polling and rendering below. Plain ES2017 so any browser runs it as is.
 * It polls the inspection API about once a second and re-renders a section only when its data
 * changed. Values are set with textContent, never innerHTML, so request data cannot inject markup.
 * (Kept free of backticks, dollar-brace and backslashes so it can live in this template string.)
 */
export const DASHBOARD_SCRIPT = `'use strict';
${DASHBOARD_ROWS_SCRIPT}
var POLL_MS = 1000;
var FIXED = ['id', 'email', 'firstName', 'lastName', 'source', 'subscribed', 'userGroup',
  'userId', 'mailingLists', 'optInStatus'];
var listNames = {};
var last = {};
var selected = null;
var refreshes = 0;

function changed(name, data) {
  var text = JSON.stringify(data);
  if (last[name] === text) return false;
  last[name] = text;
  return true;
}

function get(path) {
  return fetch(path, { cache: 'no-store' }).then(function (res) {
    if (!res.ok) throw new Error(path + ' answered ' + res.status);
    return res.json();
  });
}

function render(state, contacts, events, requests) {
  if (changed('state', state)) {
    listNames = {};
    state.lists.forEach(function (l) { listNames[l.id] = l.name; });
    $('team-name').textContent = 'team: ' + state.teamName;
    $('rate-limit').textContent = state.rateLimit.limit > 0
      ? 'rate limit ' + state.rateLimit.limit + '/s' : 'rate limit off';
    $('api-key-mode').textContent = state.apiKeyRequired ? 'one API key accepted' : 'any API key accepted';
    $('properties-mode').textContent = state.autoProperties
      ? 'unknown properties created' : 'unknown properties ignored';
    last.contacts = null;
    last.events = null;
  }
  $('contact-count').textContent = contacts.length;
  $('event-count').textContent = state.counts.events;
  $('request-count').textContent = state.counts.requests;
  if (changed('contacts', contacts)) {
    fill($('contacts'), contacts.map(contactRow), 'No contacts yet', 9);
  }
  if (changed('events', events)) {
    fill($('events'), events.slice().reverse().map(eventRow), 'No events yet', 7);
  }
  if (changed('requests', requests)) {
    var rows = requests.map(function (r) { return requestRow(r, requestKey(r)); });
    fill($('requests'), rows.reverse(), 'No API requests yet', 5);
  }
}

function poll() {
  Promise.all([get('/_emulator/state'), get('/_emulator/contacts'),
    get('/_emulator/events?limit=200'), get('/_emulator/requests?limit=100')])
    .then(function (all) {
      render(all[0], all[1], all[2], all[3]);
      refreshes += 1;
      document.body.setAttribute('data-refreshes', String(refreshes));
      document.body.setAttribute('data-refreshed-at', new Date().toISOString());
      $('status').textContent = 'live';
      $('status').className = 'live';
    })
    .catch(function () {
      $('status').textContent = 'offline';
      $('status').className = 'offline';
    })
    .then(function () { setTimeout(poll, POLL_MS); });
}

$('reset').addEventListener('click', function () {
  fetch('/_emulator/reset', { method: 'POST' }).then(function () {
    selected = null;
    $('request-detail').textContent = '';
  });
});

poll();
`
