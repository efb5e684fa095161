// Browser test of the in-browser verifier (verifier-web/web/, its WASM module built by
// scripts/build-verifier-web.sh). Serves the page with the collector's strict Content-Security-Policy from a small
// server of its own (which also serves the honest record, for the "address of a published record" path), drives
// Debian's Chromium with playwright-core, and checks, against `verifier verify --json` of the same records run here:
//   - the honest record (chosen as a folder, fingerprint from the link's #fp=…) passes with the same report;
//   - the same record by its address passes with the same report;
//   - the same record as one .zip file (deflated as `zip -r` makes it, and stored) passes with the same report; a
//     zip with a `../x` path, and a password-protected one, are refused in words;
//   - a tampered copy fails, at the same check, with the same report (ids, verdicts, reasons, failure kinds);
//   - a wrong pinned fingerprint fails V2 as on the command line; a malformed one is refused in words;
//   - axe-core (WCAG 2.1 A and AA, best practices) finds nothing in English, Estonian and French;
//   - every text key exists in the three languages.
// Screenshots go to SCREENSHOTS. Environment: RECORD (an honest record of the example manifest), VERIFIER (the
// command-line verifier), WEB (the page's folder), SCREENSHOTS. The tampered copy is made here: the first contest's
// count in result.json changed, and index.json re-chained over it (SPEC.md §13), as a dishonest tally would.
import { harness, launch } from "./harness.mjs";
import { readFileSync, writeFileSync, mkdtempSync, existsSync, statSync, cpSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { join, normalize, extname, resolve, sep, dirname, basename } from "node:path";
import assert from "node:assert/strict";

const record = resolve(process.env.RECORD);
const work = mkdtempSync(join(tmpdir(), "verify-record-"));
const tampered = join(work, "tampered");
const verifierBin = resolve(process.env.VERIFIER ?? "target/debug/verifier");
const web = resolve(process.env.WEB ?? "verifier-web/web");
const shots = process.env.SCREENSHOTS ?? "target/browser-screenshots";
const h = harness(shots, "verify-");
const { check, shot, axe } = h;
const { TEXTS } = await import(resolve(web, "i18n.js"));

const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css",
  ".wasm": "application/wasm", ".json": "application/json" };

/** Serves `web` at / and the honest record at /record/, regular files only, never outside either folder. */
const server = createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  const [root, rel] = url.pathname.startsWith("/record/")
    ? [record, url.pathname.slice("/record/".length)] : [web, url.pathname.slice(1) || "index.html"];
  const path = normalize(join(root, decodeURIComponent(rel)));
  if (!path.startsWith(root + sep) || !existsSync(path) || !statSync(path).isFile()) {
    res.writeHead(404, { "Content-Security-Policy": CSP }).end("not found");
    return;
  }
  res.writeHead(200, { "Content-Type": TYPES[extname(path)] ?? "application/octet-stream",
    "Content-Security-Policy": CSP, "Cache-Control": "no-cache" });
  res.end(readFileSync(path));
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const base = `http://127.0.0.1:${server.address().port}`;




async function axeAllLanguages(page, name) {
  for (const lang of ["en", "et", "fr"]) {
    await page.selectOption("#lang", lang);
    assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
    await axe(page, name);
    await shot(page, `${name}-${lang}`);
  }
  await page.selectOption("#lang", "en");
}

/** `verifier verify --json` of `dir` (with `--fingerprint fp` when given). */
function cli(dir, fp) {
  const args = ["verify", "--json", ...(fp ? ["--fingerprint", fp] : []), dir];
  try {
    return JSON.parse(execFileSync(verifierBin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
  } catch (e) {
    if (e.stdout) return JSON.parse(e.stdout);
    throw e;
  }
}

/** The report without what differs by nature: its subject (a directory, a folder's name) and each check's time. */
function comparable(report) {
  const r = structuredClone(report);
  delete r.subject;
  for (const c of r.checks) delete c.millis;
  return r;
}

/** Opens the page (with `hash`), gives it `dir` as the chosen folder, `zip` as the chosen .zip file, or `address`,
 * verifies, returns the report. */
async function verifyInPage(page, { hash = "", dir, zip, address, fp }) {
  await page.goto("about:blank"); // a fresh page load, even where only the #fragment differs
  await page.goto(`${base}/index.html${hash}`);
  await page.waitForSelector("body[data-state=ready]");
  if (dir) await page.setInputFiles("#folder", dir);
  if (zip) await page.setInputFiles("#zip", zip);
  if (address) await page.fill("#url", address);
  if (fp !== undefined) await page.fill("#fp", fp);
  await page.click("#verify");
  await page.waitForSelector("body[data-state=passed], body[data-state=failed], body[data-state=error]",
    { timeout: 600_000 });
  return page.evaluate(() => ({ state: document.body.dataset.state, report: globalThis.verificationReport ?? null,
    message: document.getElementById("message").textContent, millis: Number(document.body.dataset.verifyMillis),
    helpers: Number(document.body.dataset.helpers), cores: navigator.hardwareConcurrency }));
}

/** A copy of `from` at `to` whose result says another count, with the index's digests and chain recomputed
 * (SPEC.md §13: chain₀ = SHA-256(domain ‖ fingerprint), chainᵢ = SHA-256(domain ‖ chainᵢ₋₁ ‖ len(path) ‖ path ‖
 * sha256)), so that only the count check can see it. */
function makeTampered(from, to) {
  cpSync(from, to, { recursive: true });
  const result = JSON.parse(readFileSync(join(to, "result.json"), "utf8"));
  const tallies = result.contests[0].tallies;
  [tallies[0][1], tallies[1][1]] = [tallies[1][1], tallies[0][1]];
  writeFileSync(join(to, "result.json"), JSON.stringify(result, null, 2));
  const index = JSON.parse(readFileSync(join(to, "index.json"), "utf8"));
  const domain = Buffer.from("rv/record-chain/v1");
  let chain = createHash("sha256").update(domain).update(Buffer.from(index.fingerprint, "hex")).digest();
  for (const e of index.entries) {
    const sha = createHash("sha256").update(readFileSync(join(to, e.path))).digest();
    const len = Buffer.alloc(4);
    len.writeUInt32BE(Buffer.byteLength(e.path));
    chain = createHash("sha256").update(domain).update(chain).update(len).update(Buffer.from(e.path)).update(sha).digest();
    e.sha256 = sha.toString("hex");
    e.chain = chain.toString("hex");
  }
  writeFileSync(join(to, "index.json"), JSON.stringify(index, null, 2));
}
makeTampered(record, tampered);

// The record zipped as an observer would: `zip -r record.zip record/` (deflated, one leading folder), and stored.
const zipped = join(work, "record.zip");
const stored = join(work, "stored.zip");
execFileSync("zip", ["-q", "-r", zipped, `${basename(record)}/`], { cwd: dirname(record) });
execFileSync("zip", ["-q", "-r", "-0", stored, `${basename(record)}/`], { cwd: dirname(record) });
// A zip whose path leaves its folder, and a password-protected one.
const evil = join(work, "evil.zip");
execFileSync("python3", ["-c", `import zipfile, sys
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("record/index.json", "{}")
    z.writestr("../x", "x")`, evil]);
const locked = join(work, "locked.zip");
execFileSync("zip", ["-q", "-r", "-P", "secret", locked, `${basename(record)}/`], { cwd: dirname(record) });

const browser = await launch();
const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
const page = await context.newPage();
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(String(e)));
page.on("console", (m) => { if (m.type() === "error") pageErrors.push(m.text()); });

const honestCli = cli(record, undefined);
const fp = honestCli.election.fingerprint;
const honestPinned = cli(record, fp);
assert.equal(honestPinned.passed, true, "the honest record passes `verifier verify`");
const tamperedCli = cli(tampered, fp);
assert.equal(tamperedCli.passed, false, "the tampered copy fails `verifier verify`");

await check("every text key exists in English, Estonian and French", () => {
  const keys = (o, p = "") => Object.entries(o).flatMap(([k, v]) => typeof v === "object" ? keys(v, `${p}${k}.`) : [`${p}${k}`]);
  const en = keys(TEXTS.en).sort();
  for (const lang of ["et", "fr"]) assert.deepEqual(keys(TEXTS[lang]).sort(), en, lang);
});

await check("the empty page is accessible in en/et/fr", async () => {
  await page.goto(`${base}/index.html#fp=${fp}`);
  await page.waitForSelector("body[data-state=ready]");
  assert.equal(await page.inputValue("#fp"), fp, "the fingerprint comes from the link");
  assert.ok(await page.isVisible("#fp-from-link"), "the page says where the fingerprint came from");
  await axeAllLanguages(page, "start");
});

await check("nothing chosen: the page says what to give", async () => {
  await page.click("#verify");
  const text = await page.textContent("#message");
  assert.match(text, /Choose the record's folder/);
});

await check("the honest record, chosen as a folder, passes with the command line's report", async () => {
  const r = await verifyInPage(page, { hash: `#fp=${fp}`, dir: record });
  assert.equal(r.state, "passed", r.message);
  assert.deepEqual(comparable(r.report), comparable(honestPinned));
  const rows = await page.$$eval("#table tbody tr", (trs) => trs.map((tr) => `${tr.dataset.id}:${tr.dataset.status}`));
  assert.deepEqual(rows, honestPinned.checks.map((c) => `${c.id}:pass`));
  assert.match(await page.textContent("#verdict"), /all 13 checks passed/);
  assert.equal(await page.$$eval("#trusted li", (l) => l.length), honestPinned.trusted.length);
  assert.equal(await page.$$eval("#checks li .st-pass", (l) => l.length), 13, "progress shows every check passed");
  assert.equal(r.helpers, r.cores > 1 ? Math.min(r.cores, 8) : 0, "one helper worker per core");
  console.log(`     in-browser verification of the honest record: ${r.millis.toFixed(0)} ms, ${r.helpers} helper workers`);
  await axeAllLanguages(page, "passed");
});

await check("without helper workers (#helpers=0), and with three, the same report", async () => {
  for (const helpers of [0, 3]) {
    const r = await verifyInPage(page, { hash: `#fp=${fp}&helpers=${helpers}`, dir: record });
    assert.equal(r.state, "passed", r.message);
    assert.equal(r.helpers, helpers);
    assert.deepEqual(comparable(r.report), comparable(honestPinned));
  }
});

await check("the honest record by its address passes with the command line's report", async () => {
  const r = await verifyInPage(page, { hash: `#fp=${fp}&record=${encodeURIComponent(`${base}/record/`)}` });
  assert.equal(r.state, "passed", r.message);
  assert.deepEqual(comparable(r.report), comparable(honestPinned));
  assert.equal(r.report.subject, `election record ${base}/record/`);
});

await check("the honest record as one .zip file (deflated, then stored) passes with the command line's report", async () => {
  for (const zip of [zipped, stored]) {
    const r = await verifyInPage(page, { hash: `#fp=${fp}`, zip });
    assert.equal(r.state, "passed", `${basename(zip)}: ${r.message}`);
    assert.deepEqual(comparable(r.report), comparable(honestPinned), basename(zip));
    assert.equal(r.report.subject, `election record ${basename(zip)}`);
  }
});

await check("a zip with a path leaving its folder (../x) is refused in words", async () => {
  const r = await verifyInPage(page, { hash: `#fp=${fp}`, zip: evil });
  assert.equal(r.state, "error");
  assert.equal(r.report, null, "nothing was verified");
  assert.match(r.message, /evil\.zip holds a file whose path leads outside its folder \(\.\.\/x\)/);
  assert.match(r.message, /do not use this file/);
  await axe(page, "zip-refused");
  await shot(page, "zip-refused");
});

await check("a password-protected zip is refused in words, in the page's language", async () => {
  await page.goto(`${base}/index.html`);
  await page.waitForSelector("body[data-state=ready]");
  await page.selectOption("#lang", "et"); // kept (localStorage) by the next load
  const r = await verifyInPage(page, { zip: locked });
  assert.equal(r.state, "error");
  assert.match(r.message, /locked\.zip on parooliga kaitstud/);
  await page.selectOption("#lang", "en");
});

await check("the tampered copy fails at the same check as the command line, with the same report", async () => {
  const r = await verifyInPage(page, { hash: `#fp=${fp}`, dir: tampered });
  assert.equal(r.state, "failed", r.message);
  assert.deepEqual(r.report.failed, tamperedCli.failed);
  assert.deepEqual(comparable(r.report), comparable(tamperedCli));
  const first = tamperedCli.failed[0];
  const row = await page.$eval(`#table tbody tr[data-id="${first}"]`, (tr) => tr.dataset.status);
  assert.equal(row, "fail");
  assert.match(await page.textContent("#verdict"), new RegExp(`NOT verified: ${tamperedCli.failed.join(", ")} failed`));
  console.log(`     tampered copy fails ${tamperedCli.failed.join(", ")} (command line: ${tamperedCli.failed.join(", ")})`);
  const alone = await verifyInPage(page, { hash: `#fp=${fp}&helpers=0`, dir: tampered });
  assert.deepEqual(comparable(alone.report), comparable(tamperedCli), "the same report without helper workers");
  await axeAllLanguages(page, "failed");
});

await check("a wrong pinned fingerprint fails V2, as on the command line", async () => {
  const wrong = fp.replace(/^./, (c) => (c === "0" ? "1" : "0"));
  const expected = cli(record, wrong);
  const r = await verifyInPage(page, { dir: record, fp: wrong });
  assert.equal(r.state, "failed", r.message);
  assert.deepEqual(r.report.failed, ["V2"]);
  assert.deepEqual(comparable(r.report), comparable(expected));
});

await check("a malformed fingerprint is refused in words, in the page's language", async () => {
  await page.goto(`${base}/index.html`);
  await page.waitForSelector("body[data-state=ready]");
  await page.selectOption("#lang", "fr"); // kept (localStorage) by the next load
  const r = await verifyInPage(page, { dir: record, fp: "12345" });
  assert.equal(r.state, "error");
  assert.match(r.message, /L’empreinte n’est pas correcte/);
  assert.match(r.message, /64 lower-case hex digits/);
  await axe(page, "bad-fingerprint");
  await shot(page, "bad-fingerprint-fr");
  await page.selectOption("#lang", "en");
});

await check("a phone's width keeps the report readable", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  const r = await verifyInPage(page, { hash: `#fp=${fp}`, dir: tampered });
  assert.equal(r.state, "failed");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow} px wider than the phone`);
  await shot(page, "failed-phone");
});

await check("no script error on the page", () => assert.deepEqual(pageErrors, []));

await browser.close();
server.close();
rmSync(work, { recursive: true, force: true });
console.log(`\n${h.passed} passed, ${h.failed} failed`);
process.exit(h.failed ? 1 : 0);
