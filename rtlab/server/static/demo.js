// rtlab demo page: one client per push technique, in plain ES2020.
//
// Every client keeps a cursor (the last seq it has seen, or skipped through a
// gap notice) and resumes from it after any drop, so each panel can tell
// duplicates, holes and gaps apart. Nothing from the server or the user is ever
// parsed as HTML: log lines and tables are built with createElement/textContent.
//
// Test hooks: window.rtlab = {connect, disconnect, connectAll, disconnectAll,
// publish, clear, records, stats, techniques, metrics}. Query parameters:
// ?autoconnect=1 connects all six clients on load, ?topic=NAME sets the topic,
// ?interval=MS sets the short-poll interval.
'use strict';

(() => {
  const TECHNIQUES = ['poll', 'longpoll', 'stream', 'iframe', 'sse', 'ws'];

  const INFO = {
    poll: {
      title: 'Short poll',
      wire: 'GET /poll/{topic}?after=N  →  {"messages":[…],"next":M}',
      desc: 'The browser asks "anything after N?" on a timer and the server answers at once, '
        + 'usually with an empty list, so latency is up to one interval.',
    },
    longpoll: {
      title: 'Long poll',
      wire: 'GET /longpoll/{topic}?after=N&timeout=25',
      desc: 'The server holds each request open until a message exists (or 25 s pass) and the '
        + 'browser re-asks the moment a response arrives, so one request is always waiting.',
    },
    stream: {
      title: 'HTTP stream',
      wire: 'GET /stream/{topic}?after=N  →  chunked application/x-ndjson',
      desc: 'One response that never ends: each message is one JSON line in a new chunk, read '
        + 'incrementally with fetch() and a body reader.',
    },
    iframe: {
      title: 'Forever iframe',
      wire: 'GET /iframe/{topic}?after=N&callback=rtlabIframe  →  text/html',
      desc: 'A hidden iframe loads an HTML page that never finishes; each message arrives as a '
        + '<script> chunk that calls parent.rtlabIframe(envelope).',
    },
    sse: {
      title: 'Server-Sent Events',
      wire: 'GET /sse/{topic}  →  text/event-stream (id / event / data)',
      desc: 'EventSource keeps one text/event-stream response open, each message is an '
        + 'id/event/data block, and the browser reconnects by itself sending Last-Event-ID.',
    },
    ws: {
      title: 'WebSocket',
      wire: 'GET /ws/{topic}?after=N  →  101 Switching Protocols',
      desc: 'One upgraded, full-duplex connection: each envelope comes down as a text frame, and '
        + 'publish frames can go up the same socket.',
    },
  };

  const LOG_MAX = 50;
  const RETRY_MS = 1000;
  const LONGPOLL_TIMEOUT_S = 25;
  const DEFAULT_INTERVAL_MS = 1000;
  const TOPIC_RE = /^[A-Za-z0-9_.-]{1,64}$/;
  const IFRAME_CALLBACK = 'rtlabIframe';
  const PREVIEW_MAX = 160;

  const records = {};
  const stats = {};
  const clients = {};
  const params = new URLSearchParams(location.search);

  // ---- small helpers ------------------------------------------------------

  /** Receive time in ms since the epoch, with sub-ms resolution. */
  const now = () => performance.timeOrigin + performance.now();

  const $ = (id) => document.getElementById(id);

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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

  function preview(value) {
    let text;
    try {
      text = JSON.stringify(value);
    } catch (e) {
      text = String(value);
    }
    if (text === undefined) text = String(value);
    return text.length > PREVIEW_MAX ? `${text.slice(0, PREVIEW_MAX - 1)}…` : text;
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

  /** Body as JSON, or null when it is not JSON (an error page, an empty body). */
  async function readJson(response) {
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch (e) {
      return null;
    }
  }

  function errorText(response, body) {
    const detail = body && typeof body === 'object' && typeof body.error === 'string'
      ? body.error : response.statusText || 'request failed';
    return `HTTP ${response.status}: ${detail}`;
  }

  function isValidTopic(topic) {
    return typeof topic === 'string' && TOPIC_RE.test(topic);
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

  // ---- the client base: cursor, duplicate/hole/gap accounting, the panel --

  class Client {
    constructor(technique) {
      this.technique = technique;
      this.active = false; // the user wants this client connected
      this.gen = 0; // bumped on every (re)connect attempt and on disconnect
      this.topic = null;
      this._cursor = null; // resume point: last seq seen or skipped, or a server cursor
      this.retryTimer = null;
      this.opens = 0; // successful opens since Connect (for reconnect counting)
      this.records = records[technique] = [];
      this.stats = stats[technique] = {
        state: 'idle',
        topic: null,
        messages: 0,
        requests: 0,
        reconnects: 0,
        lastSeq: null,
        lastLatency: null,
        cursor: null,
        duplicates: 0,
        holes: 0,
        gaps: 0,
        lost: 0,
        heartbeats: 0,
        errors: 0,
        resets: 0,
      };
      this.tone = '';
      this.stick = true; // keep the log scrolled to the newest line
      this.autoScrollTop = -1;
      this.scrollQueued = false;
      this.ui = this.buildPanel();
      this.render();
    }

    get cursor() {
      return this._cursor;
    }

    set cursor(value) {
      this._cursor = value;
      this.stats.cursor = value;
    }

    /** True while callbacks of attempt `gen` are still wanted. */
    live(gen) {
      return this.active && gen === this.gen;
    }

    path(prefix) {
      return `/${prefix}/${encodeURIComponent(this.topic)}`;
    }

    query(name) {
      return this.cursor === null ? '' : `?${name}=${encodeURIComponent(String(this.cursor))}`;
    }

    connect() {
      if (this.active) return true;
      const topic = readTopic();
      if (topic === null) {
        this.logError(`cannot connect: invalid topic ${JSON.stringify(topicInput.value)}`);
        return false;
      }
      if (topic !== this.topic) {
        this.topic = topic;
        this.cursor = null;
        this.stats.topic = topic;
      }
      this.active = true;
      this.opens = 0;
      this.logInfo(this.cursor === null
        ? `connect to "${topic}": new messages only`
        : `connect to "${topic}": resume after seq ${this.cursor}`);
      if (this.cursor === null) {
        this.begin();
      } else {
        this.gen += 1;
        const gen = this.gen;
        this.setState('checking cursor', 'warn');
        this.checkReset().then(() => {
          if (this.live(gen)) this.begin();
        });
      }
      return true;
    }

    disconnect() {
      if (!this.active) return;
      this.active = false;
      this.gen += 1;
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.close();
      this.setState('disconnected', '');
      this.logInfo('disconnected');
    }

    /** One connection attempt; subclasses implement open(gen) and close(). */
    begin() {
      this.close();
      this.gen += 1;
      this.open(this.gen);
    }

    /**
     * Before resuming, ask the server for the topic's current cursor (GET /poll
     * without `after`). If it is below ours, the server restarted (or the topic
     * was reset) and numbers from 1 again: resuming after our cursor would skip
     * its new messages silently, so say so and read the topic from the start.
     * Resolves to true when the cursor was reset. Any failure is ignored: the
     * attempt that follows will report it.
     */
    async checkReset() {
      if (this.cursor === null || this.cursor === 0) return false;
      try {
        const response = await fetch(`/poll/${encodeURIComponent(this.topic)}`, { cache: 'no-store' });
        const body = await readJson(response);
        if (!response.ok || !body || !Number.isSafeInteger(body.next)) return false;
        if (body.next >= this.cursor) return false;
        this.stats.resets += 1;
        this.logWarn(`⚠ RESET: the server's last seq is ${body.next}, below this client's `
          + `${this.cursor} (server restarted?): reading the topic from the start`);
        this.cursor = 0;
        this.render();
        return true;
      } catch (e) {
        return false;
      }
    }

    /** Reconnect after RETRY_MS, resuming from the cursor. */
    retry(count = true) {
      if (!this.active) return;
      const gen = this.gen;
      clearTimeout(this.retryTimer);
      this.setState(`reconnecting in ${RETRY_MS / 1000} s`, 'warn');
      this.retryTimer = setTimeout(async () => {
        this.retryTimer = null;
        if (!this.live(gen)) return;
        await this.checkReset();
        if (!this.live(gen)) return;
        if (count) this.stats.reconnects += 1;
        this.logInfo(this.cursor === null ? 'reconnect' : `reconnect, after=${this.cursor}`);
        this.begin();
      }, RETRY_MS);
    }

    /** An HTTP error response: show it; stop on a client error that a retry cannot fix. */
    httpError(response, body) {
      this.stats.errors += 1;
      this.logError(errorText(response, body));
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

    /** One decoded envelope of any type. */
    handle(env, received) {
      if (env === null || typeof env !== 'object' || Array.isArray(env)) {
        this.logWarn(`unexpected frame: ${preview(env)}`);
      } else if (env.type === 'message') {
        this.onMessage(env, received);
      } else if (env.type === 'gap') {
        this.onGap(env);
      } else if (env.type === 'heartbeat') {
        this.stats.heartbeats += 1;
      } else if (env.type === 'error') {
        this.stats.errors += 1;
        this.logError(`server error: ${String(env.error)}`);
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
        this.stats.errors += 1;
        this.logError(`not JSON: ${preview(text)}`);
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
      this.records.push({ seq, ts, received, latency });
      this.logMessage(seq, latency, env.data, received);
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

    // ---- panel -------------------------------------------------------------

    buildPanel() {
      const info = INFO[this.technique];
      const node = $('panel-template').content.firstElementChild.cloneNode(true);
      const role = (name) => node.querySelector(`[data-role="${name}"]`);
      node.id = `panel-${this.technique}`;
      node.dataset.technique = this.technique;
      role('title').textContent = info.title;
      role('desc').textContent = info.desc;
      role('wire').textContent = info.wire;
      const log = role('log');
      log.setAttribute('aria-label', `${info.title} log`);
      log.addEventListener('scroll', () => {
        // Our own scroll-to-bottom fires this a frame later, when more lines may
        // have arrived: only a scroll to somewhere else is the user's decision.
        if (log.scrollTop === this.autoScrollTop) return;
        this.stick = log.scrollHeight - log.scrollTop - log.clientHeight < 24;
      });
      const toggle = role('toggle');
      toggle.addEventListener('click', () => {
        if (this.active) this.disconnect();
        else this.connect();
      });

      const counters = {};
      const addStat = (line, key, label) => {
        const item = el('span', 'stat');
        item.append(el('span', 'k', `${label} `));
        counters[key] = el('b', null, '0');
        counters[key].dataset.stat = key;
        item.append(counters[key]);
        line.append(item);
      };
      const main = role('counters');
      addStat(main, 'messages', 'msgs');
      addStat(main, 'requests', 'reqs');
      addStat(main, 'reconnects', 'reconnects');
      addStat(main, 'lastSeq', 'last seq');
      addStat(main, 'lastLatency', 'latency');
      const minor = role('minor');
      addStat(minor, 'duplicates', 'dups');
      addStat(minor, 'holes', 'holes');
      addStat(minor, 'gaps', 'gaps');
      addStat(minor, 'lost', 'lost');
      addStat(minor, 'heartbeats', 'heartbeats');
      addStat(minor, 'errors', 'errors');
      addStat(minor, 'resets', 'resets');
      if (this.readyStates) addStat(main, 'readyState', 'readyState');

      this.buildExtra(role('extra'));
      $('panels').append(node);
      return { node, state: role('state'), toggle, log, counters };
    }

    /** Technique-specific controls (poll interval, WebSocket send). */
    buildExtra() {}

    setState(text, tone) {
      this.stats.state = text;
      this.tone = tone;
      this.render();
    }

    render() {
      const { state, toggle, counters } = this.ui;
      const s = this.stats;
      if (this.readyStates) {
        const rs = this.readyState();
        s.readyState = `${rs} ${this.readyStates[rs]}`;
      }
      state.textContent = s.state;
      state.title = state.textContent;
      state.className = `state ${this.tone || ''}`.trim();
      toggle.textContent = this.active ? 'Disconnect' : 'Connect';
      toggle.classList.toggle('on', this.active);
      toggle.setAttribute('aria-pressed', String(this.active));
      for (const [key, node] of Object.entries(counters)) {
        const value = s[key];
        let text;
        if (key === 'lastLatency') text = fmtMs(value);
        else text = value === null || value === undefined ? '–' : String(value);
        if (node.textContent !== text) node.textContent = text;
        if (key === 'duplicates' || key === 'holes' || key === 'gaps' || key === 'lost' || key === 'errors' || key === 'resets') {
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

    logMessage(seq, latency, data, received) {
      const line = el('div', 'msg');
      line.append(el('span', 't', clock(received)));
      line.append(el('span', 'seq', `#${seq}`));
      line.append(el('span', 'lat', fmtMs(latency)));
      line.append(el('span', 'data', preview(data)));
      this.appendLine(line);
    }

    logNote(kind, text) {
      const line = el('div', kind);
      line.append(el('span', 't', clock(now())));
      line.append(el('span', null, text));
      this.appendLine(line);
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
      this.ui.log.replaceChildren();
    }
  }

  function rangeText(from, to) {
    return from === to ? `seq ${from}` : `seqs ${from}..${to}`;
  }

  // ---- short poll ------------------------------------------------------------

  class PollClient extends Client {
    buildExtra(box) {
      const label = el('label', null, 'interval ');
      this.intervalInput = el('input');
      this.intervalInput.type = 'number';
      this.intervalInput.min = '50';
      this.intervalInput.step = '50';
      const fromUrl = Number(params.get('interval'));
      this.intervalInput.value = String(Number.isFinite(fromUrl) && fromUrl >= 50
        ? fromUrl : DEFAULT_INTERVAL_MS);
      this.intervalInput.setAttribute('aria-label', 'poll interval in milliseconds');
      label.append(this.intervalInput, ' ms');
      box.append(label, el('span', 'muted', 'next poll is scheduled after each response'));
    }

    interval() {
      const ms = Number(this.intervalInput.value);
      return Number.isFinite(ms) && ms >= 50 ? ms : DEFAULT_INTERVAL_MS;
    }

    open(gen) {
      const controller = new AbortController();
      this.controller = controller;
      let failed = false;
      const tick = async () => {
        this.timer = null;
        if (!this.live(gen)) return;
        if (failed) {
          failed = false;
          await this.checkReset();
          if (!this.live(gen)) return;
        }
        this.stats.requests += 1;
        this.setState('polling', 'ok');
        try {
          const response = await fetch(this.path('poll') + this.query('after'), {
            cache: 'no-store',
            signal: controller.signal,
          });
          const body = await readJson(response);
          const received = now();
          if (!this.live(gen)) return;
          if (!response.ok) {
            if (this.httpError(response, body)) return;
            failed = true;
          } else {
            this.onPollBody(body, received);
          }
        } catch (e) {
          if (!this.live(gen)) return;
          this.stats.errors += 1;
          this.logError(`network error: ${e.message}`);
          failed = true;
        }
        const wait = this.interval();
        this.setState(`next poll in ${wait} ms`, 'ok');
        this.timer = setTimeout(tick, wait);
      };
      tick();
    }

    close() {
      if (this.controller) this.controller.abort();
      clearTimeout(this.timer);
      this.timer = null;
    }

    onPollBody(body, received) {
      if (!body || !Array.isArray(body.messages) || !Number.isSafeInteger(body.next)) {
        this.stats.errors += 1;
        this.logError(`unexpected poll body: ${preview(body)}`);
        return;
      }
      for (const env of body.messages) this.handle(env, received);
      this.cursor = body.next; // the server's cursor for the next request
      this.render();
    }
  }

  // ---- long poll ------------------------------------------------------------

  class LongPollClient extends PollClient {
    buildExtra(box) {
      box.append(el('span', 'muted', `each request is held up to ${LONGPOLL_TIMEOUT_S} s; `
        + 'the next one starts as soon as it returns'));
    }

    async open(gen) {
      const controller = new AbortController();
      this.controller = controller;
      while (this.live(gen)) {
        this.stats.requests += 1;
        this.setState('request held by server', 'ok');
        let failed = false;
        try {
          const sep = this.cursor === null ? '?' : '&';
          const url = `${this.path('longpoll')}${this.query('after')}${sep}timeout=${LONGPOLL_TIMEOUT_S}`;
          const response = await fetch(url, { cache: 'no-store', signal: controller.signal });
          const body = await readJson(response);
          const received = now();
          if (!this.live(gen)) return;
          if (response.ok) {
            this.onPollBody(body, received);
          } else {
            if (this.httpError(response, body)) return;
            failed = true;
          }
        } catch (e) {
          if (!this.live(gen)) return;
          this.stats.errors += 1;
          this.logError(`network error: ${e.message}`);
          failed = true;
        }
        if (failed) {
          this.setState('backing off 1 s', 'warn');
          await sleep(RETRY_MS);
          if (!this.live(gen)) return;
          await this.checkReset();
          if (!this.live(gen)) return;
          this.stats.reconnects += 1;
          this.logInfo(this.cursor === null ? 'retry' : `retry, after=${this.cursor}`);
        }
      }
    }
  }

  // ---- HTTP stream (NDJSON) -------------------------------------------------

  class StreamClient extends Client {
    async open(gen) {
      const controller = new AbortController();
      this.controller = controller;
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
        const header = response.headers.get('X-Rtlab-Cursor');
        if (this.cursor === null && header !== null && /^[0-9]+$/.test(header)) {
          this.cursor = Number(header);
        }
        this.opens += 1;
        this.setState('open: reading chunks', 'ok');
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
        this.stats.errors += 1;
        this.logError(`stream error: ${e.message}`);
      }
      this.retry();
    }

    close() {
      if (this.controller) this.controller.abort();
    }
  }

  // ---- forever iframe ---------------------------------------------------------

  class IframeClient extends Client {
    open(gen) {
      const frame = document.createElement('iframe');
      frame.style.display = 'none';
      frame.title = 'forever-frame transport';
      frame.tabIndex = -1;
      frame.setAttribute('aria-hidden', 'true');
      frame.addEventListener('load', () => {
        if (!this.live(gen)) return;
        const problem = this.frameError(frame);
        if (problem) {
          this.stats.errors += 1;
          this.logError(problem);
        } else {
          this.logInfo('the iframe page finished loading: the server ended it');
        }
        this.removeFrame();
        this.retry();
      });
      const sep = this.cursor === null ? '?' : '&';
      frame.src = `${this.path('iframe')}${this.query('after')}${sep}callback=${IFRAME_CALLBACK}`;
      this.stats.requests += 1;
      this.frame = frame;
      document.body.append(frame);
      this.opens += 1;
      this.setState('open: page still loading', 'ok');
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
      this.removeFrame();
    }

    /** Called by parent.rtlabIframe(envelope) from the iframe's scripts. */
    receive(env, received) {
      if (!this.active || !this.frame) return;
      this.handle(env, received);
    }
  }

  // ---- Server-Sent Events -----------------------------------------------------

  const READY_STATES = ['CONNECTING', 'OPEN', 'CLOSED'];

  class SseClient extends Client {
    open(gen) {
      const es = new EventSource(this.path('sse') + this.query('lastEventId'));
      this.es = es;
      this.stats.requests += 1;
      this.setState('connecting', 'warn');
      es.addEventListener('open', () => {
        if (!this.live(gen)) return;
        this.opens += 1;
        this.setState('open', 'ok');
        if (this.opens > 1) {
          this.stats.reconnects += 1;
          this.logInfo(`reconnected (Last-Event-ID: ${this.cursor === null ? 'none' : this.cursor})`);
          this.checkReset().then((reset) => {
            if (reset && this.live(gen)) this.begin(); // reopen with lastEventId=0
          });
        }
      });
      const onEvent = (event) => {
        const received = now();
        if (!this.live(gen)) return;
        this.handleText(event.data, received);
      };
      es.addEventListener('message', onEvent);
      es.addEventListener('gap', onEvent);
      es.addEventListener('error', () => {
        if (!this.live(gen)) return;
        this.stats.errors += 1;
        if (es.readyState === EventSource.CLOSED) {
          // HTTP error or wrong content type: EventSource gives up for good.
          this.logError('EventSource failed and closed (HTTP error or wrong Content-Type)');
          es.close();
          this.es = null;
          this.retry(false); // the next 'open' counts the reconnect
        } else {
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

  class WsClient extends Client {
    buildExtra(box) {
      const form = el('form');
      form.className = 'extra';
      form.noValidate = true;
      this.sendInput = el('input', 'grow');
      this.sendInput.value = 'hi over the socket';
      this.sendInput.setAttribute('aria-label', 'message to send via WebSocket');
      this.sendInput.spellcheck = false;
      this.sendJson = el('input');
      this.sendJson.type = 'checkbox';
      const check = el('label', 'check');
      check.append(this.sendJson, ' JSON');
      const button = el('button', null, 'Send via WebSocket');
      button.type = 'submit';
      form.append(this.sendInput, check, button);
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        this.sendFromInput();
      });
      box.append(form);
    }

    sendFromInput() {
      let data;
      try {
        data = readValue(this.sendInput.value, this.sendJson.checked);
      } catch (e) {
        this.logError(`not sent: ${e.message}`);
        return;
      }
      this.send(data);
    }

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

    open(gen) {
      const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
      const ws = new WebSocket(`${scheme}//${location.host}${this.path('ws')}${this.query('after')}`);
      this.ws = ws;
      this.stats.requests += 1;
      this.setState('connecting', 'warn');
      ws.addEventListener('open', () => {
        if (!this.live(gen)) return;
        this.opens += 1;
        this.setState('open', 'ok');
      });
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
        this.stats.errors += 1;
        this.logError('WebSocket error (the browser hides the details)');
      });
      ws.addEventListener('close', (event) => {
        if (!this.live(gen)) return;
        this.ws = null;
        const reason = event.reason ? ` "${event.reason}"` : '';
        this.stats.closeCode = event.code;
        this.stats.closeReason = event.reason;
        this.logWarn(`closed: code ${event.code}${reason}${event.wasClean ? '' : ' (not clean)'}`);
        this.retry();
        this.setState(`closed ${event.code}${reason}, reconnecting in 1 s`, 'warn');
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

  const CLASSES = {
    poll: PollClient,
    longpoll: LongPollClient,
    stream: StreamClient,
    iframe: IframeClient,
    sse: SseClient,
    ws: WsClient,
  };

  const fromUrl = params.get('topic');
  if (fromUrl !== null && isValidTopic(fromUrl)) topicInput.value = fromUrl;

  for (const technique of TECHNIQUES) clients[technique] = new CLASSES[technique](technique);

  // The forever frame calls parent.rtlabIframe(envelope) once per message.
  window[IFRAME_CALLBACK] = (env) => {
    const received = now();
    clients.iframe.receive(env, received);
  };

  function client(technique) {
    const found = Object.prototype.hasOwnProperty.call(clients, technique) && clients[technique];
    if (!found) throw new Error(`unknown technique ${JSON.stringify(technique)}; use one of ${TECHNIQUES.join(', ')}`);
    return found;
  }

  const connectAll = () => TECHNIQUES.map((t) => clients[t].connect());
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
    // Connected clients follow the new topic, starting live on it.
    for (const c of Object.values(clients)) {
      if (c.active && c.topic !== topic) {
        c.disconnect();
        c.connect();
      }
    }
  });

  window.rtlab = {
    techniques: TECHNIQUES.slice(),
    records,
    stats,
    connect: (technique) => client(technique).connect(),
    disconnect: (technique) => client(technique).disconnect(),
    connectAll,
    disconnectAll,
    publish,
    clear(technique) {
      for (const t of technique === undefined ? TECHNIQUES : [technique]) client(t).clear();
    },
    get metrics() {
      return lastMetrics;
    },
    send: (data) => clients.ws.send(data),
  };

  refreshMetrics();

  // ?autoconnect=1 connects all six; ?autoconnect=sse,ws connects the ones named.
  const auto = params.get('autoconnect');
  if (auto !== null && auto !== '0' && auto !== 'false') {
    const named = auto.split(',').filter((t) => TECHNIQUES.includes(t));
    const start = () => (named.length ? named.forEach((t) => clients[t].connect()) : connectAll());
    // After the load event, so the never-ending iframe cannot hold the page's load open.
    if (document.readyState === 'complete') start();
    else window.addEventListener('load', start, { once: true });
  }
})();
