// The voting page: the voting period → credential → one screen per contest → review → encrypt → challenge or cast
// → receipt. All cryptography runs in the WASM module (voter-client); this file only drives the screens. Each
// screen is a browser history entry, so the Back button goes to the previous screen and keeps the choices. Every
// text comes from i18n.js, in the voter's language, and is shown again in another language when the voter
// switches.
import init, { Client, qr_svg, check_credential } from "./pkg/voter_client.js";
import { pickLanguage, t, local, translatePage, renderChoices, serverError, choiceError, credentialError,
         formatDate, periodStatus } from "./i18n.js";
import { checkReceipt, retranslateOutcomes } from "./receipt.js";

const $ = (id) => document.getElementById(id);
const state = {
  lang: pickLanguage(), client: null, manifest: null, election: null, credential: null,
  // The voter's district (its index in the manifest; null in an election without districts, SPEC.md §4.1), as
  // the collector's registry gives it for the credential (`GET /voters/{key}`), and the contests of its ballot
  // (manifest indices, in manifest order, from the module: SPEC.md §8.2). `contest` is a position in `contests`.
  district: null, contests: [],
  contest: 0,
  // Per contest of the ballot: what the form holds (`{values, text}`, kept even when not yet valid), and the
  // checked answer and its canonical bytes once "Next" accepted it.
  raw: [], answers: [], answerBytes: [],
  prepared: null, challenge: null, cast: null, revote: false, step: "step-loading",
  msg: null, retry: null,
};
const LOAD_TIMEOUT_MS = 20000;

// ---- screens, history, messages --------------------------------------------------------------------------

/** Shows a screen. `push`: a new browser history entry (the voter's own step forward). */
function show(step, { push = true, focus = true } = {}) {
  state.step = step;
  for (const s of document.querySelectorAll("main > section")) s.hidden = s.id !== step;
  const voting = ["step-contest", "step-review", "step-encrypted"].includes(step);
  $("revote-notice").hidden = !(state.revote && voting);
  renderDistrict();
  const entry = { step, contest: state.contest };
  if (push) history.pushState(entry, "");
  else history.replaceState(entry, "");
  const heading = $(step).querySelector("h2");
  if (focus && heading) heading.focus();
}

/** Shows a message (`key` of i18n.js with `vars`, or `text` already translated) and, with `retry`, a button
 * that runs it again. Kept in `state.msg` so that a language switch translates it. */
function message(msg, retry = null) {
  state.msg = msg;
  state.retry = retry;
  renderMessage();
}

function renderMessage() {
  const m = $("message");
  const msg = state.msg;
  m.hidden = !msg;
  $("retry-box").hidden = !state.retry;
  $("message-text").textContent = !msg ? "" : msg.key ? t(state.lang, msg.key, msg.vars || {}) : msg.text;
}

/** An error of the collector or of the network, as a message: `{key, vars}` (see i18n.js `serverError`). */
class ApiError extends Error {
  constructor(code, status) {
    super(code || `HTTP ${status}`);
    this.code = code;
    this.status = status;
  }
}

async function api(path, options = {}) {
  let response;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), LOAD_TIMEOUT_MS);
  try {
    response = await fetch(path, { ...options, signal: abort.signal });
  } catch {
    throw new ApiError("network", 0);
  } finally {
    clearTimeout(timer);
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(body && body.error && body.error.code, response.status);
  return body;
}

/** What to tell the voter about an error: a collector's code, the network, or the module's refusal. */
function errorMessage(e) {
  if (e instanceof ApiError) return serverError(e.code, e.status);
  return { key: "errors.unexpected", vars: { reason: String((e && e.message) || e) } };
}

const retryable = (e) => e instanceof ApiError && (e.code === "network" || e.status >= 500 || e.status === 408 || e.status === 429);

// ---- election, voting period and credential ------------------------------------------------------------

async function load() {
  message(null);
  translatePage(state.lang);
  $("lang").value = state.lang;
  show("step-loading", { push: false, focus: false });
  try {
    await init();
    $("module-sha").textContent = await fetch("pkg/voter_client_bg.wasm.sha256")
      .then((r) => (r.ok ? r.text() : "?")).then((s) => s.split(" ")[0]).catch(() => "?");
    state.election = await api("election");
    // The module decodes the canonical manifest and the key and recomputes the fingerprint (refused unless it
    // is the one stated); the page shows the manifest the module decoded, which is the one the ballot encodes.
    const e = state.election;
    state.client = new Client(e.manifest_bytes, e.public_key, e.fingerprint);
    state.manifest = JSON.parse(state.client.manifest());
  } catch (e) {
    // The collector does not answer (or answers nonsense): say so, with a button to try again.
    message(errorMessage(e), load);
    return;
  }
  $("fingerprint").textContent = state.client.fingerprint();
  renderTitle();
  const fragment = new URLSearchParams(location.hash.slice(1)).get("c");
  if (fragment) {
    // A printed letter's QR code carries the credential in the fragment (never sent to a server): fill the box,
    // and drop it from the address bar and the history.
    $("credential-code").value = fragment;
    history.replaceState(null, "", location.pathname + location.search);
  }
  if (renderPeriod() !== "open") show("step-closed", { push: false });
  else show("step-credential", { push: false });
}

function renderTitle() {
  if (!state.manifest) return;
  const title = local(state.manifest.title, state.lang);
  $("election-title").textContent = title;
  document.title = title;
}

/** The voting period, first thing on the page; a closed or not yet open election shows only this. Returns the
 * status: `open`, `not_open` or `closed` (SPEC.md §4: `closes_at` itself is still open). */
function renderPeriod() {
  if (!state.manifest) return "open";
  const p = state.manifest.voting_period;
  const status = periodStatus(p, Date.now());
  const opens = formatDate(p.opens_at, state.lang);
  const closes = formatDate(p.closes_at, state.lang);
  const el = $("period");
  el.hidden = false;
  el.className = status === "open" ? "notice" : "notice warning";
  el.textContent = t(state.lang, `period_${status}`, { opens, closes });
  $("closed-title").textContent = t(state.lang, `closed_title_${status}`);
  $("closed-help").textContent = t(state.lang, `closed_help_${status}`, { opens, closes });
  return status;
}

$("credential-file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  const text = await file.text();
  // A credential file holds the text form (SPEC.md §8.1), possibly inside JSON ({"credential": "…"}).
  const match = text.match(/[0-9A-Za-z]{4}(?:[- ]?[0-9A-Za-z]{4}){13}/);
  $("credential-code").value = match ? match[0] : text.trim();
});

// The credential shown in its groups of 4 (as printed) once typed or pasted; the module ignores dashes and spaces.
$("credential-code").addEventListener("change", (e) => {
  const bare = e.target.value.replace(/[\s-]/g, "").toUpperCase();
  if (bare) e.target.value = bare.match(/.{1,4}/g).join("-");
});

const hasDistricts = () => (state.manifest.districts || []).length > 0;

/** In an election with districts, the credential's district from the collector's registry (`GET /voters/{K}`,
 * K the credential's public key, never the credential itself): `{district}`, or `{error}` (a message) for a
 * credential that is not registered, a collector that cannot be reached, or an answer that names no district of
 * this election. Without districts there is nothing to ask: `{district: null}`. */
async function lookUpDistrict(grouped) {
  if (!hasDistricts()) return { district: null };
  let answer;
  try {
    answer = await api(`voters/${state.client.credential_public_key(grouped)}`);
  } catch (e) {
    return { error: errorMessage(e), retry: retryable(e) };
  }
  const d = answer && answer.district;
  const known = Number.isInteger(d) && state.manifest.districts[d] && state.manifest.districts[d].id === answer.district_id;
  if (!known) return { error: { key: "errors.no_district" } };
  return { district: d };
}

async function submitCredential() {
  const input = $("credential-code");
  let grouped;
  try {
    // Checked here, by the module, before any ballot is filled: length, characters and check group.
    grouped = check_credential(input.value);
  } catch (e) {
    input.setAttribute("aria-invalid", "true");
    message(credentialError(e));
    input.focus();
    return;
  }
  input.value = grouped;
  const button = $("credential-continue");
  button.disabled = true;
  const found = await lookUpDistrict(grouped);
  button.disabled = false;
  if (found.error) {
    // An unknown credential is the voter's to fix (a mistyped letter): the field is marked; a collector that
    // does not answer gets a button to try again.
    if (!found.retry) input.setAttribute("aria-invalid", "true");
    message(found.error, found.retry ? submitCredential : null);
    input.focus();
    return;
  }
  input.removeAttribute("aria-invalid");
  message(null);
  // The ballot's contests: the district's, by the module (every contest without districts). A voter who comes
  // back with a credential of another district starts that district's ballot afresh.
  let contests;
  try {
    contests = Array.from(state.client.ballot_contests(found.district ?? undefined));
  } catch (e) {
    message(errorMessage(e));
    return;
  }
  if (state.raw.length === 0 || found.district !== state.district) {
    state.raw = contests.map(() => ({ values: [], text: "" }));
    state.answers = [];
    state.answerBytes = [];
  }
  state.district = found.district;
  state.contests = contests;
  state.credential = grouped;
  state.contest = 0;
  renderContest();
  show("step-contest");
}

$("credential-form").addEventListener("submit", (event) => {
  event.preventDefault();
  submitCredential();
});

/** "Your district: North" above the ballot, in an election with districts, once the district is known. */
function renderDistrict() {
  const el = $("district");
  const d = state.district;
  const shown = d !== null && state.manifest && state.step !== "step-credential" && state.step !== "step-closed";
  el.hidden = !shown;
  el.textContent = shown ? t(state.lang, "your_district", { name: local(state.manifest.districts[d].title, state.lang) }) : "";
}

// ---- contests -----------------------------------------------------------------------------------

function candidates(contest) {
  const list = contest.options.map((o, i) => ({ value: String(i), label: local(o.title, state.lang) }));
  if (contest.write_in) list.push({ value: "w", label: t(state.lang, "write_in") });
  return list;
}

/** The contest on the current screen (the `state.contest`th of the ballot). */
const currentContest = () => state.manifest.contests[state.contests[state.contest]];

/** The current screen's form values, kept whether valid or not (Back, a language switch, history). */
function captureContest() {
  if (state.step !== "step-contest" || !state.manifest || !state.contests.length) return;
  const contest = currentContest();
  const values = contest.kind.type === "ranked" || contest.kind.type === "graded"
    ? [...document.querySelectorAll("#contest-options select")].map((s) => s.value)
    : [...document.querySelectorAll("#contest-options input[name=choice]:checked")].map((i) => i.value);
  state.raw[state.contest] = { values, text: contest.write_in ? $("write-in-text").value : "" };
}

const utf8 = new TextEncoder();

/** "N of M bytes left" under the write-in box, counted as the voter types (the limit is in bytes, SPEC.md §4.3). */
function renderWriteInCount() {
  const contest = currentContest();
  if (!contest.write_in) return;
  const max = contest.write_in.max_bytes;
  const used = utf8.encode($("write-in-text").value).length;
  const el = $("write-in-count");
  el.className = used > max ? "hint over" : "hint";
  el.textContent = used > max
    ? t(state.lang, "write_in_over", { over: used - max, max })
    : t(state.lang, "write_in_left", { left: max - used, max });
}

function renderContest() {
  const contest = currentContest();
  const raw = state.raw[state.contest];
  const title = local(contest.title, state.lang);
  $("contest-title").textContent = title;
  $("contest-legend").textContent = title;
  $("contest-position").textContent = t(state.lang, "contest_position",
    { i: state.contest + 1, n: state.contests.length });
  const kind = contest.kind;
  const lists = contest.lists || [];
  $("contest-instructions").textContent =
    kind.type === "single_choice" ? t(state.lang, lists.length ? "choose_one_of_lists" : "choose_one")
    : kind.type === "approval" ? t(state.lang, "choose_between", kind)
    : kind.type === "graded" ? t(state.lang, "grade_each")
    : t(state.lang, "rank_up_to", { n: kind.max_ranks });
  const box = $("contest-options");
  box.replaceChildren();
  if (kind.type === "graded") {
    // One select per option, in option order: its grade (SPEC.md §5.1); the grades best first.
    contest.options.forEach((o, k) => {
      const row = document.createElement("div");
      row.className = "rank-row";
      const label = document.createElement("label");
      label.htmlFor = `grade-${k}`;
      label.textContent = local(o.title, state.lang);
      const select = document.createElement("select");
      select.id = `grade-${k}`;
      select.append(new Option(t(state.lang, "none"), ""));
      contest.grades.forEach((g, i) => select.append(new Option(local(g, state.lang), String(i))));
      select.value = raw.values[k] ?? "";
      row.append(label, select);
      box.append(row);
    });
  } else if (kind.type === "ranked") {
    for (let r = 0; r < kind.max_ranks; r++) {
      const row = document.createElement("div");
      row.className = "rank-row";
      const label = document.createElement("label");
      label.htmlFor = `rank-${r}`;
      label.textContent = t(state.lang, "rank", { n: r + 1 });
      const select = document.createElement("select");
      select.id = `rank-${r}`;
      select.append(new Option(t(state.lang, "none"), ""));
      for (const c of candidates(contest)) select.append(new Option(c.label, c.value));
      select.value = raw.values[r] ?? "";
      row.append(label, select);
      box.append(row);
    }
  } else {
    const type = kind.type === "single_choice" ? "radio" : "checkbox";
    const all = candidates(contest);
    // A party-list contest (SPEC.md §4.1): its candidates under their lists' names, lists in manifest order.
    const grouped = lists.length
      ? lists.flatMap((l) => [{ heading: local(l.title, state.lang) },
        ...all.filter((c) => contest.options[Number(c.value)]?.list === l.id)])
      : all;
    grouped.forEach((c, k) => {
      if (c.heading !== undefined) {
        const h = document.createElement("p");
        h.className = "list-heading";
        h.textContent = c.heading;
        box.append(h);
        return;
      }
      const label = document.createElement("label");
      label.className = "choice";
      const input = document.createElement("input");
      input.type = type;
      input.name = "choice";
      input.id = `choice-${k}`;
      input.value = c.value;
      input.checked = raw.values.includes(c.value);
      label.htmlFor = input.id;
      label.append(input, document.createTextNode(c.label));
      box.append(label);
    });
  }
  $("write-in").hidden = !contest.write_in;
  $("write-in-text").value = raw.text || "";
  renderWriteInCount();
}

$("write-in-text").addEventListener("input", renderWriteInCount);

/** Reads the current screen: the module makes the answer and its canonical bytes (SPEC.md §5.1) from the form's
 * values, by the protocol's rules; returns `{answer, bytes}` or `{error}` (a message). */
function readContest() {
  captureContest();
  const contest = currentContest();
  const raw = state.raw[state.contest];
  if (contest.write_in && utf8.encode(raw.text).length > contest.write_in.max_bytes) {
    return { error: { key: "choice_errors.write_in_long", vars: { max: contest.write_in.max_bytes } } };
  }
  try {
    return JSON.parse(state.client.answer(state.contests[state.contest], raw.values, raw.text));
  } catch (e) {
    return { error: choiceError(e, contest) };
  }
}

$("contest-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const { answer, bytes, error } = readContest();
  if (error) return message(error);
  message(null);
  state.answers[state.contest] = answer;
  state.answerBytes[state.contest] = bytes;
  if (state.contest + 1 < state.contests.length) {
    state.contest += 1;
    renderContest();
    show("step-contest");
  } else {
    renderReview();
    show("step-review");
  }
});

function renderReview() {
  renderChoices($("review-list"), state.manifest, state.answers.map((a) => ({ Ok: a })), state.lang, state.contests);
}

// The page's Back buttons are the browser's: one history entry per screen.
$("contest-back").addEventListener("click", () => history.back());
$("review-back").addEventListener("click", () => history.back());

/** The browser's Back and Forward: the screen of that history entry, with the choices kept. A screen that no
 * longer makes sense (an encrypted ballot already cast or challenged) shows the review instead. */
window.addEventListener("popstate", (event) => {
  const entry = event.state;
  if (!entry || !state.manifest) return;
  captureContest();
  message(null);
  const complete = state.contests.length > 0 && state.answerBytes.length === state.contests.length &&
    state.answerBytes.every(Boolean);
  let step = entry.step;
  if (step !== "step-closed" && step !== "step-loading" && renderPeriod() !== "open") step = "step-closed";
  else if (step !== "step-credential" && step !== "step-closed" && !state.credential) step = "step-credential";
  else if (step === "step-encrypted" && !state.prepared) step = complete ? "step-review" : "step-credential";
  else if (step === "step-challenge" && !state.challenge) step = "step-review";
  else if (step === "step-cast" && !state.cast) step = "step-review";
  else if (step === "step-review" && !complete) step = "step-contest";
  if (step === "step-contest") {
    state.contest = Math.min(entry.contest ?? 0, state.contests.length - 1);
    renderContest();
  }
  if (step === "step-review") renderReview();
  show(step, { push: false });
});

// ---- encrypt, challenge, cast ---------------------------------------------------------------------

function encrypt() {
  try {
    // For the voter's district (none without districts): the ballot holds exactly its contests (SPEC.md §8.2).
    state.prepared = state.client.encrypt(state.credential, state.district ?? undefined, state.answerBytes);
  } catch (e) {
    return message(errorMessage(e));
  }
  message(null);
  state.challenge = null;
  $("encrypted-tracker").textContent = state.prepared.tracker();
  show("step-encrypted");
}

$("review-encrypt").addEventListener("click", encrypt);
$("challenge-again").addEventListener("click", encrypt);

/** Puts a QR code of `link` into `box`, with a text alternative (an image with its name, WCAG 1.1.1). */
function renderQr(box, link, labelKey) {
  box.innerHTML = qr_svg(link);
  const svg = box.querySelector("svg");
  svg.setAttribute("role", "img");
  svg.dataset.tLabel = labelKey;
  svg.setAttribute("aria-label", t(state.lang, labelKey));
}

const verifyLink = (code) => `${location.origin}${location.pathname.replace(/[^/]*$/, "")}verify.html#${code}`;

// A challenge reveals the ballot's seed and answers (SPEC.md §8.9) and the ballot is dropped, never signed: a
// challenged ballot can never be cast. The QR code carries the short RVC2 code for another device.
$("do-challenge").addEventListener("click", () => {
  if (!state.prepared) return;
  const report = JSON.parse(state.prepared.challenge(state.client));
  state.prepared = null;
  state.challenge = report;
  renderChallenge();
  const link = verifyLink(report.code);
  renderQr($("challenge-qr"), link, "qr_challenge");
  $("challenge-verify-link").href = link;
  show("step-challenge");
});

function renderChallenge() {
  if (!state.challenge) return;
  renderChoices($("challenge-choices"), state.manifest, state.challenge.answers.map((a) => ({ Ok: a })), state.lang,
    state.contests);
  $("challenge-help").textContent = t(state.lang, "challenge_help", { tracker: state.challenge.tracker });
}

$("do-cast").addEventListener("click", () => {
  const prepared = state.prepared;
  if (!prepared) return;
  let cast;
  try {
    // Signed here; the same signed ballot is posted again by "Try again" (casting is idempotent).
    cast = JSON.parse(prepared.cast(state.credential));
  } catch (e) {
    return message(errorMessage(e));
  }
  state.prepared = null;
  post(cast);
});

/** Posts a signed ballot. While a post failed and may be tried again, the encrypted screen's buttons stay off:
 * the ballot is signed, so it can no longer be challenged, and "Try again" sends the same one. */
async function post(cast) {
  const buttons = [$("do-cast"), $("do-challenge")];
  for (const b of buttons) b.disabled = true;
  message({ key: "casting" });
  let receipt;
  try {
    receipt = await api("ballots", {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(cast.ballot),
    });
  } catch (e) {
    // Nothing was cast (or, for a network failure, perhaps it was: posting the same ballot again is safe).
    if (retryable(e)) message(errorMessage(e), () => post(cast));
    else {
      for (const b of buttons) b.disabled = false;
      message(errorMessage(e));
      renderReview();
      show("step-review");
    }
    return;
  }
  for (const b of buttons) b.disabled = false;
  state.cast = { ...cast, receipt, answers: state.answers.slice(), contests: state.contests.slice(), revote: state.revote };
  renderCast();
  const minutes = Math.round(state.manifest.verification.window_seconds / 60);
  $("second-device-help").dataset.minutes = String(minutes);
  const link = verifyLink(cast.second_device_code);
  renderQr($("cast-qr"), link, "qr_cast");
  $("cast-verify-link").href = link;
  // The saved file: the collector's receipt as served, its canonical bytes (`bytes`, LG6) included.
  const file = new Blob([JSON.stringify({ receipt, tracker: cast.tracker, ballot_id: cast.ballot_id }, null, 2)],
    { type: "application/json" });
  $("receipt-download").href = URL.createObjectURL(file);
  message(null);
  show("step-cast");
  // The receipt is checked here, in the module, before the voter leaves: signature, inclusion, this ballot's,
  // and that the current public log extends it.
  await checkReceipt(() => state.client.check_receipt(state.election.collector_key, receipt.bytes, cast.ballot_hex),
    receipt, $("receipt-check"), state.lang);
}

/** The cast page's texts: what was recorded, the tracker to keep, when and where to check it was counted. */
function renderCast() {
  const c = state.cast;
  if (!c) return;
  $("cast-title").textContent = t(state.lang, c.revote ? "cast_title_revote" : "cast_title");
  $("cast-replaces").hidden = !c.revote;
  renderChoices($("cast-choices"), state.manifest, c.answers.map((a) => ({ Ok: a })), state.lang, c.contests);
  $("cast-tracker").textContent = c.tracker;
  $("cast-leaf").textContent = String(c.receipt.leaf_index);
  $("counted-help").textContent = t(state.lang, "counted_help",
    { closes: formatDate(state.manifest.voting_period.closes_at, state.lang), tracker: c.tracker });
  $("second-device-help").textContent = t(state.lang, "second_device_help",
    { minutes: Math.round(state.manifest.verification.window_seconds / 60) });
}

// Vote again: a new ballot from empty choices (nothing of the last one pre-selected), which replaces it.
$("vote-again").addEventListener("click", () => {
  state.revote = true;
  state.raw = state.contests.map(() => ({ values: [], text: "" }));
  state.answers = [];
  state.answerBytes = [];
  state.challenge = null;
  state.contest = 0;
  message(null);
  renderContest();
  show("step-contest");
});

$("retry").addEventListener("click", () => { if (state.retry) state.retry(); });

// ---- language ---------------------------------------------------------------------------------------

$("lang").addEventListener("change", (e) => {
  captureContest();
  state.lang = e.target.value;
  localStorage.setItem("lang", state.lang);
  translatePage(state.lang);
  retranslateOutcomes(state.lang);
  renderMessage();
  if (!state.manifest) return;
  renderTitle();
  renderPeriod();
  renderDistrict();
  if (state.step === "step-contest") renderContest();
  if (state.answers.length) renderReview();
  renderChallenge();
  renderCast();
});

load().catch((e) => message(errorMessage(e), load));
