// End-to-end browser test of the voting page against a real collector and PostgreSQL (scripts/browser-test.sh
// starts them). Drives Debian's Chromium with playwright-core, saves a screenshot of every step, and prints the
// in-browser ballot benchmark. Environment: COLLECTOR_URL, ELECTION_DIR (a `collector dev-election` directory),
// SCREENSHOTS (folder), CLOSE_CMD (a shell command that closes the election, run near the end).
import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { execSync } from "node:child_process";
import assert from "node:assert/strict";

const url = process.env.COLLECTOR_URL ?? "http://127.0.0.1:8080";
const dir = process.env.ELECTION_DIR;
const shots = process.env.SCREENSHOTS ?? "target/browser-screenshots";
mkdirSync(shots, { recursive: true });
const voters = JSON.parse(readFileSync(`${dir}/voters.json`, "utf8"));
let passed = 0, failed = 0, step = 0;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
});

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.stack || e}`);
  }
}

async function shot(page, name) {
  step++;
  await page.screenshot({ path: `${shots}/${String(step).padStart(2, "0")}-${name}.png`, fullPage: true });
}

async function newPage(width = 1024) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.errors = errors;
  return page;
}

const visible = (page, id) => page.locator(`#${id}`).isVisible();

/** Votes: mayor = option 1, budget = options 0 and 2, council = ranks [2, write-in "Zed"]. */
async function fillBallot(page, credential) {
  await page.fill("#credential-code", credential);
  await page.click("#credential-continue");
  await page.waitForSelector("#step-contest:not([hidden])");
  await shot(page, "contest-single-choice");
  await page.check('#contest-choices input[value="1"]');
  await page.click("#contest-next");
  await shot(page, "contest-approval");
  await page.check('#contest-choices input[value="0"]');
  await page.check('#contest-choices input[value="2"]');
  await page.click("#contest-next");
  await shot(page, "contest-ranked");
  await page.selectOption("#rank-0", "2");
  await page.selectOption("#rank-1", "w");
  await page.fill("#write-in-text", "Zed");
  await page.click("#contest-next");
  await page.waitForSelector("#step-review:not([hidden])");
  await shot(page, "review");
}

let castCode = null;
let receiptFile = null;

await check("vote, challenge once, cast, receipt", async () => {
  const page = await newPage();
  await page.goto(url + "/");
  await page.waitForSelector("#step-credential:not([hidden])");
  await shot(page, "credential");
  assert.match(await page.textContent("#fingerprint"), /^[0-9a-f]{64}$/);
  assert.match(await page.textContent("#module-sha"), /^[0-9a-f]{64}$/);
  await fillBallot(page, voters[0]);
  await page.click("#review-encrypt");
  await page.waitForSelector("#step-encrypted:not([hidden])");
  await shot(page, "encrypted");
  const shownBefore = await page.textContent("#encrypted-tracker");
  // Benaloh challenge: the opened ballot shows exactly the choices made.
  await page.click("#do-challenge");
  await page.waitForSelector("#step-challenge:not([hidden])");
  await shot(page, "challenged");
  const opened = await page.textContent("#challenge-choices");
  for (const expected of ["Bob Kask", "Park", "Bike lanes", "1. Fay", "2. Zed"]) assert.ok(opened.includes(expected), opened);
  assert.ok(await page.locator("#challenge-qr svg").count() === 1);
  assert.ok((await page.textContent("#challenge-help")).includes(shownBefore));
  const challengeLink = await page.getAttribute("#challenge-verify-link", "href");
  const challengeCode = decodeURIComponent(challengeLink.split("#")[1]);
  assert.match(challengeCode, /^RVC2:[0-9A-F]+$/);
  assert.ok(challengeCode.length < 260, `${challengeCode.length} characters`);
  // The QR code is small enough for a phone camera to read off a phone screen (version ≤ 11: ≤ 61 modules + the
  // quiet zone).
  const modules = Number((await page.getAttribute("#challenge-qr svg", "viewBox")).split(" ")[2]);
  assert.ok(modules <= 61 + 8, `${modules} modules with the quiet zone`);
  // The challenged ballot checks out on "another device": the verification page rebuilds it from the code and
  // shows the same tracker, in English, Estonian and French.
  const other = await newPage(390);
  await other.goto(`${url}/verify.html#${challengeCode}`);
  await other.waitForSelector("#result:not([hidden])");
  await shot(other, "challenge-checked-on-phone");
  assert.ok((await other.textContent("#choices")).includes("Bob Kask"));
  assert.ok((await other.textContent("#challenge-tracker")).includes(shownBefore));
  for (const [lang, words] of [["et", "jälgimiskood"], ["fr", "code de suivi"], ["en", "tracker"]]) {
    await other.selectOption("#lang", lang);
    const text = await other.textContent("#challenge-tracker");
    assert.ok(text.includes(words) && text.includes(shownBefore), text);
    if (lang !== "en") await shot(other, `challenge-checked-${lang}`);
  }
  assert.deepEqual(other.errors, []);
  await other.context().close();
  // A challenged ballot is never signed: nothing the page revealed can be posted as a ballot. The collector
  // refuses the challenge code itself, whatever the content type.
  const posted = await fetch(`${url}/ballots`, { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify(challengeCode) });
  assert.ok(posted.status >= 400 && posted.status < 500, `${posted.status}`);
  // Encrypt afresh and cast.
  await page.click("#challenge-again");
  await page.waitForSelector("#step-encrypted:not([hidden])");
  await page.click("#do-cast");
  await page.waitForSelector("#step-cast:not([hidden])");
  // The module checks the receipt and the current log before the voter leaves.
  await page.waitForSelector("#receipt-check.ok, #receipt-check.warning");
  await shot(page, "cast-receipt");
  const tracker = await page.textContent("#cast-tracker");
  assert.match(tracker, /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/);
  assert.match(await page.textContent("#cast-leaf"), /^\d+$/);
  const leaf = await page.textContent("#cast-leaf");
  const checkText = await page.textContent("#receipt-check");
  assert.equal(await page.getAttribute("#receipt-check", "class"), "check ok", checkText);
  assert.ok(checkText.includes(`${tracker} is in the public ballot log: leaf ${leaf} of `), checkText);
  // The receipt file as the voter downloads it, for the import test below.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#receipt-download")]);
  receiptFile = readFileSync(await download.path(), "utf8");
  const link = await page.getAttribute("#cast-verify-link", "href");
  castCode = decodeURIComponent(link.split("#")[1]);
  assert.match(castCode, /^RV2:[0-9A-F]{192}$/);
  const castModules = Number((await page.getAttribute("#cast-qr svg", "viewBox")).split(" ")[2]);
  console.log(`QR codes (modules a side, with the 4-module quiet zone): cast ${castModules}, challenge ${modules}`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

await check("second device: verification page shows the cast choices", async () => {
  const phone = await newPage(390);
  await phone.goto(`${url}/verify.html#${castCode}`);
  await phone.waitForSelector("#result:not([hidden])");
  await phone.waitForSelector("#receipt-status.ok, #receipt-status.warning");
  await shot(phone, "second-device");
  const text = await phone.textContent("#choices");
  for (const expected of ["Bob Kask", "Park", "Bike lanes", "Fay", "Zed"]) assert.ok(text.includes(expected), text);
  await phone.waitForSelector("#receipt-status.ok, #receipt-status.warning");
  assert.match(await phone.textContent("#receipt-status"), /is in the public ballot log: leaf \d+ of \d+/);
  assert.ok(!phone.url().includes("#"), "the code is dropped from the address bar");
  // Served by the collector, the page says that no independent copy of the log was consulted.
  assert.match(await phone.textContent("#mirror-status"), /not checked against an independent copy/);
  await phone.context().close();
});

const mirrorUrl = process.env.MIRROR_URL;
await check("second device from the mirror's origin: the collector's answer checked against the mirror", async () => {
  assert.ok(mirrorUrl, "MIRROR_URL is set by scripts/browser-test.sh");
  // The mirror polls every second: wait until its verified copy holds the cast ballot.
  const leaf = Number(JSON.parse(receiptFile).receipt.leaf_index);
  for (let i = 0; i < 100; i++) {
    const head = await fetch(`${mirrorUrl}/log/sth`).then((r) => (r.ok ? r.json() : null)).catch(() => null);
    if (head && head.tree_size > leaf) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const phone = await newPage(390);
  await phone.goto(`${mirrorUrl}/verify.html#${castCode}`);
  await phone.waitForSelector("#result:not([hidden])");
  await phone.waitForSelector("#mirror-status .check.ok, #mirror-status .check.warning");
  await shot(phone, "second-device-mirror");
  const text = await phone.textContent("#mirror-status");
  assert.match(text, new RegExp(`at ${mirrorUrl.replace(/[.]/g, "\\.")} confirms it: your ballot is number ${leaf + 1} of \\d+`), text);
  assert.ok((await phone.textContent("#choices")).includes("Bob Kask"));
  for (const [lang, words] of [["et", "sõltumatu koopia"], ["fr", "copie indépendante"]]) {
    await phone.selectOption("#lang", lang);
    assert.ok((await phone.textContent("#mirror-status")).includes(words), lang);
    await shot(phone, `second-device-mirror-${lang}`);
  }
  assert.deepEqual(phone.errors, []);
  await phone.context().close();
});

await check("receipt import: the saved receipt shows the ballot in the log; a tampered one is refused", async () => {
  const saved = JSON.parse(receiptFile);
  const phone = await newPage(390);
  await phone.goto(`${url}/verify.html`);
  await phone.waitForSelector("#check");
  await phone.waitForFunction(() => document.getElementById("module-sha").textContent !== "…");
  const load = async (text) => {
    await phone.setInputFiles("#receipt-file", { name: "receipt.json", mimeType: "application/json", buffer: Buffer.from(text) });
    await phone.waitForSelector("#receipt-import-check.ok, #receipt-import-check.warning");
    return { cls: await phone.getAttribute("#receipt-import-check", "class"), text: await phone.textContent("#receipt-import-check") };
  };
  let r = await load(receiptFile);
  await shot(phone, "receipt-import-ok");
  assert.equal(r.cls, "check ok", r.text);
  assert.ok(r.text.includes(`${saved.tracker} is in the public ballot log: leaf ${saved.receipt.leaf_index} of `), r.text);
  // The module reads the receipt's canonical bytes (SPEC.md §11.3.1 LG6): tampering changes them. A byte of the
  // bytes, hex, xor-ed with 1.
  const flip = (hex, byte) => hex.slice(0, 2 * byte) + (parseInt(hex.slice(2 * byte, 2 * byte + 2), 16) ^ 1)
    .toString(16).padStart(2, "0") + hex.slice(2 * byte + 2);
  // Tampered: another leaf index (the signature no longer verifies), in French. LG6: the leaf index's last byte
  // is byte 111 (fingerprint, ballot id, ballot hash, accepted_at, then leaf_index).
  await phone.selectOption("#lang", "fr");
  const tampered = { ...saved, receipt: { ...saved.receipt, leaf_index: saved.receipt.leaf_index ^ 1,
    bytes: flip(saved.receipt.bytes, 111) } };
  await phone.setInputFiles("#receipt-file", []);
  r = await load(JSON.stringify(tampered));
  await shot(phone, "receipt-import-tampered-fr");
  assert.equal(r.cls, "check warning", r.text);
  assert.match(r.text, /^Attention : ce reçu n’a pas pu être vérifié \(.*L2: the receipt signature does not verify/);
  // Tampered inclusion proof, in English; and a file that is not a receipt.
  await phone.selectOption("#lang", "en");
  if (saved.receipt.inclusion.length) {
    // The path's last hash's last byte is the bytes' last.
    const bytes = flip(saved.receipt.bytes, saved.receipt.bytes.length / 2 - 1);
    await phone.setInputFiles("#receipt-file", []);
    r = await load(JSON.stringify({ ...saved, receipt: { ...saved.receipt, bytes } }));
    assert.match(r.text, /^Warning: this receipt could not be verified \(.*L3: the inclusion proof/);
  }
  // A receipt file without the canonical bytes (saved before the collector served them) is refused here, with
  // that reason.
  const { bytes: _, ...old } = saved.receipt;
  await phone.setInputFiles("#receipt-file", []);
  r = await load(JSON.stringify({ ...saved, receipt: old }));
  assert.match(r.text, /^Warning: this receipt could not be verified \(the receipt is not valid: it carries no canonical bytes/);
  await phone.setInputFiles("#receipt-file", []);
  r = await load("not a receipt");
  await shot(phone, "receipt-import-not-a-receipt");
  assert.equal(r.cls, "check warning", r.text);
  assert.match(r.text, /^Warning: this receipt could not be verified \(the receipt is not valid/);
  assert.deepEqual(phone.errors, []);
  await phone.context().close();
});

await check("vote again: the new ballot replaces the old", async () => {
  const page = await newPage();
  await page.goto(url + "/");
  await page.waitForSelector("#step-credential:not([hidden])");
  await page.fill("#credential-code", voters[0]);
  await page.click("#credential-continue");
  await page.check('#contest-choices input[value="2"]');
  await page.click("#contest-next");
  await page.click("#contest-next");
  await page.selectOption("#rank-0", "0");
  await page.click("#contest-next");
  await page.click("#review-encrypt");
  await page.click("#do-cast");
  await page.waitForSelector("#step-cast:not([hidden])");
  await shot(page, "revote-receipt");
  const link = await page.getAttribute("#cast-verify-link", "href");
  const phone = await newPage(390);
  await phone.goto(link);
  await phone.waitForSelector("#result:not([hidden])");
  await shot(phone, "revote-second-device");
  assert.ok((await phone.textContent("#choices")).includes("Carol Saar"));
  await phone.context().close();
  await page.context().close();
});

await check("bad input: wrong credential, unreachable collector", async () => {
  const page = await newPage();
  await page.goto(url + "/");
  await page.waitForSelector("#step-credential:not([hidden])");
  await page.fill("#credential-code", "not a credential");
  await page.click("#credential-continue");
  await page.waitForSelector("#message:not([hidden])");
  await shot(page, "wrong-credential");
  assert.match(await page.textContent("#message"), /64 hexadecimal/);
  // An unregistered (but well-formed) credential is refused by the collector.
  await fillBallot(page, "11".repeat(32));
  await page.click("#review-encrypt");
  await page.click("#do-cast");
  await page.waitForSelector("#message:not([hidden])");
  await shot(page, "unknown-credential");
  assert.match(await page.textContent("#message"), /unknown_credential/);
  // The network fails: a clear message, and nothing is cast.
  await page.route("**/ballots", (route) => route.abort("connectionrefused"));
  await page.click("#review-encrypt");
  await page.click("#do-cast");
  await page.waitForSelector("#message:not([hidden])");
  await shot(page, "collector-unreachable");
  assert.match(await page.textContent("#message"), /cannot be reached/);
  await page.context().close();
});

await check("benchmark: a 3-contest ballot in the browser", async () => {
  const page = await newPage();
  await page.goto(url + "/");
  await page.waitForSelector("#step-credential:not([hidden])");
  const ms = await page.evaluate(async (credential) => {
    const m = await import("./pkg/voter_client.js");
    const e = await (await fetch("election")).json();
    const c = new m.Client(e.manifest_bytes, e.public_key, e.fingerprint);
    // The answers' canonical bytes (SPEC.md §5.1), hex: option 2 | options 0, 3 | option 1, the write-in "Zoë".
    const answers = ["010002", "0200000003", "020001ffff045a6fc3ab"];
    c.benchmark(credential, answers, 5);
    return c.benchmark(credential, answers, 100);
  }, voters[1]);
  const size = (await (await fetch(`${url}/pkg/voter_client_bg.wasm`)).arrayBuffer()).byteLength;
  console.log(`BENCH browser ballot (3 contests, encode+encrypt+prove+sign): ${ms.toFixed(3)} ms; WASM ${size} bytes`);
  assert.ok(ms > 0);
  assert.ok(size <= 300 * 1024, `the WASM module is ${size} bytes, over 300 KB`);
  await page.context().close();
});

await check("closed election: a clear message", async () => {
  if (!process.env.CLOSE_CMD) return;
  execSync(process.env.CLOSE_CMD, { stdio: "inherit" });
  const page = await newPage();
  await page.goto(url + "/");
  await page.waitForSelector("#step-credential:not([hidden])");
  await fillBallot(page, voters[2]);
  await page.click("#review-encrypt");
  await page.click("#do-cast");
  await page.waitForSelector("#message:not([hidden])");
  await shot(page, "election-closed");
  assert.match(await page.textContent("#message"), /election_closed/);
  await page.context().close();
});

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
