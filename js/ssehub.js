// ssehub.js: one event stream per browser, shared by all its tabs.
//
// SharedEventSource has EventSource's interface. The tabs of one origin that
// open the same URL share one real EventSource: the tab holding a Web Lock
// named after the URL (the leader) opens it and forwards every event, and
// every change of state, to the others over a BroadcastChannel. The browser
// releases the lock when the leader's tab closes, crashes or is discarded;
// the next tab waiting for it becomes the leader and resumes the stream
// after the last id any tab saw (the hub's lastEventId query parameter),
// dropping the ids it has already delivered. Where Web Locks or
// BroadcastChannel are missing it is a plain EventSource per tab.
//
// Plain ES module, no dependencies, no build step. License: Apache-2.0.

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

// How many recent ids each tab remembers to drop an event delivered twice
// at a hand-over (the old leader's last messages and the new leader's
// replay of the same events).
const SEEN_IDS = 1024;

// createShared returns a SharedEventSource class that uses the given lock
// manager (navigator.locks), BroadcastChannel and EventSource
// constructors: the browser's by default, others in unit tests.
export function createShared({ locks, Channel, EventSource: Source, base } = {}) {
  const shared = Boolean(locks && typeof locks.request === "function" && Channel);

  class SharedEventSource extends EventTarget {
    #url;
    #withCredentials;
    #readyState = CONNECTING;
    #handlers = {};
    #channel = null;
    #source = null; // the real EventSource, while this tab leads
    #release = null; // ends the lock's callback, while this tab leads
    #abort = new AbortController(); // withdraws a lock request not yet granted
    #lastId = ""; // the newest id any tab saw
    #sourceId = ""; // the last lastEventId of this tab's own EventSource
    #seen = new Set();
    #seenOrder = [];

    constructor(url, init = {}) {
      if (!shared) {
        return new Source(url, init); // fallback: a plain EventSource per tab
      }
      super();
      this.#url = new URL(url, base ?? globalThis.location?.href).href;
      this.#withCredentials = Boolean(init.withCredentials);
      const name = "ssehub:" + (this.#withCredentials ? "credentials:" : "") + this.#url;
      this.#channel = new Channel(name);
      this.#channel.onmessage = (e) => this.#receive(e.data);
      this.#channel.postMessage({ kind: "hello" });
      locks
        .request(name, { mode: "exclusive", signal: this.#abort.signal }, () => this.#lead())
        .catch(() => {}); // withdrawn by close()
    }

    get url() { return this.#url; }
    get withCredentials() { return this.#withCredentials; }
    get readyState() { return this.#readyState; }
    get onopen() { return this.#handlers.open ?? null; }
    set onopen(fn) { this.#setHandler("open", fn); }
    get onmessage() { return this.#handlers.message ?? null; }
    set onmessage(fn) { this.#setHandler("message", fn); }
    get onerror() { return this.#handlers.error ?? null; }
    set onerror(fn) { this.#setHandler("error", fn); }

    // close stops this tab's delivery. A leader also closes the real
    // EventSource and releases the lock: the next tab takes the stream over.
    close() {
      if (this.#readyState === CLOSED && !this.#channel) return;
      this.#readyState = CLOSED;
      this.#abort.abort();
      if (this.#source) {
        this.#source.close();
        this.#source = null;
      }
      this.#release?.();
      this.#release = null;
      this.#channel?.close();
      this.#channel = null;
    }

    #setHandler(type, fn) {
      if (!(type in this.#handlers)) {
        this.addEventListener(type, (e) => this.#handlers[type]?.call(this, e));
      }
      this.#handlers[type] = typeof fn === "function" ? fn : null;
    }

    // #lead runs while this tab holds the lock: it opens the real stream,
    // resuming after the last id any tab saw, and holds the lock until close.
    #lead() {
      if (!this.#channel) return undefined; // closed meanwhile: pass the lock on
      let url = this.#url;
      if (this.#lastId) {
        const u = new URL(url);
        u.searchParams.set("lastEventId", this.#lastId);
        url = u.href;
      }
      const src = new Source(url, { withCredentials: this.#withCredentials });
      this.#source = src;
      this.#sourceId = "";
      src.onopen = () => this.#leadState(src, "open");
      src.onerror = () => this.#leadState(src, "error");
      src.onmessage = (e) => this.#leadEvent(src, e);
      for (const type of this.#typesWanted) src.addEventListener(type, (e) => this.#leadEvent(src, e));
      return new Promise((resolve) => { this.#release = resolve; });
    }

    // The event types the leader listens for besides message: ssehub's
    // reset, and each type any tab of this stream listens for.
    #typesWanted = new Set(["reset"]);

    addEventListener(type, fn, opts) {
      super.addEventListener(type, fn, opts);
      if (type === "open" || type === "error" || type === "message" || !this.#channel) return;
      if (!this.#typesWanted.has(type)) {
        this.#typesWanted.add(type);
        if (this.#source) this.#source.addEventListener(type, (e) => this.#leadEvent(this.#source, e));
      }
      this.#channel.postMessage({ kind: "listen", type });
    }

    #leadState(src, what) {
      if (src !== this.#source) return;
      const msg = { kind: "state", what, readyState: src.readyState, lastId: this.#lastId };
      this.#channel.postMessage(msg);
      this.#receive(msg);
    }

    #leadEvent(src, e) {
      if (src !== this.#source) return;
      // An EventSource keeps the last id for events without one: an event
      // carries an id of its own only when lastEventId changed.
      const hasId = e.lastEventId !== this.#sourceId && e.lastEventId !== "";
      this.#sourceId = e.lastEventId;
      const msg = { kind: "event", type: e.type, data: e.data, lastEventId: e.lastEventId, hasId };
      this.#channel.postMessage(msg);
      this.#receive(msg);
    }

    #receive(msg) {
      switch (msg.kind) {
        case "hello":
          if (this.#source) this.#channel.postMessage({ kind: "state", what: "", readyState: this.#source.readyState, lastId: this.#lastId });
          if (this.#source) for (const type of this.#typesWanted) this.#channel.postMessage({ kind: "listen", type });
          return;
        case "listen":
          if (!this.#typesWanted.has(msg.type)) {
            this.#typesWanted.add(msg.type);
            if (this.#source) this.#source.addEventListener(msg.type, (e) => this.#leadEvent(this.#source, e));
          }
          return;
        case "state":
          return this.#state(msg);
        case "event":
          return this.#event(msg);
      }
    }

    #state({ what, readyState, lastId }) {
      if (this.#readyState === CLOSED) return;
      if (lastId && !this.#lastId) this.#lastId = lastId;
      const was = this.#readyState;
      this.#readyState = readyState;
      // A tab that joins a stream the hub has refused learns it from the
      // leader's answer to its hello: its onerror fires too, as a native
      // EventSource's does when it gives up.
      if (what === "error" || (readyState === CLOSED && was !== CLOSED)) this.dispatchEvent(new Event("error"));
      else if (readyState === OPEN && was !== OPEN) this.dispatchEvent(new Event("open"));
    }

    #event({ type, data, lastEventId, hasId }) {
      if (hasId) {
        if (this.#seen.has(lastEventId)) return; // delivered already, at a hand-over
        this.#seen.add(lastEventId);
        this.#seenOrder.push(lastEventId);
        if (this.#seenOrder.length > SEEN_IDS) this.#seen.delete(this.#seenOrder.shift());
        this.#lastId = lastEventId;
      }
      if (this.#readyState === CLOSED) return;
      this.dispatchEvent(new MessageEvent(type, { data, lastEventId: lastEventId || this.#lastId, origin: new URL(this.#url).origin }));
    }
  }

  for (const [k, v] of Object.entries({ CONNECTING, OPEN, CLOSED })) {
    Object.defineProperty(SharedEventSource, k, { value: v, enumerable: true });
    Object.defineProperty(SharedEventSource.prototype, k, { value: v, enumerable: true });
  }
  return SharedEventSource;
}

export const SharedEventSource = createShared({
  locks: globalThis.navigator?.locks,
  Channel: globalThis.BroadcastChannel,
  EventSource: globalThis.EventSource,
});

export default SharedEventSource;
