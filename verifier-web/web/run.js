// Runs `verifier verify` on a record's files in Web Workers, on every core. One coordinator (worker.js) runs the
// checks V1–V13, in order, with the same code as the command line. One helper per core (helper.js) verifies
// beforehand its share of the costly parts — the ballots' signatures and proofs (V6), the mix stages' proofs (V10),
// the contests' decryptions (V11) — with the checks' own functions, and passes on the digest of each part that
// passed. The coordinator runs V1–V5, then V6–V9 once every helper is done with V6's parts, V10 once they are done
// with V10's, the rest once they are done with V11's; it skips exactly the parts whose digests (of the bytes it
// hashed) it was given and verifies any other part itself (verifier/src/verify/parts.rs). So the report is the
// same with any number of helpers, and a helper that fails only leaves its parts to the coordinator.

/** The helpers to start: one per core the browser reports (at most 8), none on one core. */
export function defaultHelpers() {
  const cores = navigator.hardwareConcurrency || 1;
  return cores > 1 ? Math.min(cores, 8) : 0;
}

/** Verifies `files` ([{path, bytes: ArrayBuffer}], transferred to the coordinator) pinned to `fingerprint`
 * ("" for none), calling `onCheck` with each check as it is reported. Resolves to { report, millis, helpers }. */
export async function runVerification({ name, files, fingerprint, onCheck, helpers }) {
  helpers ??= defaultHelpers();
  // Each helper holds a copy of the files: no more helpers than about 1.5 GiB of copies allows.
  const total = files.reduce((n, f) => n + f.bytes.byteLength, 0);
  const count = Math.max(0, Math.min(helpers, Math.floor((1.5 * 2 ** 30) / Math.max(total, 1)) - 1));
  const workers = [];
  const start = (script) => {
    const w = new Worker(new URL(script, import.meta.url), { type: "module" });
    workers.push(w);
    return w;
  };
  try {
    return await new Promise((resolve, reject) => {
      const coordinator = start("worker.js");
      // The check whose parts the helpers verify, and the last check the coordinator runs once it has them all.
      const steps = [["V6", 9], ["V10", 10], ["V11", 13]];
      const pending = { V6: 0, V10: 0, V11: 0 };
      let planned = 0;
      let next = 0;
      const release = () => {
        if (planned < count) return;
        while (next < steps.length && pending[steps[next][0]] === 0) {
          coordinator.postMessage({ type: "run", to: steps[next][1] });
          next++;
        }
      };
      coordinator.onmessage = (m) => {
        if (m.data.type === "check") onCheck(m.data.check);
        else if (m.data.type === "report") resolve({ report: m.data.report, millis: m.data.millis, helpers: count });
        else reject(new Error(m.data.message));
      };
      coordinator.onerror = (e) => reject(new Error(e.message || "worker error"));
      for (let index = 0; index < count; index++) {
        const helper = start("helper.js");
        let left = null; // this helper's parts not yet done, by check
        let gone = false;
        const giveUp = () => {
          if (gone) return;
          gone = true;
          if (left === null) planned++;
          else for (const c of Object.keys(left)) pending[c] -= left[c];
          left = {};
          release();
        };
        helper.onmessage = (m) => {
          const d = m.data;
          if (gone) return;
          if (d.type === "share") {
            left = d.counts;
            for (const c of Object.keys(left)) pending[c] += left[c];
            planned++;
            release();
          } else if (d.type === "part") {
            coordinator.postMessage({ type: "known", found: d.found });
            left[d.check]--;
            pending[d.check]--;
            release();
          } else giveUp();
        };
        helper.onerror = (e) => {
          e.preventDefault();
          giveUp();
        };
        helper.postMessage({ name, files, index, count });
      }
      coordinator.postMessage({ type: "start", name, files, fingerprint, helpers: count > 0 }, files.map((f) => f.bytes));
      release();
    });
  } finally {
    for (const w of workers) w.terminate();
  }
}
