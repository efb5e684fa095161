// End-to-end browser test of the voting page against a real collector and PostgreSQL (scripts/browser-test.sh
// starts them). Drives Debian's Chromium with playwright-core, saves a screenshot of every step, runs axe-core
// (WCAG 2.1 A and AA, and axe's best practices) on every page state in English, Estonian and French and fails on
// any violation, and prints the in-browser ballot benchmark. Environment: COLLECTOR_URL, ELECTION_DIR (a
// `collector dev-election` directory), OTHER_VOTERS (a voters.json of credentials that are not registered),
// SCREENSHOTS (folder), CLOSE_CMD (a shell command that closes the election, run near the end); for the election
// with districts, DISTRICTS_URL (its collector) and DISTRICTS_DIR (its `collector dev-election --districts`
// directory: credentials.json entries `{key, district}`, voters.json the secrets in the same order).
import { harness, launch } from "./harness.mjs";
import { readFileSync } from "node:fs";
import { execSync } from "node:child_process";
import assert from "node:assert/strict";


const url = process.env.COLLECTOR_URL ?? "http://127.0.0.1:8080";
const dir = process.env.ELECTION_DIR;
const shots = process.env.SCREENSHOTS ?? "target/browser-screenshots";
const h = harness(shots, "");
const { check, shot, axe } = h;
const voters = JSON.parse(readFileSync(`${dir}/voters.json`, "utf8"));
const unregistered = process.env.OTHER_VOTERS ? JSON.parse(readFileSync(process.env.OTHER_VOTERS, "utf8")) : [];

const browser = await launch();




/** axe on this state in English, Estonian and French (switching the language, which must keep everything and
 * translate everything), a screenshot in each; back to English at the end. */
async function states(page, name) {
  for (const lang of ["en", "et", "fr"]) {
    await page.selectOption("#lang", lang);
    assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
    await axe(page, name);
    await shot(page, `${name}-${lang}`);
  }
  await page.selectOption("#lang", "en");
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

/** Votes: mayor = option 1, budget = options 0 and 2, council = ranks [2, write-in "Zed"]. With `audit`, runs
 * axe on each screen in the three languages and checks that a language switch keeps the choices. */
async function fillBallot(page, credential, audit = false) {
  await page.fill("#credential-code", credential);
  // A real form: Enter in the box submits it.
  await page.press("#credential-code", "Enter");
  await page.waitForSelector("#step-contest:not([hidden])");
  // An election without districts: no district shown, every contest on the ballot.
  assert.ok(await page.isHidden("#district"));
  assert.match(await page.textContent("#contest-position"), / 1\D+3$/, "question 1 of 3");
  await page.check('#contest-choices input[value="1"]');
  if (audit) await states(page, "contest-single-choice");
  assert.ok(await page.isChecked('#contest-choices input[value="1"]'), "a language switch keeps the choice");
  await page.click("#contest-next");
  await page.check('#contest-choices input[value="0"]');
  await page.check('#contest-choices input[value="2"]');
  if (audit) await states(page, "contest-approval");
  await page.click("#contest-next");
  await page.selectOption("#rank-0", "2");
  await page.selectOption("#rank-1", "w");
  await page.fill("#write-in-text", "Zed");
  if (audit) {
    // The write-in's limit is told in bytes as the voter types, before anything is encrypted.
    assert.match(await page.textContent("#write-in-count"), /^\d+ of \d+ bytes left/);
    await states(page, "contest-ranked");
    assert.equal(await page.inputValue("#rank-0"), "2");
    assert.equal(await page.inputValue("#rank-1"), "w");
    assert.equal(await page.inputValue("#write-in-text"), "Zed");
  }
  await page.click("#contest-next");
  await page.waitForSelector("#step-review:not([hidden])");
  if (audit) await states(page, "review");
}

await check("axe-core finds a known violation (the harness can fail)", async () => {
  const page = await newPage();
  await page.setContent('<!doctype html><html lang="en"><head><title>t</title></head><body><main><h1>t</h1>' +
    '<img src="data:,"><input id="x"></main></body></html>');
  let caught = "";
  try { await axe(page, "self-test"); } catch (e) { caught = String(e); }
  h.axeStates.delete("self-test");
  assert.match(caught, /image-alt/);
  assert.match(caught, /label/);
  await page.context().close();
});

let castCode = null;
let receiptFile = null;

await check("vote, challenge once, cast, receipt", async () => {
  const page = await newPage();
  await page.goto(url + "/");
  await page.waitForSelector("#step-credential:not([hidden])");
  // The voting period comes first, in the page's language, with the time zone named.
  assert.match(await page.textContent("#period"), /^Voting is open from .+ to .+\.$/);
  await states(page, "credential");
  assert.match(await page.textContent("#period"), /^Voting is open from /);
  assert.match(await page.textContent("#fingerprint"), /^[0-9a-f]{64}$/);
  assert.match(await page.textContent("#module-sha"), /^[0-9a-f]{64}$/);
  assert.equal(await page.getAttribute("#credential-code", "type"), "text");
  assert.equal(await page.getAttribute("#credential-code", "autocomplete"), "off");
  assert.equal(await page.getAttribute("#credential-code", "spellcheck"), "false");
  await fillBallot(page, voters[0].toLowerCase().replace(/-/g, " "), true);
  // The box shows the credential as the module read it, in its groups.
  assert.equal(await page.inputValue("#credential-code"), voters[0]);
  // The browser's Back goes to the previous screen with its choices; Forward comes back.
  await page.goBack();
  await page.waitForSelector("#step-contest:not([hidden])");
  assert.equal(await page.inputValue("#rank-0"), "2");
  assert.equal(await page.inputValue("#write-in-text"), "Zed");
  await page.goBack();
  await page.waitForSelector("#contest-choices input[value='0']");
  assert.ok(await page.isChecked('#contest-choices input[value="0"]'));
  assert.ok(await page.isChecked('#contest-choices input[value="2"]'));
  await shot(page, "back-button-approval");
  // The page's own Back button is the browser's.
  await page.click("#contest-back");
  await page.waitForSelector("#step-contest:not([hidden]) #contest-choices input[type=radio]");
  assert.ok(await page.isChecked('#contest-choices input[value="1"]'));
  await page.goForward();
  await page.goForward();
  await page.goForward();
  await page.waitForSelector("#step-review:not([hidden])");
  assert.ok((await page.textContent("#review-list")).includes("2. Zed"));
  await page.click("#review-encrypt");
  await page.waitForSelector("#step-encrypted:not([hidden])");
  await states(page, "encrypted");
  const shownBefore = await page.textContent("#encrypted-tracker");
  // Benaloh challenge: the opened ballot shows exactly the choices made.
  await page.click("#do-challenge");
  await page.waitForSelector("#step-challenge:not([hidden])");
  // The QR code is an image with a name (WCAG 1.1.1), in the page's language.
  assert.equal(await page.getAttribute("#challenge-qr svg", "role"), "img");
  assert.match(await page.getAttribute("#challenge-qr svg", "aria-label"), /QR code/);
  await states(page, "challenge");
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
  const other = await newPage(375);
  await other.goto(`${url}/verify.html#${challengeCode}`);
  await other.waitForSelector("#result:not([hidden])");
  await shot(other, "challenge-checked-on-phone");
  assert.match(await other.textContent("#verdict"), /rebuilt on this device/);
  await axe(other, "second-device-challenge");
  assert.ok((await other.textContent("#choices")).includes("Bob Kask"));
  assert.ok((await other.textContent("#challenge-tracker")).includes(shownBefore));
  for (const [lang, words] of [["et", "jälgimiskood"], ["fr", "code de suivi"], ["en", "tracker"]]) {
    await other.selectOption("#lang", lang);
    const text = await other.textContent("#challenge-tracker");
    assert.ok(text.includes(words) && text.includes(shownBefore), text);
    await axe(other, "second-device-challenge");
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
  await states(page, "cast");
  const tracker = await page.textContent("#cast-tracker");
  assert.match(tracker, /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/);
  assert.match(await page.textContent("#cast-leaf"), /^\d+$/);
  const leaf = Number(await page.textContent("#cast-leaf"));
  const checkText = await page.textContent("#receipt-check");
  assert.equal(await page.getAttribute("#receipt-check", "class"), "check ok", checkText);
  // Positions as people count them: the first ballot is ballot 1.
  assert.ok(checkText.includes(`${tracker} is in the public ballot box: ballot ${leaf + 1} of `), checkText);
  // The cast page says what was recorded, the tracker to keep, and when and where to check it was counted,
  // without jargon outside the details.
  const recorded = await page.textContent("#cast-choices");
  for (const expected of ["Bob Kask", "Park", "Bike lanes", "1. Fay", "2. Zed"]) assert.ok(recorded.includes(expected), recorded);
  assert.ok((await page.textContent("#counted-help")).includes(tracker));
  assert.ok(await page.isHidden("#cast-replaces"), "a first ballot replaces nothing");
  const mainText = await page.evaluate(() => [...document.querySelectorAll("#step-cast > :not(details)")]
    .map((e) => e.textContent).join(" "));
  assert.ok(!/inclusion proof|leaf/i.test(mainText), mainText);
  assert.equal(await page.getAttribute("#cast-qr svg", "role"), "img");
  // The receipt file as the voter downloads it, for the import test below.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#receipt-download")]);
  receiptFile = readFileSync(await download.path(), "utf8");
  const link = await page.getAttribute("#cast-verify-link", "href");
  castCode = decodeURIComponent(link.split("#")[1]);
  assert.match(castCode, /^RV2:[0-9A-F]{192}$/);
  const castModules = Number((await page.getAttribute("#cast-qr svg", "viewBox")).split(" ")[2]);
  console.log(`QR codes (modules a side, with the 4-module quiet zone): cast ${castModules}, challenge ${modules}`);
  // "Vote again" starts from empty choices and says that the new ballot replaces this one.
  await page.click("#vote-again");
  await page.waitForSelector("#step-contest:not([hidden])");
  assert.equal(await page.locator("#contest-choices input:checked").count(), 0, "nothing pre-selected");
  assert.ok(await page.isVisible("#revote-notice"));
  await states(page, "re-vote-contest");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

await check("second device: verification page shows the cast choices", async () => {
  const phone = await newPage(375);
  await phone.goto(`${url}/verify.html#${castCode}`);
  await phone.waitForSelector("#result:not([hidden])");
  await phone.waitForSelector("#receipt-status.ok, #receipt-status.warning");
  const text = await phone.textContent("#choices");
  for (const expected of ["Bob Kask", "Park", "Bike lanes", "Fay", "Zed"]) assert.ok(text.includes(expected), text);
  // A verdict, and what to do if these are not the voter's choices.
  assert.match(await phone.textContent("#verdict"), /was found in the ballot box/);
  assert.match(await phone.textContent("#not-yours"), /vote again from another device.*tell the election officials/);
  assert.match(await phone.textContent("#receipt-status"), /is in the public ballot box: ballot \d+ of \d+/);
  await states(phone, "second-device");
  assert.deepEqual(phone.errors, []);
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
  const phone = await newPage(375);
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
  const phone = await newPage(375);
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
  assert.ok(r.text.includes(`${saved.tracker} is in the public ballot box: ballot ${saved.receipt.leaf_index + 1} of `), r.text);
  await states(phone, "receipt-import");
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
  await axe(phone, "receipt-import-refused");
  assert.equal(r.cls, "check warning", r.text);
  assert.match(r.text, /^Warning: this receipt could not be verified \(the receipt is not valid/);
  assert.deepEqual(phone.errors, []);
  await phone.context().close();
});

await check("vote again: nothing pre-selected, the new ballot replaces the old", async () => {
  const page = await newPage();
  await page.goto(url + "/");
  await page.waitForSelector("#step-credential:not([hidden])");
  await fillBallot(page, voters[0]);
  await page.click("#review-encrypt");
  await page.click("#do-cast");
  await page.waitForSelector("#step-cast:not([hidden])");
  await page.click("#vote-again");
  await page.waitForSelector("#step-contest:not([hidden])");
  assert.equal(await page.locator("#contest-choices input:checked").count(), 0, "nothing pre-selected");
  await page.check('#contest-choices input[value="2"]');
  await page.click("#contest-next");
  await page.click("#contest-next");
  assert.equal(await page.inputValue("#rank-0"), "", "nothing pre-selected");
  assert.equal(await page.inputValue("#write-in-text"), "", "nothing pre-selected");
  await page.selectOption("#rank-0", "0");
  await page.click("#contest-next");
  await page.waitForSelector("#step-review:not([hidden])");
  assert.ok(await page.isVisible("#revote-notice"));
  await page.click("#review-encrypt");
  await page.click("#do-cast");
  await page.waitForSelector("#step-cast:not([hidden])");
  await page.waitForSelector("#receipt-check.ok, #receipt-check.warning");
  assert.equal(await page.textContent("#cast-title"), "Your new ballot is cast");
  assert.match(await page.textContent("#cast-replaces"), /replaces your earlier ballot/);
  assert.ok((await page.textContent("#cast-choices")).includes("Carol Saar"));
  await states(page, "re-vote-cast");
  const link = await page.getAttribute("#cast-verify-link", "href");
  const phone = await newPage(375);
  await phone.goto(link);
  await phone.waitForSelector("#result:not([hidden])");
  await shot(phone, "revote-second-device");
  assert.ok((await phone.textContent("#choices")).includes("Carol Saar"));
  assert.deepEqual(page.errors, []);
  await phone.context().close();
  await page.context().close();
});

await check("credential refused at Continue: length, character, check; a credential from the URL fragment", async () => {
  const page = await newPage(375);
  await page.goto(url + "/");
  await page.waitForSelector("#step-credential:not([hidden])");
  const refused = async (text, expected) => {
    await page.fill("#credential-code", text);
    await page.click("#credential-continue");
    await page.waitForSelector("#message:not([hidden])");
    assert.match(await page.textContent("#message-text"), expected);
    assert.ok(await page.isVisible("#step-credential"), "still on the credential step");
    assert.equal(await page.getAttribute("#credential-code", "aria-invalid"), "true");
  };
  await refused("not a credential", /has 14 characters; it must have 56/);
  await refused(voters[1].replace(/^./, "U"), /Character 1 \(“U”\) cannot be in a credential/);
  // One wrong character, and two neighbours swapped: the check group catches both.
  const bare = voters[1].replace(/-/g, "");
  const wrong = bare.slice(0, 10) + (bare[10] === "7" ? "8" : "7") + bare.slice(11);
  await refused(wrong, /a character is mistyped, or two characters are swapped/);
  const i = [...bare].findIndex((c, k) => k + 1 < bare.length && c !== bare[k + 1]);
  const swapped = bare.slice(0, i) + bare[i + 1] + bare[i] + bare.slice(i + 2);
  await refused(swapped, /a character is mistyped, or two characters are swapped/);
  await states(page, "credential-refused");
  assert.match(await page.textContent("#message-text"), /mistyped|swapped/, "back in English");
  await page.selectOption("#lang", "et");
  assert.match(await page.textContent("#message-text"), /valesti sisestatud/);
  await page.selectOption("#lang", "en");
  // A printed letter's QR code: the credential in the fragment fills the box and leaves the address bar.
  const letter = await newPage(375);
  await letter.goto(`${url}/#c=${encodeURIComponent(voters[1])}`);
  await letter.waitForSelector("#step-credential:not([hidden])");
  assert.equal(await letter.inputValue("#credential-code"), voters[1]);
  assert.ok(!letter.url().includes("#"), letter.url());
  await letter.press("#credential-code", "Enter");
  await letter.waitForSelector("#step-contest:not([hidden])");
  assert.deepEqual(page.errors, []);
  assert.deepEqual(letter.errors, []);
  await letter.context().close();
  await page.context().close();
});

await check("server errors in plain words, translated, with Try again", async () => {
  const page = await newPage();
  // The collector does not answer at load: a message and a Try again button, not "Loading…" forever.
  await page.route("**/election", (route) => route.abort("connectionrefused"));
  await page.goto(url + "/");
  await page.waitForSelector("#message:not([hidden])");
  assert.match(await page.textContent("#message-text"), /cannot be reached/);
  assert.ok(await page.isVisible("#retry"));
  await states(page, "collector-down");
  await page.selectOption("#lang", "fr");
  assert.match(await page.textContent("#message-text"), /injoignable/);
  await page.unroute("**/election");
  await page.click("#retry");
  await page.waitForSelector("#step-credential:not([hidden])");
  assert.ok(await page.isHidden("#message"));
  // An unregistered (but well-formed) credential is refused by the collector: in plain French words.
  assert.ok(unregistered.length, "OTHER_VOTERS is set by scripts/browser-test.sh");
  await fillBallot(page, unregistered[0]);
  await page.click("#review-encrypt");
  await page.click("#do-cast");
  // The message shows "Envoi…" while the ballot is sent: wait for the collector's answer, not the message box.
  await page.waitForFunction(() => /ne figure pas/.test(document.getElementById("message-text").textContent));
  assert.match(await page.textContent("#message-text"), /ne figure pas sur la liste des électeurs/);
  assert.ok(!(await page.textContent("#message-text")).includes("unknown_credential"));
  await states(page, "unknown-credential");
  // The collector answers 502 (a proxy in front of it): said in words, and Try again posts the same ballot.
  await page.goto(url + "/");
  await page.waitForSelector("#step-credential:not([hidden])");
  await page.route("**/ballots", (route) => route.fulfill({ status: 502, contentType: "text/html", body: "Bad gateway" }));
  await fillBallot(page, voters[4]);
  await page.click("#review-encrypt");
  await page.click("#do-cast");
  await page.waitForFunction(() => /HTTP 502/.test(document.getElementById("message-text").textContent));
  assert.match(await page.textContent("#message-text"), /The collector has a problem \(HTTP 502\)/);
  // The ballot is signed: it can no longer be challenged; "Try again" sends the same one.
  assert.ok(await page.isDisabled("#do-challenge"));
  assert.ok(await page.isDisabled("#do-cast"));
  await states(page, "collector-502");
  await page.route("**/ballots", (route) => route.fulfill({ status: 503, contentType: "application/json",
    body: JSON.stringify({ error: { code: "overloaded", message: "the collector is overloaded; retry" } }) }));
  await page.click("#retry");
  await page.waitForFunction(() => /busy/.test(document.getElementById("message-text").textContent));
  await page.selectOption("#lang", "et");
  assert.match(await page.textContent("#message-text"), /hõivatud/);
  await page.selectOption("#lang", "en");
  await page.route("**/ballots", (route) => route.abort("connectionrefused"));
  await page.click("#retry");
  await page.waitForFunction(() => /cannot be reached/.test(document.getElementById("message-text").textContent));
  await page.unroute("**/ballots");
  await page.click("#retry");
  await page.waitForSelector("#step-cast:not([hidden])");
  await page.waitForSelector("#receipt-check.ok");
  assert.deepEqual(page.errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await page.context().close();
});

const districtsUrl = process.env.DISTRICTS_URL;
const districtsDir = process.env.DISTRICTS_DIR;

/** A credential (its text form) of a voter of district `id` in the election with districts. */
function districtVoter(id) {
  const entries = JSON.parse(readFileSync(`${districtsDir}/credentials.json`, "utf8"));
  const secrets = JSON.parse(readFileSync(`${districtsDir}/voters.json`, "utf8"));
  const i = entries.findIndex((e) => e.district === id);
  assert.ok(i >= 0 && secrets[i], `no voter of district ${id} in ${districtsDir}`);
  return secrets[i];
}

await check("districts: a north voter sees north's council and the referendum, challenges, casts, checks", async () => {
  assert.ok(districtsUrl && districtsDir, "DISTRICTS_URL and DISTRICTS_DIR are set by scripts/browser-test.sh");
  const page = await newPage(375);
  await page.goto(districtsUrl + "/");
  await page.waitForSelector("#step-credential:not([hidden])");
  assert.ok(await page.isHidden("#district"), "no district before the credential");
  await page.fill("#credential-code", districtVoter("north"));
  await page.press("#credential-code", "Enter");
  await page.waitForSelector("#step-contest:not([hidden])");
  // The district's name above the ballot, in the voter's language.
  assert.equal(await page.textContent("#district"), "Your district: North");
  for (const [lang, text] of [["et", "Teie ringkond: Põhja"], ["fr", "Votre circonscription : Nord"]]) {
    await page.selectOption("#lang", lang);
    assert.equal(await page.textContent("#district"), text);
  }
  await page.selectOption("#lang", "en");
  // North's council (a party-list contest: candidates under their lists), then the referendum; nothing else.
  assert.equal(await page.textContent("#contest-title"), "Council, North district");
  assert.equal(await page.textContent("#contest-position"), "Question 1 of 2");
  const options = await page.textContent("#contest-options");
  assert.ok(options.includes("Green List") && options.includes("Kati Kask"), options);
  assert.ok(!options.includes("Anna Rand"), "not centre's candidates");
  await page.check('#contest-choices input[value="4"]');
  await states(page, "districts-contest");
  await page.click("#contest-next");
  await page.waitForFunction(() => document.getElementById("contest-position").textContent === "Question 2 of 2");
  assert.equal(await page.textContent("#contest-title"), "Should the town build a tram line?");
  await page.check('#contest-choices input[value="0"]');
  await page.click("#contest-next");
  await page.waitForSelector("#step-review:not([hidden])");
  const review = await page.textContent("#review-list");
  assert.ok(review.includes("Council, North district") && review.includes("Kati Kask") && review.includes("Yes"), review);
  for (const other of ["Centre", "South"]) assert.ok(!review.includes(other), `${other} in the review: ${review}`);
  await states(page, "districts-review");
  assert.equal(await page.textContent("#district"), "Your district: North");

  // A challenge: the opened ballot lists north's contests; another device rebuilds it from the code.
  await page.click("#review-encrypt");
  await page.waitForSelector("#step-encrypted:not([hidden])");
  const tracker = await page.textContent("#encrypted-tracker");
  await page.click("#do-challenge");
  await page.waitForSelector("#step-challenge:not([hidden])");
  const challenged = await page.textContent("#challenge-choices");
  assert.ok(challenged.includes("Kati Kask") && !challenged.includes("Centre"), challenged);
  const challengeLink = await page.getAttribute("#challenge-verify-link", "href");
  const other = await newPage(375);
  await other.goto(challengeLink);
  await other.waitForSelector("#result:not([hidden])");
  assert.ok((await other.textContent("#challenge-tracker")).includes(tracker));
  assert.match(await other.textContent("#district"), /ballot of district North/);
  const rebuilt = await other.textContent("#choices");
  assert.ok(rebuilt.includes("Council, North district") && rebuilt.includes("Kati Kask") && rebuilt.includes("Yes"), rebuilt);
  assert.ok(!rebuilt.includes("Centre"), rebuilt);
  await states(other, "districts-challenge-checked");
  assert.deepEqual(other.errors, []);
  await other.context().close();

  // Cast: the collector accepts it, the receipt checks, and the cast page lists north's contests.
  await page.click("#challenge-again");
  await page.waitForSelector("#step-encrypted:not([hidden])");
  await page.click("#do-cast");
  await page.waitForSelector("#step-cast:not([hidden])");
  await page.waitForSelector("#receipt-check.ok, #receipt-check.warning");
  assert.match(await page.getAttribute("#receipt-check", "class"), /ok/, await page.textContent("#receipt-check"));
  const recorded = await page.textContent("#cast-choices");
  assert.ok(recorded.includes("Kati Kask") && recorded.includes("Yes") && !recorded.includes("Centre"), recorded);
  await states(page, "districts-cast");
  const castLink = await page.getAttribute("#cast-verify-link", "href");
  assert.deepEqual(page.errors, []);
  await page.context().close();

  // The second device opens the cast ballot: north's answers, under the district's name.
  const phone = await newPage(375);
  await phone.goto(castLink);
  await phone.waitForSelector("#result:not([hidden])");
  await phone.waitForSelector("#receipt-status.ok, #receipt-status.warning");
  assert.match(await phone.textContent("#receipt-status"), /is in the public ballot box/);
  const opened = await phone.textContent("#choices");
  assert.ok(opened.includes("Council, North district") && opened.includes("Kati Kask") && opened.includes("Yes"), opened);
  assert.ok(!opened.includes("Centre") && !opened.includes("South"), opened);
  assert.match(await phone.textContent("#district"), /ballot of district North/);
  await phone.selectOption("#lang", "et");
  assert.match(await phone.textContent("#district"), /Põhja/);
  await phone.selectOption("#lang", "en");
  await states(phone, "districts-second-device");
  assert.deepEqual(phone.errors, []);
  await phone.context().close();
});

await check("districts: a centre voter gets centre's council; an unregistered credential is told what to do", async () => {
  assert.ok(districtsUrl && districtsDir, "DISTRICTS_URL and DISTRICTS_DIR are set by scripts/browser-test.sh");
  const page = await newPage();
  await page.goto(districtsUrl + "/");
  await page.waitForSelector("#step-credential:not([hidden])");
  // Not on the list: a plain message at Continue, the box marked, no ballot shown.
  assert.ok(unregistered.length, "OTHER_VOTERS is set by scripts/browser-test.sh");
  await page.fill("#credential-code", unregistered[0]);
  await page.press("#credential-code", "Enter");
  await page.waitForSelector("#message:not([hidden])");
  assert.match(await page.textContent("#message-text"), /not on the list of voters.*contact the election officials/);
  assert.ok(await page.isVisible("#step-credential"));
  assert.ok(await page.isHidden("#district"));
  assert.equal(await page.getAttribute("#credential-code", "aria-invalid"), "true");
  assert.ok(await page.isHidden("#retry"), "nothing to try again: the voter checks the credential");
  await states(page, "districts-unknown-credential");
  // Then the voter's own credential: centre's ballot.
  await page.fill("#credential-code", districtVoter("centre"));
  await page.press("#credential-code", "Enter");
  await page.waitForSelector("#step-contest:not([hidden])");
  assert.ok(await page.isHidden("#message"));
  assert.equal(await page.textContent("#district"), "Your district: Centre");
  assert.equal(await page.textContent("#contest-title"), "Council, Centre district");
  assert.ok((await page.textContent("#contest-options")).includes("Anna Rand"));
  assert.deepEqual(page.errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await page.context().close();
});

await check("voting period: a not yet open or closed election shows only the notice", async () => {
  const election = await (await fetch(`${url}/election`)).json();
  const period = election.manifest.voting_period;  // ISO 8601 dates (SPEC.md §4.1)
  const opens = Date.parse(period.opens_at) / 1000, closes = Date.parse(period.closes_at) / 1000;
  assert.ok(Number.isFinite(opens) && Number.isFinite(closes), JSON.stringify(period));
  for (const [name, at, title] of [["not-open", opens - 3600, /has not started yet/],
                                   ["closed", closes + 3600, /^Voting is closed$/]]) {
    const page = await newPage(name === "closed" ? 375 : 1024);
    await page.clock.setFixedTime(new Date(at * 1000));
    await page.goto(url + "/");
    await page.waitForSelector("#step-closed:not([hidden])");
    assert.match(await page.textContent("#closed-title"), title);
    assert.ok(await page.isHidden("#step-credential"), "no credential, no ballot");
    assert.match(await page.textContent("#period"), /\d{4}/);
    await states(page, `period-${name}`);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  }
});

await check("every text exists in English, Estonian and French", async () => {
  const page = await newPage();
  await page.goto(url + "/");
  const missing = await page.evaluate(async () => {
    const { TEXTS } = await import("./i18n.js");
    const keys = (o, p = "") => Object.entries(o).flatMap(([k, v]) => (typeof v === "string" ? [p + k] : keys(v, `${p}${k}.`)));
    const all = new Set(Object.values(TEXTS).flatMap((l) => keys(l)));
    return Object.entries(TEXTS).flatMap(([lang, l]) => { const have = new Set(keys(l)); return [...all].filter((k) => !have.has(k)).map((k) => `${lang}: ${k}`); });
  });
  assert.deepEqual(missing, []);
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
    c.benchmark(credential, undefined, answers, 5);
    return c.benchmark(credential, undefined, answers, 100);
  }, voters[1]);
  const size = (await (await fetch(`${url}/pkg/voter_client_bg.wasm`)).arrayBuffer()).byteLength;
  console.log(`BENCH browser ballot (3 contests, encode+encrypt+prove+sign): ${ms.toFixed(3)} ms; WASM ${size} bytes`);
  assert.ok(ms > 0);
  assert.ok(size <= 300 * 1024, `the WASM module is ${size} bytes, over 300 KB`);
  await page.context().close();
});

await check("closed election: the collector's refusal in plain words", async () => {
  if (!process.env.CLOSE_CMD) return;
  execSync(process.env.CLOSE_CMD, { stdio: "inherit" });
  const page = await newPage();
  await page.goto(url + "/");
  await page.waitForSelector("#step-credential:not([hidden])");
  await fillBallot(page, voters[2]);
  await page.click("#review-encrypt");
  await page.click("#do-cast");
  await page.waitForSelector("#message:not([hidden])");
  // The page says "Sending your ballot…" first; wait for the collector's answer to replace it.
  await page.waitForFunction(() => !/^Sending/.test(document.getElementById("message-text")?.textContent ?? "Sending"));
  assert.match(await page.textContent("#message-text"), /^Voting is closed: your ballot was not accepted/);
  await states(page, "election-closed-refusal");
  await page.context().close();
});

await browser.close();
console.log(`axe-core: ${h.axeRuns} runs, ${h.axeStates.size} page states: ${[...h.axeStates].join(", ")}`);
console.log(`${h.passed} passed, ${h.failed} failed`);
process.exit(h.failed ? 1 : 0);
