// The in-browser verifier's page: takes the record (a chosen folder, or the address of a published record whose
// index.json lists its files) and the fingerprint (from the link's #fp=…, or typed), hands them to the worker
// (worker.js), shows each check as it is reported, then the report. The page sets data-state on <body> to
// "verifying", "passed", "failed" or "error" (tests and the timing script read it, and data-verify-millis).
import { TEXTS, CHECKS, pickLanguage, t, translatePage } from "./i18n.js";
import { runVerification } from "./run.js";
import { unzip, ZipError, MAX_BYTES } from "./zip.js";

const $ = (id) => document.getElementById(id);
let lang = pickLanguage();
let lastReport = null;
let lastMillis = 0;
let downloadUrl = null;

/** A failure already said in the page's words (a bad address, a file that could not be downloaded). */
class Said extends Error {}

function params() {
  const out = new URLSearchParams(location.hash.replace(/^#/, ""));
  // helpers=N (0–8): how many helper workers to start (by default one per core; 0 verifies in one worker).
  const helpers = /^[0-8]$/.test(out.get("helpers") ?? "") ? Number(out.get("helpers")) : undefined;
  return { fp: out.get("fp") ?? "", record: out.get("record") ?? "", helpers };
}

function setLanguage(l) {
  lang = TEXTS[l] ? l : "en";
  localStorage.setItem("lang", lang);
  $("lang").value = lang;
  translatePage(lang);
  document.title = t(lang, "title");
  if (lastReport) showReport(lastReport, lastMillis);
  renderProgressList();
}

function message(text) {
  $("message").textContent = text;
  $("message").hidden = !text;
}

// Progress: one row per check, its state as reported.
const states = new Map();
function renderProgressList() {
  const ol = $("checks");
  ol.textContent = "";
  for (const id of CHECKS) {
    const li = document.createElement("li");
    const st = states.get(id) ?? "pending";
    const idEl = document.createElement("span");
    idEl.className = "id";
    idEl.textContent = id;
    const status = document.createElement("span");
    status.className = `st-${st}`;
    status.textContent = t(lang, `status_${st}`);
    li.append(idEl, `${t(lang, `checks.${id}`)}: `, status);
    ol.append(li);
  }
}

function onCheck(check) {
  states.set(check.id, check.status);
  const done = CHECKS.filter((id) => states.has(id) && states.get(id) !== "running").length;
  const next = CHECKS.find((id) => !states.has(id));
  if (next) states.set(next, "running");
  $("bar").value = done;
  $("status").textContent = next
    ? t(lang, "running", { id: next, name: t(lang, `checks.${next}`), done, total: CHECKS.length })
    : "";
  renderProgressList();
}

/** The record's files from the chosen folder: paths relative to the folder that holds index.json (the chosen one,
 * or the one folder inside it that holds it). */
async function folderFiles(list) {
  const all = Array.from(list).map((f) => ({ file: f, parts: f.webkitRelativePath.split("/") }));
  const indexes = all.filter((f) => f.parts[f.parts.length - 1] === "index.json").map((f) => f.parts.length);
  const depth = indexes.length ? Math.min(...indexes) - 1 : 1;
  const root = all.find((f) => f.parts.length === depth + 1 && f.parts[depth] === "index.json");
  const prefix = root ? root.parts.slice(0, depth).join("/") + "/" : (all[0]?.parts[0] ?? "") + "/";
  const chosen = all.filter((f) => f.file.webkitRelativePath.startsWith(prefix));
  $("status").textContent = t(lang, "reading", { n: chosen.length });
  const files = await Promise.all(chosen.map(async (f) => ({
    path: f.file.webkitRelativePath.slice(prefix.length), bytes: await f.file.arrayBuffer() })));
  return { name: prefix.replace(/\/$/, ""), files };
}

/** The record's files from a chosen .zip file (zip.js), paths inside the record's folder; a zip the page cannot
 * or must not read is refused in words. */
async function zipFiles(file) {
  const status = (done, n) => { $("status").textContent = t(lang, "unpacking", { done, n }); };
  status(0, "…");
  try {
    return { name: file.name, files: await unzip(file, status) };
  } catch (e) {
    if (!(e instanceof ZipError)) throw e;
    const mb = (bytes) => Math.ceil(bytes / 2 ** 20);
    throw new Said(t(lang, `zip_${e.code}`, { ...e.vars, name: file.name, size: mb(e.vars.size ?? 0), limit: mb(MAX_BYTES) }));
  }
}

/** A published record's files: index.json, then every file it lists, from the folder at `address`. */
async function urlFiles(address) {
  let base;
  try {
    base = new URL(address.endsWith("/") ? address : `${address}/`, location.href);
    if (!/^https?:$/.test(base.protocol)) throw new Error(base.protocol);
  } catch (e) {
    throw new Said(t(lang, "bad_url", { reason: e.message }));
  }
  const get = async (path) => {
    let r;
    try {
      r = await fetch(new URL(path, base), { cache: "no-store" });
    } catch (e) {
      throw new Said(t(lang, "fetch_failed", { what: path, reason: e.message }));
    }
    if (!r.ok) throw new Said(t(lang, "fetch_failed", { what: path, reason: `HTTP ${r.status}` }));
    return r.arrayBuffer();
  };
  const indexBytes = await get("index.json");
  let paths;
  try {
    paths = JSON.parse(new TextDecoder().decode(indexBytes)).entries.map((e) => String(e.path));
  } catch (e) {
    paths = [];
  }
  const files = [{ path: "index.json", bytes: indexBytes }];
  let done = 0;
  $("status").textContent = t(lang, "downloading", { done, n: paths.length });
  const queue = [...paths];
  const workers = Array.from({ length: 6 }, async () => {
    while (queue.length) {
      const path = queue.shift();
      files.push({ path, bytes: await get(path) });
      done++;
      $("status").textContent = t(lang, "downloading", { done, n: paths.length });
    }
  });
  await Promise.all(workers);
  return { name: base.href, files };
}

function cell(tr, text, cls, attrs = {}) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  for (const [k, v] of Object.entries(attrs)) td.setAttribute(k, v);
  tr.append(td);
}

function showReport(report, millis) {
  const passed = report.passed === true;
  const pinned = report.election?.pinned === true;
  const v = $("verdict");
  v.className = passed && pinned ? "check ok" : "check warning";
  v.textContent = passed
    ? t(lang, pinned ? "passed" : "passed_unpinned", { n: report.checks.length })
    : t(lang, "failed", { failed: (report.failed.length ? report.failed : report.checks.filter((c) => c.status !== "pass").map((c) => c.id)).join(", ") });
  const dl = $("election");
  dl.textContent = "";
  if (report.election) {
    for (const [key, value] of [["election_id", report.election.election_id], ["fingerprint", report.election.fingerprint]]) {
      const dt = document.createElement("dt");
      dt.textContent = t(lang, key);
      const dd = document.createElement("dd");
      const code = document.createElement("code");
      code.textContent = value;
      dd.append(code);
      dl.append(dt, dd);
    }
  }
  const tbody = $("table").querySelector("tbody");
  tbody.textContent = "";
  for (const c of report.checks) {
    const tr = document.createElement("tr");
    tr.dataset.id = c.id;
    tr.dataset.status = c.status;
    if (c.status === "fail") tr.className = "fail";
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = c.id;
    tr.append(th);
    cell(tr, t(lang, `checks.${c.id}`) === `checks.${c.id}` ? c.name : t(lang, `checks.${c.id}`));
    cell(tr, t(lang, `status_${c.status}`), `st-${c.status}`);
    cell(tr, `${c.millis.toFixed(1)} ms`, "time");
    const detail = c.status === "pass" ? c.note : c.status === "fail" ? c.reason : t(lang, "waits_for", { ids: c.waited_for });
    cell(tr, detail, "detail", c.status === "not_run" ? {} : { lang: "en" });
    tbody.append(tr);
  }
  $("proven-title").hidden = $("proven").hidden = !report.proven.length;
  for (const [id, items] of [["proven", report.proven], ["trusted", report.trusted]]) {
    const ul = $(id);
    ul.textContent = "";
    for (const item of items) {
      const li = document.createElement("li");
      li.textContent = item;
      ul.append(li);
    }
  }
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = URL.createObjectURL(new Blob([JSON.stringify(report, null, 2)], { type: "application/json" }));
  $("download").href = downloadUrl;
  $("status").textContent = t(lang, "done", { total: report.checks.length, seconds: (millis / 1000).toFixed(1) });
  $("report").hidden = false;
}

async function verify(event) {
  event.preventDefault();
  message("");
  if (typeof Worker === "undefined" || typeof WebAssembly === "undefined") return message(t(lang, "no_worker"));
  const folder = $("folder").files;
  const zip = $("zip").files[0];
  const address = $("url").value.trim();
  if (!folder.length && !zip && !address) return message(t(lang, "no_record"));
  const fingerprint = $("fp").value.trim();
  $("verify").disabled = true;
  $("report").hidden = true;
  lastReport = null;
  globalThis.verificationReport = null;
  states.clear();
  $("bar").value = 0;
  $("progress-section").hidden = false;
  renderProgressList();
  document.body.dataset.state = "verifying";
  try {
    const { name, files } = folder.length ? await folderFiles(folder) : zip ? await zipFiles(zip) : await urlFiles(address);
    $("status").textContent = t(lang, "loading_module");
    states.set("V1", "running");
    renderProgressList();
    const result = await runVerification({ name, files, fingerprint, onCheck, helpers: params().helpers });
    lastReport = result.report;
    lastMillis = result.millis;
    globalThis.verificationReport = result.report;
    document.body.dataset.verifyMillis = String(result.millis);
    document.body.dataset.helpers = String(result.helpers);
    document.body.dataset.helperMillis = JSON.stringify(result.busy);
    showReport(result.report, result.millis);
    document.body.dataset.state = result.report.passed ? "passed" : "failed";
    $("report-title").focus();
  } catch (e) {
    const text = String(e.message || e);
    message(e instanceof Said ? text
      : text.includes("hex digits") ? t(lang, "bad_fp", { reason: text }) : t(lang, "failed_run", { reason: text }));
    document.body.dataset.state = "error";
    $("progress-section").hidden = true;
  } finally {
    $("verify").disabled = false;
  }
}

const given = params();
if (given.fp) {
  $("fp").value = given.fp;
  $("fp-from-link").hidden = false;
}
if (given.record) $("url").value = given.record;
$("lang").addEventListener("change", (e) => setLanguage(e.target.value));
$("form").addEventListener("submit", verify);
// One record at a time: choosing a folder clears the zip, and the other way round.
$("folder").addEventListener("change", () => { if ($("folder").files.length) $("zip").value = ""; });
$("zip").addEventListener("change", () => { if ($("zip").files.length) $("folder").value = ""; });
setLanguage(lang);
document.body.dataset.state = "ready";
