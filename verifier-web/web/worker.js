// The verifier's worker: loads the WASM module (pkg/, built by scripts/build-verifier-web.sh), takes the record's
// files by path, runs V1–V13 on them and posts each check as it is reported, then the report (the JSON of
// `verifier verify --json`). Running here keeps the page responsive while it works.
import init, { Record } from "./pkg/verifier_web.js";

const ready = init();

self.onmessage = async (event) => {
  const { name, files, fingerprint } = event.data;
  try {
    await ready;
    const record = new Record(name);
    for (const f of files) record.add(f.path, new Uint8Array(f.bytes));
    files.length = 0;
    const started = performance.now();
    const text = record.verify(fingerprint, (check) => self.postMessage({ type: "check", check: JSON.parse(check) }));
    const millis = performance.now() - started;
    self.postMessage({ type: "report", report: JSON.parse(text), millis });
  } catch (e) {
    self.postMessage({ type: "error", message: String(e && e.message ? e.message : e) });
  }
};
