// rtlab demo page: one panel per technique, each drawing a client of client.js.
//
// The techniques and their labels come from the server: the index page carries
// them in a JSON data island, `<script type="application/json"
// id="rtlab-techniques">` (rendered by rtlab.server.app), so the page shows
// exactly what the server serves. What each client does (cursor, resume,
// duplicates, holes, gaps, restarts, reconnects) is in client.js; here are the
// panels that draw them, the publish form and the metrics table.
//
// Nothing from the server or the user is ever parsed as HTML: log lines and
// tables are built with createElement/textContent.
//
// Test hooks: window.rtlab = {techniques, records, stats, logs, connect,
// disconnect, connectAll, disconnectAll, spawn, publish, send, clear, metrics}.
// records[key] holds {epoch, seq, ts, received, latency, bytes} per delivered
// message, stats[key] the counters, logs[key] the client's notes; key is a
// technique name for the page's six panel clients, or what spawn(technique,
// {topic, after, interval, timeout}) returned for an extra client without a
// panel. Query parameters: ?autoconnect=1 connects all six clients on load
// (?autoconnect=sse,ws the ones named), ?topic=NAME sets the topic,
// ?interval=MS the short-poll interval, ?heartbeat=S the server's heartbeat
// interval, ?metrics=0 turns off the metrics poll.

import {
  CLASSES,
  DEFAULT_INTERVAL_MS,
  LONGPOLL_TIMEOUT_S,
  checkAfter,
  errorText,
  isValidTopic,
  now,
  preview,
  readJson,
} from './client.js';

/** The server's techniques in display order, [{name, label, ...}], from the page's data island. */
function readTechniques() {
  const island = document.getElementById('rtlab-techniques');
  if (island === null) {
    throw new Error('rtlab: the page has no technique list; open it from the server at /');
  }
  return JSON.parse(island.textContent);
}

const TECHNIQUE_LIST = readTechniques();
const TECHNIQUES = TECHNIQUE_LIST.map((t) => t.name);
const LABELS = Object.fromEntries(TECHNIQUE_LIST.map((t) => [t.name, t.label]));

const INFO = {
  poll: {
    wire: 'GET /poll/{topic}?after=N  →  {"messages":[…],"next":M}',
    desc: 'The browser asks "anything after N?" on a timer and the server answers at once, '
      + 'usually with an empty list, so latency is up to one interval.',
  },
  longpoll: {
    wire: 'GET /longpoll/{topic}?after=N&timeout=25',
    desc: 'The server holds each request open until a message exists (or 25 s pass) and the '
      + 'browser re-asks the moment a response arrives, so one request is always waiting.',
  },
  stream: {
    wire: 'GET /stream/{topic}?after=N  →  chunked application/x-ndjson',
    desc: 'One response that never ends: each message is one JSON line in a new chunk, read '
      + 'incrementally with fetch() and a body reader.',
  },
  iframe: {
    wire: 'GET /iframe/{topic}?after=N&callback=rtlabIframe  →  text/html',
    desc: 'A hidden iframe loads an HTML page that never finishes; each message arrives as a '
      + '<script> chunk that calls parent.rtlabIframe(envelope).',
  },
  sse: {
    wire: 'GET /sse/{topic}  →  text/event-stream (id / event / data)',
    desc: 'EventSource keeps one text/event-stream response open, each message is an '
      + 'id/event/data block, and the browser reconnects by itself sending Last-Event-ID.',
  },
  ws: {
    wire: 'GET /ws/{topic}?after=N  →  101 Switching Protocols',
    desc: 'One upgraded, full-duplex connection: each envelope comes down as a text frame, and '
      + 'publish frames can go up the same socket.',
  },
};

for (const technique of TECHNIQUES) {
  if (!CLASSES[technique] || !INFO[technique]) {
    throw new Error(`rtlab: the server lists ${JSON.stringify(technique)}, which this page has no client for`);
  }
}

const LOG_MAX = 50; // lines kept in a panel's log
// The stats a panel shows, per line of its template: [key in stats, label].
const SHOWN_STATS = {
  counters: [
    ['messages', 'msgs'], ['requests', 'reqs'], ['reconnects', 'reconnects'],
    ['lastSeq', 'last seq'], ['lastLatency', 'latency'],
  ],
  minor: [
    ['duplicates', 'dups'], ['holes', 'holes'], ['gaps', 'gaps'], ['lost', 'lost'],
    ['heartbeats', 'heartbeats'], ['errors', 'errors'], ['restarts', 'restarts'], ['ends', 'ends'],
  ],
};
const BAD_COUNTERS = new Set(['duplicates', 'holes', 'gaps', 'lost', 'errors', 'restarts', 'ends']);

const records = {};
const stats = {};
const logs = {};
const clients = {};
const params = new URLSearchParams(location.search);
const heartbeat = params.get('heartbeat'); // checked by the clients: a number of seconds > 0
let spawned = 0;

// ---- small helpers ------------------------------------------------------

const $ = (id) => document.getElementById(id);

/** createElement with text content only: never parses markup. */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function clock(ms) {
  const d = new Date(ms);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function fmtMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  return `${ms.toFixed(Math.abs(ms) < 100 ? 1 : 0)} ms`;
}

function fmtBytes(n) {
  if (!Number.isFinite(n)) return '–';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

const topicInput = $('topic');
const topicError = $('topic-error');

/** The topic in the input box, or null (with a visible error) when invalid. */
function readTopic() {
  const topic = topicInput.value;
  const ok = isValidTopic(topic);
  topicInput.setAttribute('aria-invalid', ok ? 'false' : 'true');
  topicError.textContent = ok ? '' : 'use 1-64 of A-Z a-z 0-9 _ . -';
  return ok ? topic : null;
}

/** Text as JSON (when asJson) or as a JSON string; throws a readable error. */
function readValue(text, asJson) {
  if (!asJson) return text;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON: ${e.message}`);
  }
}

// ---- a panel: draws one client ------------------------------------------------

class Panel {
  /** A panel for `client`, appended to the page; `toggle()` is its Connect button. */
  constructor(client, toggle) {
    this.client = client;
    this.stick = true; // keep the log scrolled to the newest line
    this.autoScrollTop = -1;
    this.scrollQueued = false;
    this.ui = this.build(toggle);
  }

  build(onToggle) {
    const client = this.client;
    const info = INFO[client.technique];
    const title = LABELS[client.technique];
    const node = $('panel-template').content.firstElementChild.cloneNode(true);
    const role = (name) => node.querySelector(`[data-role="${name}"]`);
    node.id = `panel-${client.technique}`;
    node.dataset.technique = client.technique;
    role('title').textContent = title;
    role('desc').textContent = info.desc;
    role('wire').textContent = info.wire;
    const log = role('log');
    log.setAttribute('aria-label', `${title} log`);
    log.addEventListener('scroll', () => {
      // Our own scroll-to-bottom fires this a frame later, when more lines may
      // have arrived: only a scroll to somewhere else is the user's decision.
      if (log.scrollTop === this.autoScrollTop) return;
      this.stick = log.scrollHeight - log.scrollTop - log.clientHeight < 24;
    });
    const toggle = role('toggle');
    toggle.addEventListener('click', onToggle);

    const counters = {};
    const addStat = (line, key, label) => {
      const item = el('span', 'stat');
      item.append(el('span', 'k', `${label} `));
      counters[key] = el('b', null, '0');
      counters[key].dataset.stat = key;
      item.append(counters[key]);
      line.append(item);
    };
    for (const [line, shown] of Object.entries(SHOWN_STATS)) {
      for (const [key, label] of shown) addStat(role(line), key, label);
    }
    if (client.readyStates) addStat(role('counters'), 'readyState', 'readyState');

    const extra = EXTRAS[client.technique];
    if (extra) extra(client, role('extra'));
    $('panels').append(node);
    return { node, state: role('state'), toggle, log, counters };
  }

  render(client) {
    const { state, toggle, counters } = this.ui;
    const s = client.stats;
    if (client.readyStates) {
      const rs = client.readyState();
      s.readyState = `${rs} ${client.readyStates[rs]}`;
    }
    state.textContent = s.state;
    state.title = state.textContent;
    state.className = `state ${client.tone || ''}`.trim();
    toggle.textContent = client.active ? 'Disconnect' : 'Connect';
    toggle.classList.toggle('on', client.active);
    toggle.setAttribute('aria-pressed', String(client.active));
    for (const [key, node] of Object.entries(counters)) {
      const value = s[key];
      let text;
      if (key === 'lastLatency') text = fmtMs(value);
      else text = value === null || value === undefined ? '–' : String(value);
      if (node.textContent !== text) node.textContent = text;
      if (BAD_COUNTERS.has(key)) {
        node.classList.toggle('bad', value > 0);
      }
    }
  }

  // ---- log -----------------------------------------------------------------

  appendLine(line) {
    const log = this.ui.log;
    log.append(line);
    while (log.childElementCount > LOG_MAX) log.firstElementChild.remove();
    if (!this.scrollQueued) {
      this.scrollQueued = true;
      const scroll = () => {
        this.scrollQueued = false;
        if (this.stick) {
          log.scrollTop = log.scrollHeight;
          this.autoScrollTop = log.scrollTop;
        }
      };
      if (document.hidden) setTimeout(scroll, 0);
      else requestAnimationFrame(scroll);
    }
  }

  message(seq, latency, data, received) {
    const line = el('div', 'msg');
    line.append(el('span', 't', clock(received)));
    line.append(el('span', 'seq', `#${seq}`));
    line.append(el('span', 'lat', fmtMs(latency)));
    line.append(el('span', 'data', preview(data)));
    this.appendLine(line);
  }

  note(kind, t, text) {
    const line = el('div', kind);
    line.append(el('span', 't', clock(t)));
    line.append(el('span', null, text));
    this.appendLine(line);
  }

  clear() {
    this.ui.log.replaceChildren();
  }
}

// ---- technique-specific controls (poll interval, WebSocket send) ---------------

/** The short-poll interval box: it sets the client's `options.interval`. */
function pollExtra(client, box) {
  const label = el('label', null, 'interval ');
  const input = el('input');
  input.type = 'number';
  input.min = '50';
  input.step = '50';
  const fromUrl = Number(params.get('interval'));
  input.value = String(Number.isFinite(fromUrl) && fromUrl >= 50
    ? fromUrl : DEFAULT_INTERVAL_MS);
  input.setAttribute('aria-label', 'poll interval in milliseconds');
  client.options.interval = input.value;
  input.addEventListener('input', () => {
    client.options.interval = input.value;
  });
  label.append(input, ' ms');
  box.append(label, el('span', 'muted', 'next poll is scheduled after each response'));
}

function longpollExtra(client, box) {
  box.append(el('span', 'muted', `each request is held up to ${LONGPOLL_TIMEOUT_S} s; `
    + 'the next one starts as soon as it returns'));
}

/** A form that publishes upstream over the client's WebSocket. */
function wsExtra(client, box) {
  const form = el('form');
  form.className = 'extra';
  form.noValidate = true;
  const sendInput = el('input', 'grow');
  sendInput.value = 'hi over the socket';
  sendInput.setAttribute('aria-label', 'message to send via WebSocket');
  sendInput.spellcheck = false;
  const sendJson = el('input');
  sendJson.type = 'checkbox';
  const check = el('label', 'check');
  check.append(sendJson, ' JSON');
  const button = el('button', null, 'Send via WebSocket');
  button.type = 'submit';
  form.append(sendInput, check, button);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    let data;
    try {
      data = readValue(sendInput.value, sendJson.checked);
    } catch (e) {
      client.logError(`not sent: ${e.message}`);
      return;
    }
    client.send(data);
  });
  box.append(form);
}

const EXTRAS = { poll: pollExtra, longpoll: longpollExtra, ws: wsExtra };

// ---- publishing -----------------------------------------------------------------

/** POST one JSON value; resolves to {topic, seq, ts} or rejects with the server's error. */
async function publish(value, topic) {
  const name = topic === undefined ? readTopic() : topic;
  if (!isValidTopic(name)) throw new Error('invalid topic: use 1-64 of A-Z a-z 0-9 _ . -');
  const json = JSON.stringify(value);
  if (json === undefined) throw new Error('value cannot be sent as JSON');
  const response = await fetch(`/publish/${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: json,
    cache: 'no-store',
  });
  const body = await readJson(response);
  if (!response.ok) throw new Error(errorText(response, body));
  return body;
}

const status = $('publish-status');

function showStatus(text, tone) {
  status.textContent = text;
  status.className = tone || '';
}

async function publishFromForm(count) {
  let value;
  try {
    value = readValue($('message').value, $('as-json').checked);
  } catch (e) {
    showStatus(`Not published: ${e.message}`, 'err');
    return;
  }
  const topic = readTopic();
  if (topic === null) {
    showStatus('Not published: invalid topic', 'err');
    return;
  }
  try {
    // Fired together: the server numbers them in arrival order.
    const results = await Promise.all(Array.from({ length: count }, () => publish(value, topic)));
    const seqs = results.map((r) => r.seq).sort((a, b) => a - b);
    const which = seqs.length === 1 ? `seq ${seqs[0]}` : `seqs ${seqs[0]}..${seqs[seqs.length - 1]}`;
    showStatus(`Published ${which} to "${topic}" at ${clock(now())}`, 'ok');
  } catch (e) {
    showStatus(`Publish failed: ${e.message}`, 'err');
  }
}

// ---- metrics ----------------------------------------------------------------------

let lastMetrics = null;

async function refreshMetrics() {
  const note = $('metrics-status');
  try {
    const response = await fetch('/metrics', { cache: 'no-store' });
    const body = await readJson(response);
    if (!response.ok) throw new Error(errorText(response, body));
    if (!body || typeof body !== 'object') throw new Error('unexpected body');
    lastMetrics = body;
    renderMetrics(body);
    note.textContent = '';
  } catch (e) {
    note.textContent = `metrics unavailable: ${e.message}`;
  }
  for (const client of Object.values(clients)) client.render(); // readyState may have moved
  setTimeout(refreshMetrics, 2000);
}

function renderMetrics(body) {
  const rows = [];
  for (const [name, c] of Object.entries(body)) {
    if (!c || typeof c !== 'object') continue;
    const tr = el('tr');
    tr.append(el('td', null, name));
    const open = el('td', c.open > 0 ? 'live' : null, c.open);
    tr.append(open, el('td', null, c.requests), el('td', null, c.messages));
    const bytes = el('td', null, fmtBytes(Number(c.bytes)));
    bytes.title = `${c.bytes} bytes`;
    tr.append(bytes);
    rows.push(tr);
  }
  document.querySelector('#metrics tbody').replaceChildren(...rows);
}


// ---- wiring ------------------------------------------------------------------------

const fromUrl = params.get('topic');
if (fromUrl !== null && isValidTopic(fromUrl)) topicInput.value = fromUrl;

/** Make `client` reachable by its key in clients, records, stats and logs. */
function register(c) {
  clients[c.key] = c;
  records[c.key] = c.records;
  stats[c.key] = c.stats;
  logs[c.key] = c.notes;
  return c;
}

/** Connect `c`: a panel client to the topic box's topic, another to its own. */
function connect(c) {
  if (c.active) return true;
  if (c.options.topic !== undefined) return c.connect(c.options.topic);
  readTopic(); // shows whether the box holds a valid topic
  return c.connect(topicInput.value);
}

for (const technique of TECHNIQUES) {
  const c = register(new CLASSES[technique](technique, { heartbeat }));
  c.view = new Panel(c, () => (c.active ? c.disconnect() : connect(c)));
  c.render();
}

/** A client by key: a technique name (a panel client) or a key spawn() returned. */
function client(key) {
  const found = Object.prototype.hasOwnProperty.call(clients, key) && clients[key];
  if (!found) throw new Error(`unknown client ${JSON.stringify(key)}; use one of ${Object.keys(clients).join(', ')}`);
  return found;
}

/**
 * A client without a panel, connected at once: `options.topic` (default: the
 * topic box), `options.after` (a cursor to start from; default: live only),
 * `options.interval` (short poll, ms) and `options.timeout` (long poll, s).
 * Returns its key in records, stats and logs.
 */
function spawn(technique, options = {}) {
  if (!TECHNIQUES.includes(technique)) {
    throw new Error(`unknown technique ${JSON.stringify(technique)}; use one of ${TECHNIQUES.join(', ')}`);
  }
  const topic = options.topic === undefined ? topicInput.value : options.topic;
  if (!isValidTopic(topic)) throw new Error('invalid topic: use 1-64 of A-Z a-z 0-9 _ . -');
  const after = checkAfter(options.after);
  spawned += 1;
  const key = `${technique}-${spawned}`;
  connect(register(new CLASSES[technique](technique, {
    key,
    serial: spawned,
    topic,
    after,
    interval: options.interval,
    timeout: options.timeout,
    heartbeat,
  })));
  return key;
}

const connectAll = () => TECHNIQUES.map((t) => connect(clients[t]));
const disconnectAll = () => TECHNIQUES.forEach((t) => clients[t].disconnect());

$('publish-form').addEventListener('submit', (event) => {
  event.preventDefault();
  publishFromForm(1);
});
$('publish-10').addEventListener('click', () => publishFromForm(10));
$('connect-all').addEventListener('click', connectAll);
$('disconnect-all').addEventListener('click', disconnectAll);

topicInput.addEventListener('input', readTopic);
topicInput.addEventListener('change', () => {
  const topic = readTopic();
  if (topic === null) return;
  // Connected panel clients follow the new topic, starting live on it.
  for (const technique of TECHNIQUES) {
    const c = clients[technique];
    if (c.active && c.topic !== topic) {
      c.disconnect();
      connect(c);
    }
  }
});

window.rtlab = {
  techniques: TECHNIQUES.slice(),
  records,
  stats,
  logs,
  /** Connect a client; `after` (panel clients, before their first connect) sets its start. */
  connect(key, after) {
    const c = client(key);
    if (after !== undefined && !c.active) c.startAfter = checkAfter(after);
    return connect(c);
  },
  disconnect: (key) => client(key).disconnect(),
  connectAll,
  disconnectAll,
  spawn,
  publish,
  clear(key) {
    for (const k of key === undefined ? Object.keys(clients) : [key]) client(k).clear();
  },
  get metrics() {
    return lastMetrics;
  },
  send: (data) => clients.ws.send(data),
};

if (params.get('metrics') !== '0') refreshMetrics();

// ?autoconnect=1 connects all six; ?autoconnect=sse,ws connects the ones named.
const auto = params.get('autoconnect');
if (auto !== null && auto !== '0' && auto !== 'false') {
  const named = auto.split(',').filter((t) => TECHNIQUES.includes(t));
  const start = () => (named.length ? named.forEach((t) => connect(clients[t])) : connectAll());
  // After the load event, so the never-ending iframe cannot hold the page's load open.
  if (document.readyState === 'complete') start();
  else window.addEventListener('load', start, { once: true });
}
