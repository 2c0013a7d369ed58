// rtlab browser clients: one class per technique, with no page or panel.
//
// Every client keeps a cursor: the last seq it has seen (or skipped through a
// gap notice), qualified by the server run's epoch once it knows it
// (`EPOCH:N`), and resumes from it after any drop, so it can tell duplicates,
// holes, gaps and server restarts apart. How each client learns the epoch:
// poll, long poll and stream read `X-Rtlab-Epoch` from their fetch
// responses; iframe, SSE and WebSocket cannot read response headers, so before
// their first connection they make one short poll without a cursor, which
// names the epoch and the topic's last seq (their start when they have no
// cursor yet). After that SSE's own `Last-Event-ID` carries `EPOCH:SEQ` ids.
//
// - A `restart` envelope (the server restarted: a new epoch, seqs from 1 again)
//   is counted and logged, and the cursor starts again at 0 in the new run.
// - An `end` envelope (stream, iframe), SSE `event: end` or WebSocket Close
//   1008 (the server ended the connection, e.g. its send limit) is counted and
//   its reason logged; the client reconnects with its cursor.
// - A connection that delivered something and then ended or dropped is reopened
//   after 100 ms; an attempt that got nothing backs off exponentially (250 ms
//   doubling up to 10 s, with jitter). EventSource reconnects by itself, after
//   the server's `retry:`. Stream and iframe take three missed heartbeats for a
//   dead connection, and after a failed attempt that moved nothing they catch
//   up with one short poll first (see catchUpIfStalled).
// - Every message's receive time is `performance.timeOrigin + performance.now()`
//   taken as its bytes arrive, comparable with the server's `ts`.
//
// A client draws nothing: it keeps `records`, `stats` and `notes` and tells its
// `view` (demo.js's Panel, or NO_VIEW for a client without a panel) what
// changed. The forever iframe is the one transport that touches the document,
// since a hidden iframe is how it receives.

const NOTES_MAX = 200; // notes kept per client
const RETRY_QUICK_MS = 100; // reopen after a connection that delivered something ended
const RETRY_BASE_MS = 250; // back-off after an attempt that got nothing, doubling...
const RETRY_MAX_MS = 10000; // ...up to this
export const LONGPOLL_TIMEOUT_S = 25;
const HEARTBEAT_S = 15; // the server's heartbeat interval unless told (options.heartbeat)
const SILENT_HEARTBEATS = 3; // a stream or iframe this many heartbeats silent is dead
export const DEFAULT_INTERVAL_MS = 1000;
const TOPIC_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const EPOCH_RE = /^[0-9A-Za-z_-]{1,32}$/;
const IFRAME_CALLBACK = 'rtlabIframe';
const PREVIEW_MAX = 160;

const utf8 = new TextEncoder();

// ---- small helpers ------------------------------------------------------

/** Receive time in ms since the epoch, with sub-ms resolution. */
export const now = () => performance.timeOrigin + performance.now();

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function preview(value) {
  let text;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    text = String(value);
  }
  if (text === undefined) text = String(value);
  return text.length > PREVIEW_MAX ? `${text.slice(0, PREVIEW_MAX - 1)}…` : text;
}

/** Body as JSON, or null when it is not JSON (an error page, an empty body). */
export async function readJson(response) {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (e) {
    return null;
  }
}

export function errorText(response, body) {
  const detail = body && typeof body === 'object' && typeof body.error === 'string'
    ? body.error : response.statusText || 'request failed';
  return `HTTP ${response.status}: ${detail}`;
}

export function isValidTopic(topic) {
  return typeof topic === 'string' && TOPIC_RE.test(topic);
}

/** A starting cursor given by a caller: null, or a non-negative safe integer. */
export function checkAfter(after) {
  if (after === undefined || after === null) return null;
  if (!Number.isSafeInteger(after) || after < 0) {
    throw new Error(`after must be a non-negative integer, got ${preview(after)}`);
  }
  return after;
}

export function fmtDelay(ms) {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function rangeText(from, to) {
  return from === to ? `seq ${from}` : `seqs ${from}..${to}`;
}

/** The view of a client without a panel: nothing to draw. */
export const NO_VIEW = Object.freeze({
  render() {},
  message() {},
  note() {},
  clear() {},
});

// ---- the client base: cursor, epoch, duplicate/hole/gap/restart accounting --

export class Client {
  /**
   * One client of `technique`. `options.after` is the cursor to start from
   * (null: live messages only), `options.key` the name of its records, stats
   * and logs on the page, `options.heartbeat` the server's heartbeat interval
   * in seconds, `options.interval` (short poll, ms) and `options.timeout`
   * (long poll, s) its knobs. `view` is told what changed (NO_VIEW: nothing).
   */
  constructor(technique, options = {}, view = NO_VIEW) {
    this.technique = technique;
    this.options = options;
    this.key = options.key || technique;
    this.view = view;
    this.active = false; // the user wants this client connected
    this.gen = 0; // bumped on every (re)connect attempt and on disconnect
    this.topic = null;
    this.startAfter = checkAfter(options.after); // the cursor of the first connect
    this._cursor = null; // resume point: last seq seen or skipped, or a server cursor
    this._epoch = null; // the server run the cursor belongs to, once known
    this.retryTimer = null;
    this.failures = 0; // attempts in a row that received nothing
    this.gotData = false; // the current attempt received an envelope
    this.lastHeard = 0; // performance.now() of the last envelope
    this.watchTimer = null;
    this.opens = 0; // successful opens since Connect (for reconnect counting)
    this.records = [];
    this.notes = [];
    this.stats = {
      state: 'idle',
      topic: null,
      messages: 0,
      requests: 0,
      emptyResponses: 0,
      reconnects: 0,
      lastSeq: null,
      lastLatency: null,
      cursor: null,
      epoch: null,
      duplicates: 0,
      holes: 0,
      gaps: 0,
      lost: 0,
      heartbeats: 0,
      errors: 0,
      lastError: null,
      restarts: 0,
      ends: 0,
      endReason: null,
    };
    this.tone = ''; // how the view colours the state: '', 'ok', 'warn' or 'err'
  }

  get cursor() {
    return this._cursor;
  }

  set cursor(value) {
    this._cursor = value;
    this.stats.cursor = value;
  }

  get epoch() {
    return this._epoch;
  }

  set epoch(value) {
    this._epoch = value;
    this.stats.epoch = value;
  }

  /** The cursor as the server takes it: `EPOCH:N` once the epoch is known, else `N`. */
  cursorParam() {
    if (this.cursor === null) return null;
    return this.epoch === null ? String(this.cursor) : `${this.epoch}:${this.cursor}`;
  }

  /** Take the server's epoch (X-Rtlab-Epoch) if none is known yet. */
  adoptEpoch(value) {
    if (this.epoch === null && typeof value === 'string' && EPOCH_RE.test(value)) {
      this.epoch = value;
    }
  }

  /** Take the server's starting cursor (X-Rtlab-Cursor, a poll's `next`) if we have none. */
  adoptCursor(value) {
    if (this.cursor === null && typeof value === 'string' && /^[0-9]{1,15}$/.test(value)) {
      this.cursor = Number(value);
    }
  }

  adoptHeaders(headers) {
    this.adoptEpoch(headers.get('X-Rtlab-Epoch'));
    this.adoptCursor(headers.get('X-Rtlab-Cursor'));
  }

  /** An EventSource or WebSocket of attempt `gen` opened: count it (false if unwanted). */
  opened(gen) {
    if (!this.live(gen)) return false;
    this.opens += 1;
    this.setState('open', 'ok');
    return true;
  }

  /** True while callbacks of attempt `gen` are still wanted. */
  live(gen) {
    return this.active && gen === this.gen;
  }

  path(prefix) {
    return `/${prefix}/${encodeURIComponent(this.topic)}`;
  }

  query(name) {
    const value = this.cursorParam();
    return value === null ? '' : `?${name}=${encodeURIComponent(value)}`;
  }

  /** Connect to `topic` (a new topic starts from `options.after`, then live). */
  connect(topic) {
    if (this.active) return true;
    if (!isValidTopic(topic)) {
      this.logError(`cannot connect: invalid topic ${JSON.stringify(topic)}`);
      return false;
    }
    if (topic !== this.topic) {
      this.topic = topic;
      this.cursor = this.startAfter;
      this.startAfter = null;
      this.epoch = null;
      this.stats.topic = topic;
    }
    this.active = true;
    this.opens = 0;
    this.failures = 0;
    this.logInfo(this.cursor === null
      ? `connect to "${topic}": new messages only`
      : `connect to "${topic}": resume after ${this.cursorParam()}`);
    this.begin();
    return true;
  }

  disconnect() {
    if (!this.active) return;
    this.active = false;
    this.gen += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    clearTimeout(this.watchTimer);
    this.close();
    this.setState('disconnected', '');
    this.logInfo('disconnected');
  }

  /** One connection attempt; subclasses implement open(gen) and close(). */
  begin() {
    clearTimeout(this.watchTimer);
    this.close();
    this.gen += 1;
    this.gotData = false;
    this.open(this.gen);
  }

  /**
   * Iframe, SSE and WebSocket cannot read response headers: before their
   * first connection they learn the server's epoch from one short poll
   * without a cursor, which answers at once with no messages, `X-Rtlab-Epoch`
   * and `next`, the topic's last seq. A client without a cursor starts from
   * `next`, so a live-only start loses nothing published meanwhile and a
   * server restart in between is detected. False when it failed (the caller
   * backs off) or the attempt is no longer wanted.
   */
  async learnEpoch(gen) {
    if (this.epoch !== null) return true;
    this.stats.requests += 1;
    this.setState('asking the server for its epoch', 'warn');
    try {
      const response = await fetch(this.path('poll'), { cache: 'no-store' });
      const body = await readJson(response);
      if (!this.live(gen)) return false;
      if (!response.ok) {
        this.httpError(response, body);
        return false;
      }
      this.adoptEpoch(response.headers.get('X-Rtlab-Epoch'));
      if (body && Number.isSafeInteger(body.next)) this.adoptCursor(String(body.next));
      return true;
    } catch (e) {
      if (!this.live(gen)) return false;
      this.fail(`cannot reach the server: ${e.message}`);
      return false;
    }
  }

  /** The server's heartbeat interval in seconds: options.heartbeat if a number > 0, else 15. */
  heartbeatSeconds() {
    const value = this.options.heartbeat;
    const seconds = Number(value);
    if (value !== undefined && value !== null && Number.isFinite(seconds) && seconds > 0) {
      return seconds;
    }
    return HEARTBEAT_S;
  }

  /**
   * Stream and iframe see the server's heartbeats, so silence for
   * SILENT_HEARTBEATS of them means the connection is dead without anyone
   * saying so: a half-open TCP connection, or a forever frame whose response
   * was cut (Chrome then fires neither load nor error on the iframe and its
   * document stays "loading"). Close it and resume from the cursor.
   */
  watch(gen) {
    const limit = SILENT_HEARTBEATS * this.heartbeatSeconds() * 1000;
    this.lastHeard = performance.now();
    const check = () => {
      if (!this.live(gen)) return;
      const silent = performance.now() - this.lastHeard;
      if (silent < limit) {
        this.watchTimer = setTimeout(check, limit - silent + 1);
        return;
      }
      this.fail(`nothing for ${fmtDelay(Math.round(silent))}, not even a heartbeat: `
        + 'taking the connection for dead');
      this.gen += 1; // what the dead connection still reports is no longer wanted
      this.close();
      this.retry();
    };
    clearTimeout(this.watchTimer);
    this.watchTimer = setTimeout(check, limit);
  }

  /**
   * How long to wait before the next attempt: RETRY_QUICK_MS after an attempt
   * that received something (a dropped or ended connection), else an
   * exponential back-off with ±20 % jitter, so that many clients of a server
   * that is down do not come back in step.
   */
  nextDelay() {
    if (this.gotData) {
      this.failures = 0;
      return RETRY_QUICK_MS;
    }
    this.failures += 1;
    const base = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (this.failures - 1));
    return Math.round(base * (0.8 + 0.4 * Math.random()));
  }

  /** Reconnect after nextDelay(), resuming from the cursor. */
  retry() {
    if (!this.active) return;
    const gen = this.gen;
    const delay = this.nextDelay();
    clearTimeout(this.retryTimer);
    this.setState(`reconnecting in ${fmtDelay(delay)}`, 'warn');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.live(gen)) return;
      this.stats.reconnects += 1;
      this.logInfo(this.cursor === null ? 'reconnect' : `reconnect after ${this.cursorParam()}`);
      this.begin();
    }, delay);
  }

  /** A failed request or connection: count it and say why. */
  fail(text) {
    this.stats.errors += 1;
    this.stats.lastError = text;
    this.logError(text);
  }

  /** An HTTP error response: show it; stop on a client error that a retry cannot fix. */
  httpError(response, body) {
    this.fail(errorText(response, body));
    const status = response.status;
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      this.active = false;
      this.gen += 1;
      this.close();
      this.setState(`stopped: HTTP ${status}`, 'err');
      return true;
    }
    return false;
  }

  /**
   * One short or long poll (`url`); true when it was answered. Its body is
   * complete when it arrives (Content-Length), so a cut right after it takes
   * nothing back. A failure is logged and counted.
   */
  async pollOnce(url, signal, gen) {
    this.stats.requests += 1;
    this.gotData = false;
    try {
      const response = await fetch(url, { cache: 'no-store', signal });
      const body = await readJson(response);
      const received = now();
      if (!this.live(gen)) return false;
      if (!response.ok) {
        this.httpError(response, body);
        return false;
      }
      this.adoptEpoch(response.headers.get('X-Rtlab-Epoch'));
      return this.onPollBody(body, received);
    } catch (e) {
      if (this.live(gen)) this.fail(`network error: ${e.message}`);
      return false;
    }
  }

  onPollBody(body, received) {
    if (!body || !Array.isArray(body.messages) || !Number.isSafeInteger(body.next)) {
      this.fail(`unexpected poll body: ${preview(body)}`);
      return false;
    }
    this.gotData = true;
    if (body.messages.length === 0) this.stats.emptyResponses += 1;
    for (const env of body.messages) this.handle(env, received);
    this.cursor = body.next; // the server's cursor for the next request
    this.render();
    return true;
  }

  /**
   * Chrome discards what a response body (a fetch() stream, a forever frame's
   * document) has received but not yet handed to the page when the
   * connection then fails. A response whose last messages and cut arrive
   * together, as when a resume's catch-up is cut again, can lose them on
   * every attempt. So stream and iframe clients, after an attempt that failed
   * without moving the cursor, first catch up with one short poll, whose
   * complete body a cut cannot take back. False when that poll failed (the
   * caller backs off) or the attempt is no longer wanted.
   */
  async catchUpIfStalled(gen, signal) {
    const last = this.attempt;
    this.attempt = { errors: this.stats.errors, cursor: this.cursorParam() };
    if (!last || this.stats.errors === last.errors || this.cursorParam() !== last.cursor
        || this.cursor === null) {
      return true;
    }
    this.logInfo(`catching up with a short poll after ${this.cursorParam()}`);
    this.setState('catching up (short poll)', 'warn');
    const ok = await this.pollOnce(this.path('poll') + this.query('after'), signal, gen);
    if (ok) this.attempt.cursor = this.cursorParam();
    return ok && this.live(gen);
  }

  /** One decoded envelope of any type. */
  handle(env, received) {
    if (env === null || typeof env !== 'object' || Array.isArray(env)) {
      this.logWarn(`unexpected frame: ${preview(env)}`);
      this.render();
      return;
    }
    this.gotData = true;
    this.lastHeard = performance.now();
    if (env.type === 'message') {
      this.onMessage(env, received);
    } else if (env.type === 'gap') {
      this.onGap(env);
    } else if (env.type === 'restart') {
      this.onRestart(env);
    } else if (env.type === 'end') {
      this.onEnd(env.reason);
    } else if (env.type === 'heartbeat') {
      this.stats.heartbeats += 1;
    } else if (env.type === 'error') {
      this.fail(`server error: ${String(env.error)}`);
    } else {
      this.logWarn(`unknown envelope: ${preview(env)}`);
    }
    this.render();
  }

  handleText(text, received) {
    let env;
    try {
      env = JSON.parse(text);
    } catch (e) {
      this.fail(`not JSON: ${preview(text)}`);
      this.render();
      return;
    }
    this.handle(env, received);
  }

  onMessage(env, received) {
    const { seq, ts } = env;
    if (!Number.isSafeInteger(seq)) {
      this.logWarn(`message without an integer seq: ${preview(env)}`);
      return;
    }
    const s = this.stats;
    if (this.cursor !== null && seq <= this.cursor) {
      s.duplicates += 1; // counted, not logged or recorded again
      return;
    }
    if (this.cursor !== null && seq > this.cursor + 1) {
      s.holes += 1;
      const missing = seq - this.cursor - 1;
      this.logWarn(`⚠ HOLE: ${rangeText(this.cursor + 1, seq - 1)} missing `
        + `(${missing} message${missing === 1 ? '' : 's'}) with no gap notice`);
    }
    this.cursor = seq;
    const latency = typeof ts === 'number' ? received - ts : NaN;
    s.messages += 1;
    s.lastSeq = seq;
    s.lastLatency = latency;
    const bytes = utf8.encode(JSON.stringify(env)).length;
    this.records.push({ epoch: this.epoch, seq, ts, received, latency, bytes });
    this.view.message(seq, latency, env.data, received);
  }

  onGap(env) {
    const from = Number(env.from);
    const to = Number(env.to);
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from) {
      this.logWarn(`malformed gap: ${preview(env)}`);
      return;
    }
    const s = this.stats;
    s.gaps += 1;
    s.lost += to - from + 1;
    if (this.cursor !== null && from > this.cursor + 1) {
      s.holes += 1;
      this.logWarn(`⚠ HOLE: ${rangeText(this.cursor + 1, from - 1)} missing before the gap`);
    }
    this.logWarn(`⚠ GAP: ${rangeText(from, to)} lost (${to - from + 1} message`
      + `${to === from ? '' : 's'} no longer in the server's history)`);
    if (this.cursor === null || to > this.cursor) this.cursor = to;
  }

  /** The server restarted: a new epoch, seqs from 1 again. Follow it from its start. */
  onRestart(env) {
    if (typeof env.epoch !== 'string' || !EPOCH_RE.test(env.epoch)) {
      this.logWarn(`malformed restart: ${preview(env)}`);
      return;
    }
    if (env.epoch === this.epoch) return; // already following this run
    this.stats.restarts += 1;
    const after = Number.isSafeInteger(env.after) ? env.after : this.cursor;
    this.logWarn(`⚠ RESTART: the server restarted (epoch ${String(env.previous_epoch)} → `
      + `${env.epoch}); what the old run published after seq ${after} is lost; `
      + 'reading the new run from seq 1');
    this.epoch = env.epoch;
    this.cursor = 0;
  }

  /** The server ends this connection and says why; the client resumes with its cursor. */
  onEnd(reason) {
    const text = reason === undefined || reason === null ? 'no reason given' : String(reason);
    this.stats.ends += 1;
    this.stats.endReason = text;
    this.logWarn(`the server ended the connection: ${text} (resuming after `
      + `${this.cursor === null ? 'nothing yet' : this.cursorParam()})`);
  }

  // ---- what the view is told ------------------------------------------------

  setState(text, tone) {
    this.stats.state = text;
    this.tone = tone;
    this.render();
  }

  render() {
    this.view.render(this);
  }

  /** A note in `notes` (the last NOTES_MAX), also shown by the view. */
  logNote(kind, text) {
    const t = now();
    this.notes.push({ t, kind, text });
    if (this.notes.length > NOTES_MAX) this.notes.splice(0, this.notes.length - NOTES_MAX);
    this.view.note(kind, t, text);
  }

  logInfo(text) {
    this.logNote('info', text);
  }

  logWarn(text) {
    this.logNote('warn', text);
  }

  logError(text) {
    this.logNote('error', text);
  }

  clear() {
    this.records.length = 0;
    this.notes.length = 0;
    this.view.clear();
  }
}
// ---- short poll ------------------------------------------------------------

export class PollClient extends Client {
  /** The interval in ms: options.interval (which the panel's input sets) if at least 10. */
  interval() {
    const ms = Number(this.options.interval);
    return Number.isFinite(ms) && ms >= 10 ? ms : DEFAULT_INTERVAL_MS;
  }

  /** Polls on a timer re-armed after each response (setTimeout, never setInterval). */
  open(gen) {
    const controller = new AbortController();
    this.controller = controller;
    const tick = async () => {
      this.timer = null;
      if (!this.live(gen)) return;
      this.setState('polling', 'ok');
      const ok = await this.pollOnce(this.path('poll') + this.query('after'), controller.signal, gen);
      if (!this.live(gen)) return;
      const wait = ok ? this.interval() : Math.max(this.interval(), this.nextDelay());
      this.setState(ok ? `next poll in ${fmtDelay(wait)}` : `backing off ${fmtDelay(wait)}`,
        ok ? 'ok' : 'warn');
      this.timer = setTimeout(tick, wait);
    };
    tick();
  }

  close() {
    if (this.controller) this.controller.abort();
    clearTimeout(this.timer);
    this.timer = null;
  }
}

// ---- long poll ------------------------------------------------------------

export class LongPollClient extends PollClient {
  holdSeconds() {
    const s = Number(this.options.timeout);
    return Number.isFinite(s) && s >= 0 && s <= 120 ? s : LONGPOLL_TIMEOUT_S;
  }

  /** A loop, not a timer: the next request goes out as soon as the last one returns. */
  async open(gen) {
    const controller = new AbortController();
    this.controller = controller;
    while (this.live(gen)) {
      this.setState('request held by server', 'ok');
      const sep = this.cursor === null ? '?' : '&';
      const url = `${this.path('longpoll')}${this.query('after')}${sep}timeout=${this.holdSeconds()}`;
      if (await this.pollOnce(url, controller.signal, gen)) continue;
      if (!this.live(gen)) return;
      const wait = this.nextDelay();
      this.setState(`backing off ${fmtDelay(wait)}`, 'warn');
      await sleep(wait);
      if (!this.live(gen)) return;
      this.stats.reconnects += 1;
      this.logInfo(this.cursor === null ? 'retry' : `retry after ${this.cursorParam()}`);
    }
  }
}

// ---- HTTP stream (NDJSON) -------------------------------------------------

export class StreamClient extends Client {
  async open(gen) {
    const controller = new AbortController();
    this.controller = controller;
    if (!(await this.catchUpIfStalled(gen, controller.signal))) {
      if (this.live(gen)) this.retry();
      return;
    }
    this.stats.requests += 1;
    this.setState('connecting', 'warn');
    try {
      const response = await fetch(this.path('stream') + this.query('after'), {
        cache: 'no-store',
        signal: controller.signal,
      });
      if (!this.live(gen)) return;
      if (!response.ok) {
        const body = await readJson(response);
        if (!this.live(gen) || this.httpError(response, body)) return;
        this.retry();
        return;
      }
      this.adoptHeaders(response.headers);
      this.opens += 1;
      this.setState('open: reading chunks', 'ok');
      this.watch(gen);
      const reader = response.body.getReader();
      const decoder = new TextDecoder('utf-8');
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (!this.live(gen)) return;
        if (done) break;
        const received = now();
        buffer += decoder.decode(value, { stream: true });
        const lines = buffer.split('\n');
        buffer = lines.pop(); // the partial last line waits for the next chunk
        for (const line of lines) {
          if (line.trim()) this.handleText(line, received);
        }
      }
      buffer += decoder.decode();
      if (buffer.trim()) this.handleText(buffer, now());
      this.logInfo('the server ended the stream');
    } catch (e) {
      if (!this.live(gen)) return;
      this.fail(`stream error: ${e.message}`);
    }
    this.retry();
  }

  close() {
    if (this.controller) this.controller.abort();
  }
}

// ---- forever iframe ---------------------------------------------------------

export class IframeClient extends Client {
  constructor(technique, options = {}, view = NO_VIEW) {
    super(technique, options, view);
    // Each iframe client has its own global callback: the panel's is rtlabIframe,
    // a client given a serial number (rtlab.spawn) gets rtlabIframe_SERIAL.
    const serial = options.serial;
    this.callback = serial === undefined ? IFRAME_CALLBACK : `${IFRAME_CALLBACK}_${serial}`;
    window[this.callback] = (env) => {
      const received = now();
      this.receive(env, received);
    };
  }

  async open(gen) {
    const controller = new AbortController();
    this.controller = controller;
    if (!(await this.learnEpoch(gen)) || !(await this.catchUpIfStalled(gen, controller.signal))) {
      if (this.live(gen)) this.retry();
      return;
    }
    const frame = document.createElement('iframe');
    frame.style.display = 'none';
    frame.title = 'forever-frame transport';
    frame.tabIndex = -1;
    frame.setAttribute('aria-hidden', 'true');
    // The frame's document finishes loading only when its response ends: the
    // server ended it (after an `end` envelope, or a restart) or it was cut.
    frame.addEventListener('load', () => {
      if (!this.live(gen)) return;
      const problem = this.frameError(frame);
      if (problem) {
        this.fail(problem);
      } else {
        this.logInfo('the iframe page finished loading: the server ended the response');
      }
      this.removeFrame();
      this.retry();
    });
    const sep = this.cursor === null ? '?' : '&';
    frame.src = `${this.path('iframe')}${this.query('after')}${sep}callback=${this.callback}`;
    this.stats.requests += 1;
    this.frame = frame;
    document.body.append(frame);
    this.opens += 1;
    this.setState('open: page still loading', 'ok');
    this.watch(gen);
  }

  /** Error text when the iframe got a JSON error instead of the forever page. */
  frameError(frame) {
    try {
      const doc = frame.contentDocument;
      const text = doc && doc.body ? doc.body.textContent.trim() : '';
      if (!text.startsWith('{')) return null;
      const body = JSON.parse(text);
      return body && typeof body.error === 'string' ? `server error: ${body.error}` : null;
    } catch (e) {
      return null;
    }
  }

  removeFrame() {
    if (this.frame) {
      this.frame.remove();
      this.frame = null;
    }
  }

  close() {
    if (this.controller) this.controller.abort();
    this.removeFrame();
  }

  /** Called by parent.CALLBACK(envelope) from the iframe's scripts. */
  receive(env, received) {
    if (!this.active || !this.frame) return;
    this.handle(env, received);
  }
}

// ---- Server-Sent Events -----------------------------------------------------

const READY_STATES = ['CONNECTING', 'OPEN', 'CLOSED'];

export class SseClient extends Client {
  async open(gen) {
    if (!(await this.learnEpoch(gen))) {
      if (this.live(gen)) this.retry();
      return;
    }
    // lastEventId= starts this EventSource from our cursor; on its own
    // reconnects the browser sends the last `id:` it saw (EPOCH:SEQ) as
    // Last-Event-ID, which the server prefers.
    const es = new EventSource(this.path('sse') + this.query('lastEventId'));
    this.es = es;
    this.stats.requests += 1;
    this.setState('connecting', 'warn');
    es.addEventListener('open', () => {
      if (!this.opened(gen)) return;
      if (this.opens > 1) {
        this.stats.reconnects += 1;
        this.logInfo(`reconnected by the browser (Last-Event-ID ${this.cursorParam() ?? 'none'})`);
      }
    });
    const onEvent = (event) => {
      const received = now();
      if (!this.live(gen)) return;
      this.handleText(event.data, received);
    };
    for (const name of ['message', 'gap', 'restart', 'end']) es.addEventListener(name, onEvent);
    es.addEventListener('error', () => {
      if (!this.live(gen)) return;
      if (es.readyState === EventSource.CLOSED) {
        // HTTP error or wrong content type: EventSource gives up for good.
        this.fail('EventSource failed and closed (HTTP error or wrong Content-Type)');
        es.close();
        this.es = null;
        this.opens = 0; // the next 'open' is a fresh start, counted by retry()
        this.retry();
      } else {
        this.stats.errors += 1;
        this.stats.lastError = 'connection lost';
        this.stats.requests += 1; // EventSource will issue a new request by itself
        this.logWarn('connection lost: EventSource reconnects by itself with Last-Event-ID');
        this.setState('reconnecting (browser)', 'warn');
      }
    });
  }

  close() {
    if (this.es) {
      this.es.close();
      this.es = null;
    }
  }

  get readyStates() {
    return READY_STATES;
  }

  readyState() {
    return this.es ? this.es.readyState : EventSource.CLOSED;
  }
}

// ---- WebSocket ----------------------------------------------------------------

const WS_STATES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
const WS_POLICY_VIOLATION = 1008; // the server ended the connection and says why

export class WsClient extends Client {
  /** Publish upstream over the open socket. */
  send(data) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      this.logError('not sent: the WebSocket is not open (press Connect)');
      return false;
    }
    this.ws.send(JSON.stringify({ type: 'publish', data }));
    this.logInfo(`sent upstream: ${preview(data)}`);
    return true;
  }

  async open(gen) {
    if (!(await this.learnEpoch(gen))) {
      if (this.live(gen)) this.retry();
      return;
    }
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}${this.path('ws')}${this.query('after')}`);
    this.ws = ws;
    this.stats.requests += 1;
    this.setState('connecting', 'warn');
    ws.addEventListener('open', () => this.opened(gen));
    ws.addEventListener('message', (event) => {
      const received = now();
      if (!this.live(gen)) return;
      if (typeof event.data !== 'string') {
        this.logWarn('binary frame ignored');
        return;
      }
      this.handleText(event.data, received);
    });
    ws.addEventListener('error', () => {
      if (!this.live(gen)) return;
      this.fail('WebSocket error (the browser hides the details)');
    });
    ws.addEventListener('close', (event) => {
      if (!this.live(gen)) return;
      this.ws = null;
      this.stats.closeCode = event.code;
      this.stats.closeReason = event.reason;
      if (event.code === WS_POLICY_VIOLATION) {
        this.onEnd(event.reason || 'Close 1008 (policy violation)');
      } else {
        const reason = event.reason ? ` "${event.reason}"` : '';
        this.logWarn(`closed: code ${event.code}${reason}${event.wasClean ? '' : ' (not clean)'}`);
      }
      this.render();
      this.retry();
    });
  }

  close() {
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      if (ws.readyState <= WebSocket.OPEN) ws.close(1000, 'client disconnect');
    }
  }

  get readyStates() {
    return WS_STATES;
  }

  readyState() {
    return this.ws ? this.ws.readyState : WebSocket.CLOSED;
  }
}

/** The client class of each technique. */
export const CLASSES = {
  poll: PollClient,
  longpoll: LongPollClient,
  stream: StreamClient,
  iframe: IframeClient,
  sse: SseClient,
  ws: WsClient,
};
