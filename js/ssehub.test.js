// Unit tests of ssehub.js with Node's test runner (node --test js/).
//
// The module's boundary is replaced by small in-test implementations: a lock
// manager with the Web Locks API's queueing, a BroadcastChannel that
// delivers later (so that a hand-over races the old leader's last
// messages), and an EventSource connected to an in-test hub that numbers
// events and replays after lastEventId. Each "tab" gets its own views of
// them, and killing a tab does what the browser does: its locks are
// released, its channels and streams stop, its messages already sent still
// arrive. The real browser objects are tested in Chromium (cmd/ssehub).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createShared } from "./ssehub.js";

const URL_ = "http://hub.test/sse?id=alice";

class World {
  channelDelay = 5; // ms: a message crosses tabs slower than a lock is granted
  locks = new Map(); // name → {holder, queue}
  channels = new Set();
  sources = new Set();
  log = []; // the hub's retained events
  nextId = 1;

  // tab returns the SharedEventSource class of a new tab, and kill, which
  // ends the tab as a closed or crashed tab ends.
  tab() {
    const tab = { alive: true };
    const world = this;
    const locks = { request: (name, opts, cb) => world.#request(tab, name, opts, cb) };
    class Channel {
      constructor(name) { this.name = name; this.tab = tab; this.closed = false; this.onmessage = null; world.channels.add(this); }
      postMessage(data) {
        if (this.closed) throw new Error("posted on a closed channel");
        for (const c of world.channels) {
          if (c === this || c.name !== this.name) continue;
          const copy = structuredClone(data);
          setTimeout(() => { if (!c.closed) c.onmessage?.({ data: copy }); }, world.channelDelay);
        }
      }
      close() { this.closed = true; world.channels.delete(this); }
    }
    class Source {
      constructor(url, init) {
        this.url = url; this.withCredentials = Boolean(init?.withCredentials); this.tab = tab;
        this.readyState = 0; this.lastEventId = ""; this.listeners = new Map();
        this.onopen = this.onmessage = this.onerror = null;
        world.sources.add(this);
        setTimeout(() => world.#open(this), 1);
      }
      addEventListener(type, fn) { if (!this.listeners.has(type)) this.listeners.set(type, []); this.listeners.get(type).push(fn); }
      close() { this.readyState = 2; world.sources.delete(this); }
      deliver(ev) {
        if (this.readyState !== 1) return;
        if (ev.id) this.lastEventId = ev.id;
        const e = { type: ev.type, data: ev.data, lastEventId: this.lastEventId };
        if (ev.type === "message") this.onmessage?.(e);
        for (const fn of this.listeners.get(ev.type) ?? []) fn(e);
      }
    }
    const SharedEventSource = createShared({ locks, Channel, EventSource: Source });
    const kill = () => {
      tab.alive = false;
      for (const s of [...world.sources]) if (s.tab === tab) s.close();
      for (const c of [...world.channels]) if (c.tab === tab) c.close();
      for (const [name, l] of world.locks) {
        l.queue = l.queue.filter((r) => r.tab !== tab);
        if (l.holder?.tab === tab) world.#release(name);
      }
    };
    return { SharedEventSource, kill, tabRef: tab };
  }

  #request(tab, name, { signal }, cb) {
    return new Promise((resolve, reject) => {
      if (!this.locks.has(name)) this.locks.set(name, { holder: null, queue: [] });
      const l = this.locks.get(name);
      const r = { tab, cb, resolve, reject };
      l.queue.push(r);
      signal?.addEventListener("abort", () => {
        if (l.queue.includes(r)) { l.queue.splice(l.queue.indexOf(r), 1); reject(new Error("AbortError")); }
      });
      queueMicrotask(() => this.#grant(name));
    });
  }

  #grant(name) {
    const l = this.locks.get(name);
    if (l.holder || l.queue.length === 0) return;
    const r = (l.holder = l.queue.shift());
    Promise.resolve(r.cb()).then((v) => { if (l.holder === r) this.#release(name); r.resolve(v); });
  }

  #release(name) {
    this.locks.get(name).holder = null;
    queueMicrotask(() => this.#grant(name));
  }

  #open(src) {
    if (src.readyState === 2) return;
    src.readyState = 1;
    src.onopen?.({ type: "open" });
    const after = new URL(src.url).searchParams.get("lastEventId");
    if (after) for (const ev of this.log) if (Number(ev.id) > Number(after)) src.deliver(ev);
  }

  // publish numbers the event (unless live), keeps it, and sends it to
  // every open stream; it returns the id.
  publish(data, { type = "message", live = false } = {}) {
    const ev = { id: live ? "" : String(this.nextId++), type, data };
    if (!live) this.log.push(ev);
    for (const s of [...this.sources]) s.deliver(ev);
    return ev.id;
  }

  openSources() { return [...this.sources].filter((s) => s.readyState === 1); }
}

// collect records what a SharedEventSource delivers, as a page would.
function collect(es, types = []) {
  const got = { events: [], opens: 0, errors: 0 };
  es.onopen = () => got.opens++;
  es.onerror = () => got.errors++;
  es.onmessage = (e) => got.events.push(`${e.type}:${e.lastEventId}:${e.data}`);
  for (const t of types) es.addEventListener(t, (e) => got.events.push(`${e.type}:${e.lastEventId}:${e.data}`));
  return got;
}

async function until(what, cond, ms = 2000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`waiting for ${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 30));

async function openTabs(world, n, types = []) {
  const tabs = [];
  for (let i = 0; i < n; i++) {
    const t = world.tab();
    t.es = new t.SharedEventSource(URL_);
    t.got = collect(t.es, types);
    tabs.push(t);
  }
  await until("every tab open", () => tabs.every((t) => t.es.readyState === t.es.OPEN));
  await settle(); // the typed listeners reach the leader
  return tabs;
}

test("one stream for every tab, every event forwarded once, in order", async () => {
  const world = new World();
  const tabs = await openTabs(world, 3, ["chat", "reset"]);
  assert.equal(world.openSources().length, 1, "one real EventSource for three tabs");
  const want = [];
  want.push(`message:${world.publish("one")}:one`);
  want.push(`chat:${world.publish("hi", { type: "chat" })}:hi`);
  world.publish("live", { live: true }); // no id: carries the last id, as EventSource does
  want.push("message:2:live");
  want.push(`reset:${world.publish("{}", { type: "reset" })}:{}`);
  for (const [i, t] of tabs.entries()) {
    await until(`tab ${i}: all events`, () => t.got.events.length >= want.length);
    await settle();
    assert.deepEqual(t.got.events, want, `tab ${i}`);
    assert.equal(t.got.opens, 1, `tab ${i}: open once`);
    assert.equal(t.es.url, URL_);
    assert.equal(t.es.readyState, 1);
  }
});

test("a leader's tab killed mid-stream: the next resumes after the last id, nothing lost or doubled", async () => {
  const world = new World();
  const tabs = await openTabs(world, 4);
  const want = [];
  for (let i = 0; i < 5; i++) want.push(`message:${world.publish("e" + i)}:e${i}`);
  await until("every tab has 5 events", () => tabs.every((t) => t.got.events.length === 5));
  // Two more, then the leader dies at once: their messages are still on
  // their way to the others when the next leader opens with lastEventId=5.
  const old = world.openSources()[0];
  for (let i = 5; i < 7; i++) want.push(`message:${world.publish("e" + i)}:e${i}`);
  const leaderTab = tabs.find((t) => sourceOf(world, t) === old);
  assert.ok(leaderTab, "the leader is one of the tabs");
  leaderTab.kill();
  await until("a new stream", () => world.openSources().length === 1 && world.openSources()[0] !== old);
  const next = world.openSources()[0];
  assert.equal(new URL(next.url).searchParams.get("lastEventId"), "5", "the new leader resumes after the last id it saw");
  for (let i = 7; i < 10; i++) want.push(`message:${world.publish("e" + i)}:e${i}`);
  const rest = tabs.filter((t) => t !== leaderTab);
  for (const [i, t] of rest.entries()) {
    await until(`tab ${i}: all events`, () => t.got.events.length >= want.length);
    await settle();
    assert.deepEqual(t.got.events, want, `remaining tab ${i}`);
    assert.equal(t.got.opens, 1, `remaining tab ${i}: the hand-over shows no new open`);
  }
});

test("a follower's close stops only its own delivery", async () => {
  const world = new World();
  const tabs = await openTabs(world, 3);
  const follower = tabs.find((t) => sourceOf(world, t) === undefined);
  world.publish("before");
  await until("all got the first event", () => tabs.every((t) => t.got.events.length === 1));
  follower.es.close();
  assert.equal(follower.es.readyState, 2);
  world.publish("after");
  for (const t of tabs.filter((t) => t !== follower)) await until("the others get the second", () => t.got.events.length === 2);
  await settle();
  assert.deepEqual(follower.got.events, ["message:1:before"]);
  assert.equal(world.openSources().length, 1, "the stream stays");
});

test("a leader's close moves leadership; the others lose nothing", async () => {
  const world = new World();
  const tabs = await openTabs(world, 3);
  const leader = tabs.find((t) => sourceOf(world, t));
  world.publish("a");
  await until("all got a", () => tabs.every((t) => t.got.events.length === 1));
  leader.es.close();
  await until("another leader", () => world.openSources().length === 1 && !sourceOf(world, leader));
  world.publish("b");
  for (const t of tabs.filter((t) => t !== leader)) {
    await until("b", () => t.got.events.length === 2);
    assert.deepEqual(t.got.events, ["message:1:a", "message:2:b"]);
  }
  assert.deepEqual(leader.got.events, ["message:1:a"]);
});

test("a refused stream: every tab's onerror, readyState CLOSED", async () => {
  const world = new World();
  const tabs = await openTabs(world, 2);
  const src = world.openSources()[0];
  src.readyState = 2;
  src.onerror({ type: "error" });
  for (const t of tabs) {
    await until("the error", () => t.got.errors === 1);
    assert.equal(t.es.readyState, 2);
  }
});

test("a tab opened after the refusal: its onerror too, once, readyState CLOSED", async () => {
  const world = new World();
  const [first] = await openTabs(world, 1);
  const src = world.openSources()[0];
  src.readyState = 2;
  src.onerror({ type: "error" });
  await until("the first tab's error", () => first.got.errors === 1);
  const late = world.tab();
  late.es = new late.SharedEventSource(URL_);
  late.got = collect(late.es);
  await until("the late tab's error", () => late.got.errors === 1);
  await settle();
  assert.equal(late.es.readyState, 2);
  assert.equal(late.got.errors, 1);
  assert.equal(first.got.errors, 1);
  assert.equal(world.sources.size, 1, "the late tab opened no stream of its own");
});

test("without Web Locks or BroadcastChannel: a plain EventSource per tab", () => {
  class Plain { constructor(url, init) { this.url = url; this.init = init; } }
  const withoutLocks = createShared({ Channel: class {}, EventSource: Plain });
  const withoutChannel = createShared({ locks: { request() {} }, EventSource: Plain });
  for (const C of [withoutLocks, withoutChannel]) {
    const es = new C(URL_, { withCredentials: true });
    assert.ok(es instanceof Plain);
    assert.equal(es.url, URL_);
    assert.deepEqual(es.init, { withCredentials: true });
  }
});

// sourceOf is the open EventSource of t's tab, if it leads.
function sourceOf(world, t) {
  return world.openSources().find((s) => s.tab === t.tabRef);
}
