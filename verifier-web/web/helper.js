// A helper worker of the in-browser verifier (run.js): with its own copy of the record's files, it verifies its
// share of the costly parts (helper `index` of `count`: every helper computes the same shares) with the checks' own
// functions, and posts, part by part, the digests of what passed. It decides nothing: what it does not vouch for,
// the coordinator verifies itself (verifier/src/verify/parts.rs).
import init, { Record } from "./pkg/verifier_web.js";

const CHECK = { ballots: "V6", stage: "V10", decryption: "V11" };

self.onmessage = async (event) => {
  const { name, files, index, count } = event.data;
  try {
    await init();
    const record = new Record(name);
    for (const f of files) record.add(f.path, new Uint8Array(f.bytes));
    const helper = record.helper();
    const parts = JSON.parse(helper.share(index, count));
    const counts = { V6: 0, V10: 0, V11: 0 };
    for (const p of parts) counts[CHECK[p.kind]]++;
    self.postMessage({ type: "share", counts });
    for (const p of parts) {
      const found = JSON.parse(helper.verify(JSON.stringify(p)));
      self.postMessage({ type: "part", check: CHECK[p.kind], found });
    }
  } catch (e) {
    self.postMessage({ type: "error", message: String(e && e.message ? e.message : e) });
  }
};
