// rtlab probe page: plain browser APIs, driven from Python (rtlab.studies.browser_checks).
//
// Each connection gets a name and a log of what the page saw, each record
// stamped with the page's clock (ms since the Unix epoch). Nothing here
// reconnects or resumes anything: whatever comes back after a drop is the
// browser's own doing.
"use strict";

(() => {
  const logs = new Map();
  const handles = new Map();
  const now = () => performance.timeOrigin + performance.now();

  function start(name, handle) {
    if (logs.has(name)) throw new Error(`probe: ${name} is already in use`);
    logs.set(name, []);
    handles.set(name, handle);
  }

  function record(name, kind, extra) {
    logs.get(name).push({ kind, t: now(), ...extra });
  }

  // A plain EventSource: records open, error (with the readyState it left) and
  // every event, with its data and lastEventId.
  function eventSource(name, url) {
    const source = new EventSource(url);
    start(name, source);
    record(name, "create", { url, readyState: source.readyState });
    let lastEventId = "";
    source.addEventListener("open", () =>
      record(name, "open", { readyState: source.readyState }),
    );
    source.addEventListener("error", () =>
      record(name, "error", { readyState: source.readyState, lastEventId }),
    );
    for (const type of ["message", "gap", "restart", "end"]) {
      source.addEventListener(type, (event) => {
        lastEventId = event.lastEventId;
        record(name, type, { data: event.data, lastEventId });
      });
    }
  }

  // A plain WebSocket: records open, every text frame, error and close.
  function webSocket(name, url) {
    const socket = new WebSocket(url);
    start(name, socket);
    record(name, "create", { url, readyState: socket.readyState });
    socket.addEventListener("open", () => record(name, "open", {}));
    socket.addEventListener("message", (event) =>
      record(name, "message", { data: String(event.data) }),
    );
    socket.addEventListener("error", () =>
      record(name, "error", { readyState: socket.readyState }),
    );
    socket.addEventListener("close", (event) =>
      record(name, "close", { code: event.code, wasClean: event.wasClean }),
    );
  }

  // One fetch(): records when it was sent and its outcome (status and body, or the error).
  function fetchText(name, url) {
    start(name, null);
    record(name, "create", { url });
    fetch(url, { cache: "no-store" }).then(
      async (response) =>
        record(name, "response", { status: response.status, body: await response.text() }),
      (error) => record(name, "failure", { error: String(error) }),
    );
  }

  // A hidden iframe whose document calls parent[callback](envelope).
  function iframe(name, url, callback) {
    start(name, null);
    window[callback] = (envelope) => record(name, "call", { envelope });
    const frame = document.createElement("iframe");
    frame.hidden = true;
    frame.src = url;
    handles.set(name, frame);
    record(name, "create", { url });
    document.body.append(frame);
  }

  function close(name) {
    const handle = handles.get(name);
    if (handle instanceof HTMLIFrameElement) handle.remove();
    else handle.close();
    record(name, "closed by page", {});
  }

  const count = (name, kind) => (logs.get(name) || []).filter((r) => r.kind === kind).length;
  const state = (name) => handles.get(name).readyState;
  const log = (name) => logs.get(name) || [];

  window.probe = { eventSource, webSocket, fetchText, iframe, close, count, state, log, now };
})();
