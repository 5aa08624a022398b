// The npm eventsource client on a hub's stream, for eventsource_test.go.
//
//	node client.js <stream url> [type...]
//
// Prints one JSON object a line on stdout:
//
//	{"kind":"connect","lastEventId":"<the Last-Event-ID header sent>"}  each request
//	{"kind":"open"}
//	{"kind":"event","type":"message","id":"3","data":"..."}             untyped events, and those of each type given
//	{"kind":"error","message":"...","code":503,"readyState":0}          0: it reconnects by itself; 2: it gave up
//
// It ends when stdin closes, or after a minute whatever happens.
import { EventSource } from "eventsource";

const [url, ...types] = process.argv.slice(2);
if (!url) {
  process.stderr.write("usage: node client.js <stream url> [type...]\n");
  process.exit(2);
}

const print = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

const source = new EventSource(url, {
  // Each (re)connection goes through here: say what it resumes from.
  fetch: (input, init) => {
    print({ kind: "connect", lastEventId: new Headers(init && init.headers).get("Last-Event-ID") || "" });
    return fetch(input, init);
  },
});

const onEvent = (e) => print({ kind: "event", type: e.type, id: e.lastEventId, data: e.data });
source.onopen = () => print({ kind: "open" });
source.onmessage = onEvent;
for (const t of types) source.addEventListener(t, onEvent);
source.onerror = (e) => print({ kind: "error", message: e.message || "", code: e.code || 0, readyState: source.readyState });

const end = (code) => {
  source.close();
  process.exit(code);
};
process.stdin.on("end", () => end(0));
process.stdin.resume();
setTimeout(() => {
  process.stderr.write("client.js: still running after 60s: giving up\n");
  end(3);
}, 60_000);
