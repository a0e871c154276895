// live.js: the one browser client for Padelyzer streams (CONTRACT §3). No build step.
//
// The server delivers at most once; this module turns that into "every event exactly once,
// in order": it remembers the last seq it applied, drops anything at or below it, treats a
// jump (seq > last + 1) as a lost message and reconnects with `since` so the server replays
// the gap from its log, and reconnects after any drop with exponential backoff + full jitter
// so a room full of screens does not stampede a restarted server.

export const State = Object.freeze({
  CONNECTING: "connecting",     // first connection, nothing live yet
  LIVE: "live",                 // socket open and caught up
  RECONNECTING: "reconnecting", // dropped; waiting for the backoff or re-dialling
  OFFLINE: "offline",           // browser offline, refused by the server, or stopped
});

// Refusals (CONTRACT §3): retrying with the same credentials cannot succeed.
export const TERMINAL_CLOSE_CODES = Object.freeze([4401, 4403, 4404]);
const CONTROL_TYPES = new Set(["hello", "snapshot", "pong", "ping", "error"]);

/** Full jitter: uniform in [0, min(cap, base * 2^attempt)] (AWS "Exponential Backoff and Jitter"). */
export function backoffDelay(attempt, { base = 500, cap = 30000, random = Math.random } = {}) {
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 16));
  return Math.floor(random() * ceiling);
}

/** ws(s):// URL for a stream path on this page's origin, with the given query parameters. */
export function streamUrl(path, params = {}, base = globalThis.location) {
  const url = new URL(path, base.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(name, String(value));
  }
  return url.toString();
}

export class LiveStream {
  /**
   * @param {string} path  e.g. `/ws/clubs/<id>/`
   * @param {object} opts
   *   params      extra query parameters (token, display_key, date)
   *   since       seq already applied (e.g. the REST snapshot's `seq`); null = ask for a snapshot
   *   onSnapshot(data, msg)   replace local state; `msg.seq` becomes the baseline
   *   onEvent(msg)            apply one event; called exactly once per seq, in order
   *   onState(state, info)    connection state for the badge
   *   onDenied(code)          the server refused (4401/4403/4404); no retry
   */
  constructor(path, opts = {}) {
    this.path = path;
    this.params = { ...(opts.params || {}) };
    this.onSnapshot = opts.onSnapshot || (() => {});
    this.onEvent = opts.onEvent || (() => {});
    this.onState = opts.onState || (() => {});
    this.onDenied = opts.onDenied || (() => {});
    this.onHello = opts.onHello || (() => {});
    this.pingEvery = opts.pingEvery ?? 20000;   // a ping at least this often while open
    this.deadAfter = opts.deadAfter ?? 10000;   // no answer within this after a ping = dead socket
    this.baseDelay = opts.baseDelay ?? 500;
    this.maxDelay = opts.maxDelay ?? 30000;
    this.stableAfter = opts.stableAfter ?? 10000; // a connection this old resets the backoff
    this.WebSocket = opts.WebSocket || globalThis.WebSocket;
    this.lastSeq = opts.since ?? null;
    this.state = null;
    this.ws = null;
    this.attempt = 0;
    this.stopped = true;
    this.everLive = false;
    this.closeCode = null;
    this.helloSeq = null; // the server's seq when this connection started
    this.stats = { connects: 0, resyncs: 0, duplicates: 0, gaps: 0, snapshots: 0, events: 0 };
    this._timers = { retry: null, ping: null, dead: null };
    this._gapResyncs = [];
    this._onOnline = () => this._wake(true);
    this._onOffline = () => { if (!this.stopped) this._drop("browser offline", State.OFFLINE); };
    this._onVisible = () => { if (globalThis.document && document.visibilityState === "visible") this._wake(false); };
  }

  start() {
    if (!this.stopped) return this; // idempotent
    this.stopped = false;
    if (globalThis.addEventListener) {
      addEventListener("online", this._onOnline);
      addEventListener("offline", this._onOffline);
    }
    if (globalThis.document) document.addEventListener("visibilitychange", this._onVisible);
    this._connect();
    return this;
  }

  stop() {
    this.stopped = true;
    this._clearTimers();
    this._detach(1000);
    if (globalThis.removeEventListener) {
      removeEventListener("online", this._onOnline);
      removeEventListener("offline", this._onOffline);
    }
    if (globalThis.document) document.removeEventListener("visibilitychange", this._onVisible);
    this._setState(State.OFFLINE, { reason: "stopped" });
  }

  /** Switch parameters (e.g. another date) and reconnect from `since` (null: fresh snapshot). */
  resume(since, params = {}) {
    this.lastSeq = since ?? null;
    Object.assign(this.params, params);
    this._gapResyncs = [];
    if (this.stopped) return this.start();
    this._detach(1000);
    this._clearTimers();
    this.attempt = 0;
    this._connect();
    return this;
  }

  /** Reconnect from the last applied seq: the server replays what we missed, or sends a snapshot. */
  resync(reason = "resync") {
    this.stats.resyncs += 1;
    // Repeated gaps in a short time mean replay is not helping: start over from a snapshot.
    const now = Date.now();
    this._gapResyncs = this._gapResyncs.filter((t) => now - t < 30000).concat(now);
    if (this._gapResyncs.length > 3) {
      this.lastSeq = null;
      this._gapResyncs = [];
    }
    this._detach(4000);
    this._clearTimers();
    this._setState(State.RECONNECTING, { reason });
    this._connect();
  }

  send(obj) {
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(obj));
  }

  // ---- internals ----

  _connect() {
    if (this.stopped) return;
    this._setState(this.everLive ? State.RECONNECTING : State.CONNECTING, { attempt: this.attempt });
    const params = { ...this.params };
    if (this.lastSeq !== null) params.since = this.lastSeq;
    let ws;
    try {
      ws = new this.WebSocket(streamUrl(this.path, params));
    } catch (err) {
      this._scheduleRetry(String(err));
      return;
    }
    this.ws = ws;
    this.stats.connects += 1;
    const openedAt = Date.now();
    this.helloSeq = null;
    ws.onopen = () => {
      this._heard();
    };
    ws.onmessage = (e) => {
      if (ws !== this.ws) return;
      this._heard();
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      this._handle(msg);
    };
    ws.onclose = (e) => {
      if (ws !== this.ws) return; // a socket we already gave up on
      this.ws = null;
      this._clearTimers();
      this.closeCode = e.code;
      if (TERMINAL_CLOSE_CODES.includes(e.code)) {
        this.stopped = true;
        this._setState(State.OFFLINE, { reason: "refused", code: e.code });
        this.onDenied(e.code);
        return;
      }
      if (Date.now() - openedAt >= this.stableAfter) this.attempt = 0;
      this._scheduleRetry(`closed ${e.code}`);
    };
    ws.onerror = () => {}; // onclose follows and decides
  }

  _handle(msg) {
    const type = msg && msg.type;
    if (type === "ping") {
      this.send({ type: "pong" });
      return;
    }
    if (type === "hello") {
      this.helloSeq = msg.seq;
      this.onHello(msg);
      // Resuming at the head: nothing to replay, we are live. Behind: live once replay reaches
      // helloSeq. Ahead (server log reset): the server sends a snapshot next.
      if (this.lastSeq !== null && this.lastSeq === msg.seq) this._live();
      return;
    }
    if (type === "snapshot") {
      this.stats.snapshots += 1;
      this.lastSeq = msg.seq;
      this.onSnapshot(msg.data, msg);
      this._live();
      return;
    }
    if (type === "pong" || type === "error") {
      if (type === "error" && globalThis.console) console.warn("stream error", msg.data);
      return;
    }
    if (typeof msg.seq !== "number") return;
    if (this.lastSeq === null) return; // no baseline yet: the coming snapshot covers it
    if (msg.seq <= this.lastSeq) {
      this.stats.duplicates += 1;
      return;
    }
    if (msg.seq > this.lastSeq + 1) {
      this.stats.gaps += 1;
      this.resync(`gap ${this.lastSeq} -> ${msg.seq}`);
      return;
    }
    this.lastSeq = msg.seq;
    this.stats.events += 1;
    this.onEvent(msg);
    if (this.helloSeq === null || this.lastSeq >= this.helloSeq) this._live();
  }

  _live() {
    this.everLive = true;
    if (this.state !== State.LIVE) this._setState(State.LIVE, { seq: this.lastSeq });
  }

  // Any frame proves the socket alive; schedule the next ping.
  _heard() {
    clearTimeout(this._timers.dead);
    clearTimeout(this._timers.ping);
    this._timers.dead = null;
    this._timers.ping = setTimeout(() => this._ping(), this.pingEvery);
  }

  _ping() {
    if (!this.ws || this.ws.readyState !== 1) return;
    this.send({ type: "ping" });
    this._timers.dead = setTimeout(() => this._drop("no pong"), this.deadAfter);
  }

  // Abandon the current socket now (a dead TCP connection can take minutes to report close).
  _drop(reason, state = State.RECONNECTING) {
    this._detach(4000);
    this._clearTimers();
    if (state === State.OFFLINE) {
      this._setState(State.OFFLINE, { reason });
      return; // the "online" event wakes us
    }
    this._scheduleRetry(reason);
  }

  _scheduleRetry(reason) {
    if (this.stopped) return;
    if (globalThis.navigator && navigator.onLine === false) {
      this._setState(State.OFFLINE, { reason: "browser offline" });
      return;
    }
    const delay = backoffDelay(this.attempt, { base: this.baseDelay, cap: this.maxDelay });
    this.attempt += 1;
    this._setState(this.everLive ? State.RECONNECTING : State.CONNECTING, { reason, delay, attempt: this.attempt });
    clearTimeout(this._timers.retry);
    this._timers.retry = setTimeout(() => this._connect(), delay);
  }

  // Network back or tab visible again: skip the remaining backoff, or probe an open socket.
  _wake(reset) {
    if (this.stopped) return;
    if (this.ws && this.ws.readyState === 1) {
      this._ping();
      return;
    }
    if (reset) this.attempt = 0;
    clearTimeout(this._timers.retry);
    this._connect();
  }

  _detach(code) {
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close(code);
    } catch {
      /* already closed */
    }
  }

  _clearTimers() {
    for (const name of Object.keys(this._timers)) {
      clearTimeout(this._timers[name]);
      this._timers[name] = null;
    }
  }

  _setState(state, info = {}) {
    const changed = state !== this.state;
    this.state = state;
    if (changed || info.reason) this.onState(state, info);
  }
}

/** Keep a badge element in step with a stream's state: text from `labels`, `data-state` for CSS. */
export function bindBadge(el, labels) {
  return (state) => {
    el.dataset.state = state;
    el.textContent = labels[state] || state;
  };
}
