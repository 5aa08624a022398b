// The ssehub demo page: one stream on this hub's /sse, as the page's query
// string says (?id=alice&topic=room-1&type=typing), and a form that
// publishes through POST /publish. Event data only ever reaches the page as
// text (textContent), never as markup.
//
// The stream is a SharedEventSource (the hub's ssehub.js): the tabs of one
// browser showing the same stream share one connection to the hub, so that
// opening the demo in several tabs shows one stream in GET /clients/{id}.
// Where the browser cannot share (no Web Locks: not a secure context) it is
// a plain EventSource per tab.
//
// The page is the API's root: every route it uses is relative to its own
// address (see route, and the import below), so that under a prefix (an
// application that mounts the API at /hub/) it talks to /hub/sse and
// /hub/publish, not to routes of the application's.
import { SharedEventSource } from "./ssehub.js";

(function () {
  const $ = (id) => document.getElementById(id);

  // Types always listened for: untyped events, the hub's reset, and the
  // README's chat. An EventSource hands a typed event only to a listener
  // for that type, so others are added by name (the form, ?type=).
  const BASE_TYPES = ["message", "reset", "chat"];
  // The hub's time broadcast: untyped, live only (no id), this layout.
  const TICK = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;
  const MAX_SHOWN = 500;

  const query = new URLSearchParams(location.search);
  let clientId = (query.get("id") || "").trim();
  let topics = splitList(query.getAll("topic"));
  let token = (query.get("token") || "").trim(); // taken, then dropped from the address bar
  const types = new Set(BASE_TYPES);
  for (const t of query.getAll("type")) {
    if (validType(t.trim())) types.add(t.trim());
  }
  if (!clientId && token) clientId = tokenSubject(token);
  if (!clientId) clientId = guestId();

  let source = null; // the current SharedEventSource
  let listening = new Set(); // the types it has a listener for
  let state = "";
  let opens = 0; // how many times a stream opened: each reconnection adds one
  let lastId = ""; // the newest event id seen
  const seen = new Set(); // ids already shown: the hub never sends one twice
  let retryTimer = 0;
  let ticks = 0;

  const body = document.body;
  const list = $("events");

  // route is the URL of one of the hub's routes ("sse", "publish"): next to
  // the page, whatever prefix the page is under (/ → /sse, /hub/ → /hub/sse).
  function route(name) {
    return new URL(name, location.href);
  }

  // ---- the stream ----

  function streamURL(resumeFrom) {
    const q = new URLSearchParams();
    if (clientId) q.set("id", clientId);
    for (const t of topics) q.append("topic", t);
    if (token) q.set("token", token);
    if (resumeFrom) q.set("lastEventId", resumeFrom); // a new EventSource cannot send the header
    const u = route("sse");
    u.search = q.toString();
    return u.href;
  }

  // connect replaces the stream; resume says whether the new one starts
  // after the last id seen (the same client and topics) or afresh.
  function connect(resume) {
    clearTimeout(retryTimer);
    if (source) source.close();
    const url = streamURL(resume ? lastId : "");
    const es = new SharedEventSource(url);
    source = es;
    listening = new Set();
    for (const t of types) listen(t);
    const shown = new URL(url);
    $("stream-url").textContent = (shown.pathname + shown.search).replace(/([?&]token=)[^&]*/, "$1…");
    setState("connecting");

    let reopened = false; // the browser reconnected this EventSource
    es.onopen = () => {
      if (es !== source) return;
      opens++;
      body.dataset.opens = String(opens);
      setState("open");
      const from = (reopened || resume) && lastId ? ", resuming after id " + lastId : "";
      note((reopened ? "open again" : "open") + from, true);
      reopened = true;
    };
    es.onerror = () => {
      if (es !== source) return;
      if (es.readyState === EventSource.CLOSED) { // as a native EventSource: refused, given up
        setState("closed");
        explain(es, url);
        return;
      }
      if (state === "reconnecting") return; // one note per outage, not per attempt
      setState("reconnecting");
      note("stream ended: the browser reconnects by itself" + (lastId ? ", with Last-Event-ID " + lastId : ""));
    };
  }

  function listen(type) {
    if (!source || listening.has(type)) return;
    listening.add(type);
    source.addEventListener(type, onEvent);
  }

  function onEvent(e) {
    if (e.target !== source) return;
    // lastEventId is the stream's last id, which an event without an id
    // (live only) leaves as it was: an id not seen before is this event's.
    const id = e.lastEventId;
    const own = id !== "" && !seen.has(id);
    if (own) remember(id);
    if (id) {
      lastId = id;
      body.dataset.lastId = id;
      $("last-id").textContent = id;
    }
    if (e.type === "message" && TICK.test(e.data)) {
      ticks++;
      $("clock").dataset.ticks = String(ticks);
      $("clock-time").textContent = e.data + " (the time broadcast: live only, no id)";
      return;
    }
    show(e, own ? id : "");
    if (e.type === "reset") {
      let why = "";
      try { why = JSON.parse(e.data).reason || ""; } catch (_) { /* shown as is */ }
      note("reset" + (why ? " (" + why + ")" : "") + ": events since the last id are lost; an application reloads its state here");
    }
  }

  // explain finds out why the hub refused a stream (an EventSource gives up
  // on any status but 200 and says nothing of it), and tries again later if
  // the refusal is a passing one (429, 5xx).
  async function explain(es, url) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), 5000);
    let why = "the hub refused the stream";
    let again = 0;
    try {
      const resp = await fetch(url, { signal: ctl.signal, cache: "no-store" });
      if (resp.ok) {
        why = "the stream failed";
        again = 1000;
      } else {
        let msg = "";
        try { msg = (await resp.json()).error || ""; } catch (_) { /* not JSON */ }
        why = resp.status + (msg ? ": " + msg : "");
        if (resp.status === 429 || resp.status >= 500) {
          again = 1000 * (parseInt(resp.headers.get("Retry-After"), 10) || 3);
        }
      }
    } catch (_) {
      why = "the hub cannot be reached";
      again = 3000;
    } finally {
      clearTimeout(timer);
      ctl.abort();
    }
    if (es !== source) return; // replaced meanwhile
    if (again) {
      note("refused (" + why + "): trying again in " + again / 1000 + " s");
      retryTimer = setTimeout(() => connect(lastId !== ""), again);
    } else {
      note("closed (" + why + "): change the settings and reconnect");
    }
  }

  // remember adds id to the ids seen, forgetting the oldest beyond a bound.
  function remember(id) {
    seen.add(id);
    if (seen.size <= 10000) return;
    for (const old of seen) {
      seen.delete(old);
      if (seen.size <= 9000) break;
    }
  }

  function setState(s) {
    state = s;
    body.dataset.state = s;
    $("state").textContent = s;
  }

  // ---- the list ----

  function show(e, id) {
    const li = document.createElement("li");
    li.className = "event";
    li.dataset.type = e.type;
    if (id) li.dataset.id = id;
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.append(
      span("time", new Date().toLocaleTimeString()),
      span("id", id ? "id " + id : "no id"),
      span("type", e.type),
    );
    const data = document.createElement("pre");
    data.className = "data";
    data.textContent = e.data;
    li.append(meta, data);
    add(li);
  }

  function note(text, good) {
    const li = document.createElement("li");
    li.className = good ? "note good" : "note";
    li.append(span("time", new Date().toLocaleTimeString() + " "), document.createTextNode(text));
    add(li);
  }

  function add(li) {
    list.prepend(li);
    while (list.children.length > MAX_SHOWN) list.lastElementChild.remove();
  }

  function span(cls, text) {
    const s = document.createElement("span");
    s.className = cls;
    s.textContent = text;
    return s;
  }

  // ---- settings ----

  function splitList(values) {
    const out = [];
    for (const v of values) {
      for (const t of v.split(/[\s,]+/)) {
        if (t && !out.includes(t)) out.push(t);
      }
    }
    return out;
  }

  function validType(t) {
    return t !== "" && !/[\r\n\0]/.test(t);
  }

  function guestId() {
    const b = new Uint8Array(3);
    crypto.getRandomValues(b);
    return "guest-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  // tokenSubject reads a JWT's sub, the client id the hub takes from it
  // (unverified: the hub verifies).
  function tokenSubject(tok) {
    try {
      const part = tok.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
      const sub = JSON.parse(new TextDecoder().decode(bytes)).sub;
      return typeof sub === "string" ? sub : "";
    } catch (_) {
      return "";
    }
  }

  // updateURL puts the settings in the address bar, so that the page's URL
  // opens this view again. Never the token.
  function updateURL() {
    const q = new URLSearchParams();
    if (clientId) q.set("id", clientId);
    for (const t of topics) q.append("topic", t);
    for (const t of types) {
      if (!BASE_TYPES.includes(t)) q.append("type", t);
    }
    const s = q.toString();
    history.replaceState(null, "", s ? "?" + s : location.pathname);
  }

  function fillForm() {
    $("client-id").value = clientId;
    $("topics").value = topics.join(", ");
    $("token").value = token;
    if (token) $("token-box").open = true;
    if (!$("publish-topic").value && topics.length) $("publish-topic").value = topics[0];
    $("self").textContent = clientId;
  }

  // apply takes the form's settings; force reconnects even if nothing
  // changed. The same client and topics resume after the last id seen (a
  // new token, say); others start afresh.
  function apply(force) {
    const tok = $("token").value.trim();
    let id = $("client-id").value.trim();
    if (tok !== token && tokenSubject(tok)) id = tokenSubject(tok);
    if (!id) id = tok ? tokenSubject(tok) : guestId();
    const tps = splitList([$("topics").value]);
    const same = id === clientId && tps.join("\n") === topics.join("\n");
    if (!force && same && tok === token) {
      fillForm();
      return;
    }
    const firstTopic = topics[0] || "";
    clientId = id;
    topics = tps;
    token = tok;
    if ($("publish-topic").value === firstTopic) $("publish-topic").value = topics[0] || "";
    fillForm();
    updateURL();
    if (!same) note("connecting as " + (clientId || "an anonymous client") + (topics.length ? " to " + topics.join(", ") : ""));
    connect(same && lastId !== "");
  }

  function addType(t) {
    if (!validType(t) || types.has(t)) return;
    types.add(t);
    renderTypes();
    listen(t);
    updateURL();
  }

  function renderTypes() {
    const ul = $("types");
    ul.replaceChildren();
    for (const t of types) {
      const li = document.createElement("li");
      li.textContent = t;
      ul.append(li);
    }
  }

  // ---- publishing ----

  async function publish() {
    const result = $("publish-result");
    const form = $("publish-form");
    const target = form.elements.target.value;
    const msg = {};
    if (target === "client") {
      msg.clients = [clientId];
    } else if (target === "topic") {
      const t = $("publish-topic").value.trim();
      if (!t) {
        result.textContent = "give a topic to publish to";
        return;
      }
      msg.topics = [t];
    } else {
      msg.broadcast = true;
    }
    const type = $("publish-type").value.trim();
    if (type) {
      msg.event = type;
      addType(type); // so that this page sees it
    }
    if ($("publish-ephemeral").checked) msg.ephemeral = true;
    msg.data = $("publish-data").value;
    const headers = { "Content-Type": "application/json" };
    const key = $("publish-key").value.trim();
    if (key) headers.Authorization = "Bearer " + key;

    const button = $("publish-button");
    button.disabled = true;
    result.textContent = "publishing…";
    try {
      const resp = await fetch(route("publish"), { method: "POST", headers, body: JSON.stringify(msg) });
      let answer = {};
      try { answer = await resp.json(); } catch (_) { /* not JSON */ }
      if (resp.ok) {
        result.dataset.id = answer.id || "";
        result.textContent = (answer.id ? "published as id " + answer.id : "published live only (no id)") +
          ", queued for " + answer.connections + " stream" + (answer.connections === 1 ? "" : "s") + " on this hub";
      } else {
        result.dataset.id = "";
        result.textContent = "refused: " + resp.status + (answer.error ? " " + answer.error : "") +
          (resp.status === 401 ? " (type the publish key)" : "");
      }
    } catch (err) {
      result.textContent = "the hub cannot be reached: " + err.message;
    } finally {
      button.disabled = false;
    }
  }

  // ---- wiring ----

  $("connect-form").addEventListener("submit", (ev) => { ev.preventDefault(); apply(true); });
  for (const f of ["client-id", "topics", "token"]) {
    $(f).addEventListener("change", () => apply(false));
  }
  $("type-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    addType($("new-type").value.trim());
    $("new-type").value = "";
  });
  $("publish-form").addEventListener("submit", (ev) => { ev.preventDefault(); publish(); });
  $("clear").addEventListener("click", () => list.replaceChildren());

  $("sse-path").textContent = route("sse").pathname;
  $("publish-path").textContent = route("publish").pathname;
  fillForm();
  renderTypes();
  updateURL();
  connect(false);
})();
