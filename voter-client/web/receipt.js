// The receipt check on the voting page (after casting) and the verification page (second device, saved receipt
// file). Every check runs in the WASM module, on the canonical bytes the collector serves beside each object's
// JSON fields (`bytes`, SPEC.md §11.3.1): `Client.check_receipt` checks the receipt (§11.4 L6, L2, L5, L3, and that
// it is the ballot's), `CheckedReceipt.check_in_log` the current signed tree head (L1, L6) and the consistency
// proof from the receipt's tree to it (L4). This file only fetches what the module asks for (the JSON fields say
// which sizes to ask for) and shows the outcome.
import { t, serverError } from "./i18n.js";

async function getLog(path) {
  const lang = document.documentElement.lang;
  let r;
  try { r = await fetch(path); } catch { throw new Error(t(lang, "errors.log_unreachable")); }
  const body = await r.json().catch(() => null);
  if (!r.ok) {
    const m = serverError(body && body.error && body.error.code, r.status);
    throw new Error(t(lang, m.key, m.vars || {}));
  }
  return body;
}

/** Runs the whole check of `receipt` (the collector's receipt object) and shows its outcome in `el`.
 * `makeChecked` returns the module's CheckedReceipt for it (or throws). */
export async function checkReceipt(makeChecked, receipt, el, lang) {
  showOutcome(el, { pending: true }, lang);
  let outcome;
  try {
    const checked = makeChecked();
    try {
      // A mirror lags the collector by its poll interval: a head still smaller than the receipt's tree is asked
      // again for a few seconds before the module is left to call the log truncated.
      let sth = await getLog("log/sth");
      for (let i = 0; i < 5 && sth.tree_size < receipt.tree_size; i++) {
        await new Promise((r) => setTimeout(r, 2000));
        sth = await getLog("log/sth");
      }
      // A head smaller than the receipt's tree is refused by the module (truncated log); no proof is asked for.
      const proof = sth.tree_size >= receipt.tree_size
        ? await getLog(`log/proof/consistency?first=${receipt.tree_size}&second=${sth.tree_size}`)
        : null;
      outcome = { ok: JSON.parse(checked.check_in_log(sth.bytes, proof ? proof.bytes : undefined)) };
    } finally {
      checked.free();
    }
  } catch (e) {
    outcome = { error: String(e.message || e) };
  }
  showOutcome(el, outcome, lang);
  return outcome;
}

/** Shows an outcome (`{pending}`, `{ok: InLog}` or `{error}`) in `el`, in `lang`; kept on `el` for a language change. */
export function showOutcome(el, outcome, lang) {
  el.outcome = outcome;
  el.hidden = false;
  el.className = outcome.ok ? "check ok" : outcome.error ? "check warning" : "check";
  el.setAttribute("role", outcome.error ? "alert" : "status");
  el.textContent = outcome.ok
    // Positions counted as people count: the first ballot is ballot 1.
    ? t(lang, "receipt_in_log", { tracker: outcome.ok.tracker, i: outcome.ok.leaf_index + 1, n: outcome.ok.tree_size })
    : outcome.error ? t(lang, "receipt_warning", { reason: outcome.error }) : t(lang, "receipt_checking");
}

/** Shows again, in `lang`, every outcome shown so far. */
export function retranslateOutcomes(lang) {
  for (const el of document.querySelectorAll(".check")) if (el.outcome) showOutcome(el, el.outcome, lang);
}
