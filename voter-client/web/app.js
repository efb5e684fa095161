// The voting page: credential → one screen per contest → review → encrypt → challenge or cast → receipt.
// All cryptography runs in the WASM module (voter-client); this file only drives the screens.
import init, { Client, qr_svg } from "./pkg/voter_client.js";
import { pickLanguage, t, local, translatePage, renderChoices } from "./i18n.js";
import { checkReceipt, retranslateOutcomes } from "./receipt.js";

const $ = (id) => document.getElementById(id);
const state = { lang: pickLanguage(), client: null, manifest: null, election: null, credential: null,
                contest: 0, answers: [], answerBytes: [], prepared: null };

function show(step) {
  for (const s of document.querySelectorAll("main > section")) s.hidden = s.id !== step;
  const heading = $(step).querySelector("h2");
  if (heading) heading.focus();
}

function message(text, ok = false) {
  const m = $("message");
  m.textContent = text || "";
  m.hidden = !text;
  m.className = ok ? "ok" : "";
}

async function api(path, options) {
  let response;
  try {
    response = await fetch(path, options);
  } catch {
    throw new Error(t(state.lang, "errors.network"));
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const e = body && body.error;
    throw new Error(e ? `${e.message} (${e.code})` : `HTTP ${response.status}`);
  }
  return body;
}

// ---- election and credential ----------------------------------------------------------------------

async function load() {
  translatePage(state.lang);
  $("lang").value = state.lang;
  await init();
  $("module-sha").textContent = await fetch("pkg/voter_client_bg.wasm.sha256")
    .then((r) => (r.ok ? r.text() : "?")).then((s) => s.split(" ")[0]).catch(() => "?");
  state.election = await api("election");
  // The module decodes the canonical manifest and the key and recomputes the fingerprint (refused unless it is
  // the one stated); the page shows the manifest the module decoded, which is the one the ballot encodes.
  const e = state.election;
  state.client = new Client(e.manifest_bytes, e.public_key, e.fingerprint);
  state.manifest = JSON.parse(state.client.manifest());
  $("fingerprint").textContent = state.client.fingerprint();
  renderTitle();
  show("step-credential");
}

function renderTitle() {
  const title = local(state.manifest.title, state.lang);
  $("election-title").textContent = title;
  document.title = title;
}

$("credential-file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  const text = await file.text();
  // A credential file is the 64 hex digits, possibly inside JSON ({"secret": "…"}).
  const match = text.match(/[0-9a-fA-F]{64}/);
  $("credential-code").value = match ? match[0] : text.trim();
});

$("credential-continue").addEventListener("click", () => {
  const code = $("credential-code").value.replace(/\s+/g, "");
  try {
    state.client.credential_public_key(code);
  } catch {
    message(t(state.lang, "errors.credential"));
    return;
  }
  message("");
  state.credential = code;
  state.contest = 0;
  state.answers = state.manifest.contests.map(() => ({ selections: [] }));
  state.answerBytes = [];
  renderContest();
  show("step-contest");
});

// ---- contests -----------------------------------------------------------------------------------

function candidates(contest) {
  const list = contest.options.map((o, i) => ({ value: String(i), label: local(o.title, state.lang) }));
  if (contest.write_in) list.push({ value: "w", label: t(state.lang, "write_in") });
  return list;
}

function writeInInput(id, value, maxBytes) {
  const input = document.createElement("input");
  input.type = "text";
  input.id = id;
  input.maxLength = maxBytes;
  input.value = value || "";
  input.setAttribute("aria-label", t(state.lang, "write_in"));
  return input;
}

function renderContest() {
  const contest = state.manifest.contests[state.contest];
  const answer = state.answers[state.contest];
  $("contest-title").textContent = local(contest.title, state.lang);
  $("contest-legend").textContent = local(contest.title, state.lang);
  const kind = contest.kind;
  $("contest-instructions").textContent =
    kind.type === "single_choice" ? t(state.lang, "choose_one")
    : kind.type === "approval" ? t(state.lang, "choose_between", kind)
    : t(state.lang, "rank_up_to", { n: kind.max_ranks });
  const box = $("contest-choices");
  for (const el of [...box.children]) if (el.tagName !== "LEGEND") el.remove();
  const writeIn = answer.selections.find((s) => s.write_in !== undefined);
  const selected = (value) => answer.selections.some((s) => (value === "w" ? s.write_in !== undefined : s.option === Number(value)));

  if (kind.type === "ranked") {
    const ranked = answer.selections.map((s) => (s.write_in !== undefined ? "w" : String(s.option)));
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
      select.value = ranked[r] ?? "";
      row.append(label, select);
      box.append(row);
    }
  } else {
    const type = kind.type === "single_choice" ? "radio" : "checkbox";
    for (const c of candidates(contest)) {
      const label = document.createElement("label");
      label.className = "choice";
      const input = document.createElement("input");
      input.type = type;
      input.name = "choice";
      input.value = c.value;
      input.checked = selected(c.value);
      label.append(input, document.createTextNode(c.label));
      box.append(label);
    }
  }
  if (contest.write_in) box.append(writeInInput("write-in-text", writeIn && writeIn.write_in, contest.write_in.max_bytes));
}

/** The module's refusal of a screen's choices (an Error with a `code`), in the voter's language. */
function choiceError(e, kind) {
  switch (e.code) {
    case "rank_gap": return "Ranks must be filled from 1 without gaps.";
    case "ranked_twice": return "Each candidate can be ranked once.";
    case "write_in_empty": return t(state.lang, "write_in") + ": ?";
    case "count": return kind.type === "single_choice" ? t(state.lang, "choose_one")
      : t(state.lang, "choose_between", { min: e.min, max: e.max });
    default: return String(e.message || e);
  }
}

/** Reads the current screen: the module makes the answer and its canonical bytes (SPEC.md §5.1) from the form's
 * values, by the protocol's rules; returns `{answer, bytes}` or an error text. */
function readContest() {
  const contest = state.manifest.contests[state.contest];
  const text = contest.write_in ? $("write-in-text").value : "";
  const values = contest.kind.type === "ranked"
    ? [...document.querySelectorAll("#contest-choices select")].map((s) => s.value)
    : [...document.querySelectorAll("#contest-choices input[name=choice]:checked")].map((i) => i.value);
  try {
    return JSON.parse(state.client.answer(state.contest, values, text));
  } catch (e) {
    return { error: choiceError(e, contest.kind) };
  }
}

$("contest-next").addEventListener("click", () => {
  const { answer, bytes, error } = readContest();
  if (error) return message(error);
  message("");
  state.answers[state.contest] = answer;
  state.answerBytes[state.contest] = bytes;
  if (state.contest + 1 < state.manifest.contests.length) {
    state.contest += 1;
    renderContest();
    show("step-contest");
  } else {
    renderChoices($("review-list"), state.manifest, state.answers.map((a) => ({ Ok: a })), state.lang);
    show("step-review");
  }
});

$("contest-back").addEventListener("click", () => {
  message("");
  if (state.contest === 0) return show("step-credential");
  state.contest -= 1;
  renderContest();
  show("step-contest");
});

$("review-back").addEventListener("click", () => { renderContest(); show("step-contest"); });

// ---- encrypt, challenge, cast ---------------------------------------------------------------------

function encrypt() {
  try {
    state.prepared = state.client.encrypt(state.credential, state.answerBytes);
  } catch (e) {
    return message(String(e.message || e));
  }
  $("encrypted-tracker").textContent = state.prepared.tracker();
  show("step-encrypted");
}

$("review-encrypt").addEventListener("click", encrypt);
$("challenge-again").addEventListener("click", encrypt);

// A challenge reveals the ballot's seed and answers (SPEC.md §8.9) and the ballot is dropped, never signed: a
// challenged ballot can never be cast. The QR code carries the short RVC2 code for another device.
$("do-challenge").addEventListener("click", () => {
  const report = JSON.parse(state.prepared.challenge(state.client));
  state.prepared = null;
  state.challengeTracker = report.tracker;
  renderChoices($("challenge-choices"), state.manifest, report.answers.map((a) => ({ Ok: a })), state.lang);
  $("challenge-help").textContent = t(state.lang, "challenge_help", { tracker: report.tracker });
  const link = `${location.origin}${location.pathname.replace(/[^/]*$/, "")}verify.html#${report.code}`;
  $("challenge-qr").innerHTML = qr_svg(link);
  $("challenge-verify-link").href = link;
  show("step-challenge");
});

$("do-cast").addEventListener("click", async () => {
  const button = $("do-cast");
  button.disabled = true;
  const prepared = state.prepared;
  try {
    const cast = JSON.parse(prepared.cast(state.credential));
    state.prepared = null;
    const receipt = await api("ballots", {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(cast.ballot),
    });
    $("cast-tracker").textContent = cast.tracker;
    $("cast-leaf").textContent = String(receipt.leaf_index);
    const minutes = Math.round(state.manifest.verification.window_seconds / 60);
    $("second-device-help").textContent = t(state.lang, "second_device_help", { minutes });
    const link = `${location.origin}${location.pathname.replace(/[^/]*$/, "")}verify.html#${cast.second_device_code}`;
    $("cast-qr").innerHTML = qr_svg(link);
    $("cast-verify-link").href = link;
    // The saved file: the collector's receipt as served, its canonical bytes (`bytes`, LG6) included.
    const file = new Blob([JSON.stringify({ receipt, tracker: cast.tracker, ballot_id: cast.ballot_id }, null, 2)],
      { type: "application/json" });
    $("receipt-download").href = URL.createObjectURL(file);
    message("");
    show("step-cast");
    // The receipt is checked here, in the module, before the voter leaves: signature, inclusion, this ballot's,
    // and that the current public log extends it.
    await checkReceipt(() => state.client.check_receipt(state.election.collector_key, receipt.bytes, cast.ballot_hex),
      receipt, $("receipt-check"), state.lang);
  } catch (e) {
    message(String(e.message || e));
    show("step-review");
  } finally {
    button.disabled = false;
  }
});

$("vote-again").addEventListener("click", () => {
  state.contest = 0;
  renderContest();
  show("step-contest");
});

$("lang").addEventListener("change", (e) => {
  state.lang = e.target.value;
  localStorage.setItem("lang", state.lang);
  translatePage(state.lang);
  retranslateOutcomes(state.lang);
  if (state.manifest) { renderTitle(); renderContest(); }
  if (state.challengeTracker) $("challenge-help").textContent = t(state.lang, "challenge_help", { tracker: state.challengeTracker });
});

load().catch((e) => message(String(e.message || e)));
