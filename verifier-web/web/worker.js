// The verifier's coordinator worker: loads the WASM module (pkg/, built by scripts/build-verifier-web.sh), takes the
// record's files by path and runs V1–V13 on them, posting each check as it is reported, then the report (the JSON
// of `verifier verify --json`). With helpers (run.js), it runs V1–V5 at once, takes the digests of the parts the
// helpers verified ("known"), and runs on to the check the page says ("run") when the helpers are done with it.
// Messages are handled one after the other, in the order they came. Running here keeps the page responsive.
import init, { Record } from "./pkg/verifier_web.js";

const ready = init();
let run = null;
let started = 0;

function finish() {
  const text = run.finish();
  run = null;
  self.postMessage({ type: "report", report: JSON.parse(text), millis: performance.now() - started });
}

async function handle(d) {
  if (d.type === "start") {
    await ready;
    const record = new Record(d.name);
    for (const f of d.files) record.add(f.path, new Uint8Array(f.bytes));
    d.files.length = 0;
    started = performance.now();
    run = record.start(d.fingerprint, (check) => self.postMessage({ type: "check", check: JSON.parse(check) }));
    if (d.helpers) run.run_to(5);
    else finish();
  } else if (run && d.type === "known") {
    for (const [digest, note] of d.found) run.know(digest, note);
  } else if (run && d.type === "run") {
    if (d.to >= 13) finish();
    else run.run_to(d.to);
  }
}

let queue = Promise.resolve();
self.onmessage = (event) => {
  queue = queue.then(() => handle(event.data)).catch((e) => {
    run = null;
    self.postMessage({ type: "error", message: String(e && e.message ? e.message : e) });
  });
};
