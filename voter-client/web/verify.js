// The second device's page: the code from the QR (URL fragment or pasted) → fetch the ballot (cast ballots) →
// decrypt it with the revealed randomness → show the choices, and check its receipt against the current log.
// Challenged ballots (RVC2:) are rebuilt from their code, offline. A saved receipt file can be checked against the log at any time.
import init, { Client } from "./pkg/voter_client.js";
import { pickLanguage, t, local, translatePage, renderChoices, serverError } from "./i18n.js";
import { checkReceipt, retranslateOutcomes } from "./receipt.js";

const $ = (id) => document.getElementById(id);
let lang = pickLanguage();
let manifest = null;
let client = null;
let collectorKey = null;
let challengeTracker = null;
let fetchesLeft = null;
/** The message shown (`{key, vars}` or `{text}`) and the verdict's kind (`cast`, `challenge`), kept for a
 * language switch. */
let shown = null;
let verdict = null;

function showChallengeTracker() {
  if (!challengeTracker) return;
  const el = $("challenge-tracker");
  el.textContent = t(lang, "challenge_tracker", { tracker: challengeTracker });
  el.hidden = false;
}

function message(msg) {
  shown = msg;
  const m = $("message");
  m.textContent = !msg ? "" : msg.key ? t(lang, msg.key, msg.vars || {}) : msg.text;
  m.hidden = !msg;
}

/** An error as a message: a collector's code or the network in plain words (i18n.js), else the module's reason. */
class ApiError extends Error {
  constructor(msg) { super(msg.key); this.msg = msg; }
}
const asMessage = (e) => (e instanceof ApiError ? e.msg : { key: "errors.unexpected", vars: { reason: String((e && e.message) || e) } });

async function getJson(path) {
  let r;
  try { r = await fetch(path); } catch { throw new ApiError(serverError("network", 0)); }
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(serverError(body && body.error && body.error.code, r.status));
  return body;
}

/** The ballot shown: its answers (`{Ok}` or `{Err}` each), the contests they answer (manifest indices) and its
 * district (an index, null without districts), as the module read them from the ballot or the code. */
let lastOpened = null;

function render(opened, kind) {
  lastOpened = opened;
  verdict = kind;
  renderOpened();
  renderVerdict();
  $("result").hidden = false;
  $("result").querySelector("h2").focus();
}

/** The choices, under the name of the ballot's district when the election has districts. */
function renderOpened() {
  if (!lastOpened || !manifest) return;
  const { answers, contests, district } = lastOpened;
  renderChoices($("choices"), manifest, answers, lang, contests);
  const d = district === null || district === undefined ? null : manifest.districts[district];
  $("district").hidden = !d;
  $("district").textContent = d ? t(lang, "ballot_district", { name: local(d.title, lang) }) : "";
}

/** The verdict above the choices, and what to do if they are not the voter's. */
function renderVerdict() {
  $("verdict").textContent = verdict ? t(lang, verdict === "cast" ? "verdict_cast" : "verdict_challenge") : "";
  $("not-yours").textContent = verdict === "cast" ? t(lang, "verdict_not_yours") : "";
  $("not-yours").hidden = verdict !== "cast";
}

async function check() {
  message(null);
  $("result").hidden = true;
  const code = $("code").value.trim();
  try {
    $("challenge-tracker").hidden = true;
    $("mirror-status").hidden = true;
    if (/^rvc2:/i.test(code)) {
      // A challenged ballot: rebuilt here from the code's seed and answers; the voter compares its tracker.
      const checked = JSON.parse(client.open_challenge_code(code));
      render({ ...checked, answers: checked.answers.map((a) => ({ Ok: a })) }, "challenge");
      challengeTracker = checked.tracker;
      fetchesLeft = null;
      showChallengeTracker();
      $("receipt-status").hidden = true;
      $("fetches").textContent = "";
      return;
    }
    // A cast ballot: the fetch carries a proof, made here from the code, that this device holds the code
    // (SPEC.md §8.10); nobody else can spend the voter's checks.
    const request = JSON.parse(client.fetch_request(code));
    const fetched = await getJson(`${config.collector}ballots/${request.ballot_id}?proof=${request.proof}`);
    render(JSON.parse(client.open_with_code(fetched.ballot_bytes, code)), "cast");
    fetchesLeft = fetched.fetches_left;
    $("fetches").textContent = t(lang, "fetches_left", { n: fetchesLeft });
    await checkReceipt(() => client.check_receipt(collectorKey, fetched.receipt.bytes, fetched.ballot_bytes),
      fetched.receipt, $("receipt-status"), lang);
    await checkMirrors(fetched);
  } catch (e) {
    message(asMessage(e));
  }
}

// Where the page gets what (SPEC.md §11.4 L10): served by a mirror of the log (`verifier monitor --listen --web`),
// its config.json names the collector to fetch the ballot from and lists the mirror itself ("" = this origin), so
// the collector's answer is checked against a copy of the log it does not control. Served by the collector, there
// is no config.json: everything comes from the collector, and the page says so.
let config = { collector: "", mirrors: [] };

async function loadConfig() {
  const r = await fetch("config.json").catch(() => null);
  const c = r && r.ok ? await r.json().catch(() => null) : null;
  if (c && typeof c.collector === "string" && Array.isArray(c.mirrors)) {
    config = { collector: c.collector ? c.collector.replace(/\/*$/, "/") : "", mirrors: c.mirrors.map(String) };
  }
}

/** Checks the fetched ballot's receipt against every mirror (the module's L10 check) and shows one line each. */
async function checkMirrors(fetched) {
  const box = $("mirror-status");
  box.replaceChildren();
  box.hidden = false;
  if (config.mirrors.length === 0) {
    const p = document.createElement("p");
    p.className = "check";
    p.outcome = { key: "mirror_none" };
    box.append(p);
    showMirror(p);
    return;
  }
  const credential = fetched.ballot.body.credential;
  const leaf = fetched.receipt.leaf_index;
  for (const base of config.mirrors) {
    const p = document.createElement("p");
    p.className = "check";
    box.append(p);
    const where = base || location.origin;
    try {
      const checked = client.check_receipt(collectorKey, fetched.receipt.bytes, fetched.ballot_bytes);
      try {
        let sth = await getJson(`${base}log/sth`);
        // A mirror lags the collector by its poll interval: wait a little for it to reach the ballot.
        for (let i = 0; i < 5 && sth.tree_size <= leaf; i++) {
          await new Promise((r) => setTimeout(r, 2000));
          sth = await getJson(`${base}log/sth`);
        }
        // The module reads the canonical bytes (`bytes`, LG5, LG7); no proof while the head lacks the leaf.
        const proof = sth.tree_size > leaf
          ? await getJson(`${base}log/proof/inclusion?leaf_index=${leaf}&tree_size=${sth.tree_size}`)
          : null;
        const seen = JSON.parse(checked.check_in_mirror(sth.bytes, proof ? proof.bytes : undefined));
        const mine = await getJson(`${base}log/credential/${credential}`);
        const later = (mine.leaves || []).map((l) => l.leaf_index).filter((j) => j > leaf && j < sth.tree_size);
        p.outcome = later.length
          ? { key: "mirror_superseded", vars: { where, later: Math.max(...later) + 1 } }
          : { key: "mirror_ok", vars: { where, i: seen.leaf_index + 1, n: seen.tree_size } };
      } finally {
        checked.free();
      }
    } catch (e) {
      p.outcome = { key: "mirror_warning", vars: { where, reason: String(e.message || e) } };
    }
    showMirror(p);
  }
}

function showMirror(p) {
  const o = p.outcome;
  p.textContent = t(lang, o.key, o.vars || {});
  p.className = o.key === "mirror_ok" ? "check ok" : o.key === "mirror_none" ? "check" : "check warning";
  p.setAttribute("role", o.key === "mirror_ok" || o.key === "mirror_none" ? "status" : "alert");
}

async function load() {
  translatePage(lang);
  $("lang").value = lang;
  await Promise.all([init(), loadConfig()]);
  $("module-sha").textContent = await fetch("pkg/voter_client_bg.wasm.sha256")
    .then((r) => (r.ok ? r.text() : "?")).then((s) => s.split(" ")[0]).catch(() => "?");
  const election = await getJson("election");
  // The module decodes the canonical manifest and key and recomputes the fingerprint; the page shows its manifest.
  client = new Client(election.manifest_bytes, election.public_key, election.fingerprint);
  manifest = JSON.parse(client.manifest());
  collectorKey = election.collector_key;
  if (location.hash.length > 1) {
    $("code").value = decodeURIComponent(location.hash.slice(1));
    // The code stays on this device: drop it from the address bar and history.
    history.replaceState(null, "", location.pathname);
    await check();
  }
}

$("check-form").addEventListener("submit", (e) => { e.preventDefault(); check(); });
$("receipt-file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (!file || !client) return;
  // The file the voting page offers: {receipt, tracker, ballot_id}, the receipt as the collector served it; the
  // module checks its canonical bytes (`bytes`, LG6). A file without them (saved before the collector served
  // them) is refused with that reason: `verifier receipt` reads it.
  let receipt = null;
  try { receipt = JSON.parse(await file.text()).receipt ?? null; } catch { /* not JSON: refused below */ }
  const bytes = receipt && typeof receipt.bytes === "string" ? receipt.bytes : undefined;
  await checkReceipt(() => client.check_receipt(collectorKey, bytes), receipt,
    $("receipt-import-check"), lang);
  $("receipt-import-check").focus();
});
$("lang").addEventListener("change", (e) => {
  lang = e.target.value;
  localStorage.setItem("lang", lang);
  translatePage(lang);
  retranslateOutcomes(lang);
  showChallengeTracker();
  for (const p of $("mirror-status").children) if (p.outcome) showMirror(p);
  if (fetchesLeft !== null) $("fetches").textContent = t(lang, "fetches_left", { n: fetchesLeft });
  renderOpened();
  renderVerdict();
  if (shown) message(shown);
});
load().catch((e) => message(asMessage(e)));
