// Browser test of the published site (`verifier publish`) and of the collector's live board, in Debian's Chromium
// with playwright-core (scripts/browser-test.sh runs it after vote.mjs). The site is served by a plain static
// server started here, with the collector's strict Content-Security-Policy. Checks: the board finds a tracker and
// shows its fate (each of counted, superseded, revoked, refused), pages, refuses a malformed tracker in words; the
// results page shows the record's result; axe-core finds no violation in English, Estonian and French, at desktop
// and phone width. Screenshots: SCREENSHOTS (folder). Environment: SITE_DIR (a published site), COLLECTOR_URL
// (optional: a collector whose /board/ is checked too), MIRROR_URL (optional: a mirror of it, whose /board/ is
// checked too), BENCH_SITE_DIR (optional: a site with many ballots, whose
// page weight and time to the first page are printed as BENCH lines, not asserted).
import { harness, launch } from "./harness.mjs";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { join, extname, normalize, resolve } from "node:path";
import assert from "node:assert/strict";

const siteDir = process.env.SITE_DIR;
const collector = process.env.COLLECTOR_URL;
const shots = process.env.SCREENSHOTS ?? "target/browser-screenshots";
const h = harness(shots, "board-");
const { check, shot, axe } = h;
const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".json": "application/json",
  ".wasm": "application/wasm" };

/** A static server of `dir` (what any web host does), with the strict CSP; resolves to its base URL. */
function serve(dir) {
  const server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(dir, path));
    if (!file.startsWith(normalize(dir))) { res.writeHead(403); return res.end(); }
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "content-security-policy": CSP });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

const browser = await launch();




/** axe and a screenshot in each language; every text of the page is translated (no key shows through). */
async function states(page, name) {
  for (const lang of ["en", "et", "fr"]) {
    await page.selectOption("#lang", lang);
    assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
    const text = await page.textContent("body");
    assert.doesNotMatch(text, /\b(fate|reason|method|col|nav|verify|verified|trusted|head)_[a-z_]+/, `a text key shows in ${lang}`);
    await axe(page, `${name}-${lang}`);
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

async function ready(page, path) {
  await page.goto(path);
  await page.waitForSelector("body[data-ready=true]");
}

const site = siteDir ? await serve(siteDir) : null;
const json = (rel) => JSON.parse(readFileSync(join(siteDir, rel), "utf8"));

if (site) {
  // What the record says, read from the record's own files (the copy the site offers for download), not from
  // the site's data: the result's votes and the manifest's names.
  const result = json("record/result.json");
  const election = json("record/election.json");
  const rows = json("data/board/page-0.json").entries;

  await check("the board finds a tracker and shows its fate (each fate the record has)", async () => {
    const page = await newPage();
    await ready(page, `${site.url}/board.html`);
    assert.match(await page.textContent("#caption"), new RegExp(`^Ballots 1–${rows.length} of ${rows.length}, page 1 of 1$`));
    assert.equal(await page.locator("#rows tr").count(), rows.length);
    const fates = new Set(rows.map((r) => r[3]));
    for (const f of ["counted", "superseded", "revoked", "refused"]) assert.ok(fates.has(f), `the test record has a ${f} ballot`);
    const expect = {
      counted: /^counted$/, superseded: /^replaced by ballot no\. \d+ \(the same voter voted again\)$/,
      revoked: /^cancelled: the voter voted on paper$/, refused: /^refused: [a-z ]+$/,
    };
    for (const f of ["counted", "superseded", "revoked", "refused"]) {
      const row = rows.find((r) => r[3] === f);
      // Typed as a voter might: small letters, spaces instead of dashes.
      await page.fill("#tracker", row[2].toLowerCase().replaceAll("-", " "));
      await page.click("#find-button");
      await page.waitForSelector(`#found .fate-${f}`);
      const found = await page.textContent("#found");
      assert.ok(found.includes(`Ballot ${row[2]} is number ${row[0] + 1} on the board (leaf ${row[0]})`), found);
      assert.match(await page.textContent("#found .fate-line"), expect[f]);
      if (f === "superseded") assert.ok(found.includes(`ballot no. ${row[4] + 1}`));
      await states(page, `board-found-${f}`);
    }
    assert.ok(page.url().endsWith(`#tracker=${rows.find((r) => r[3] === "refused")[2]}`), "the address keeps the search");
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  await check("the board says in words what is wrong with a tracker, and when none is found", async () => {
    const page = await newPage();
    await ready(page, `${site.url}/board.html`);
    await page.fill("#tracker", "12345");
    await page.press("#tracker", "Enter");
    await page.waitForSelector("#find-error");
    assert.match(await page.textContent("#find-error"), /is not a tracker: a tracker has 16 letters and digits/);
    assert.equal(await page.getAttribute("#tracker", "aria-invalid"), "true");
    await states(page, "board-bad-tracker");
    const absent = rows.some((r) => r[2] === "0000-0000-0000-0000") ? "FFFF-FFFF-FFFF-FFFF" : "0000-0000-0000-0000";
    await page.fill("#tracker", absent);
    await page.press("#tracker", "Enter");
    await page.waitForFunction(() => /No ballot with tracker/.test(document.querySelector("#found").textContent));
    assert.match(await page.textContent("#found"), /tell the election officials and keep your receipt/);
    await page.context().close();
  });

  await check("a link with #tracker= opens the board on that ballot, at phone width, axe-clean", async () => {
    const page = await newPage(375);
    const row = rows.find((r) => r[3] === "counted");
    await ready(page, `${site.url}/board.html#tracker=${row[2]}`);
    assert.match(await page.textContent("#found .fate-line"), /^counted$/);
    await states(page, "board-phone");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than a phone`);
    await page.context().close();
  });

  await check("the results page shows the record's result, the turnout, the record and its head", async () => {
    const page = await newPage();
    await ready(page, `${site.url}/results.html`);
    const contests = election.manifest.contests;
    assert.equal(await page.locator("section.contest").count(), contests.length);
    for (const [i, r] of result.contests.entries()) {
      const c = contests[i];
      const section = page.locator(`#contest-${i + 1}`);
      assert.equal(await section.locator("h2").textContent(), `${i + 1}. ${c.title.en}`);
      for (const [sel, votes] of r.tallies) {
        const name = c.options[sel.option].title.en;
        const row = section.locator("table.result tbody tr", { has: page.locator(`th:text-is("${name}")`) });
        assert.equal(await row.locator("td").nth(0).textContent(), String(votes), `${c.id} ${name}`);
        const percent = r.valid ? (Math.round((votes * 1000) / r.valid) / 10).toFixed(1) : "–";
        assert.equal(await row.locator("td").nth(1).textContent(), percent, `${c.id} ${name} %`);
        const elected = r.elected.some((e) => e.option === sel.option);
        assert.equal(await row.locator("td").nth(3).textContent(), elected ? "yes" : "");
        assert.equal(await row.locator("svg.bar").count(), 1, "a bar per candidate");
      }
      if (r.rounds.length) assert.equal(await section.locator("table.rounds thead th").count(), r.rounds.length + 1);
    }
    const index = json("record/index.json");
    assert.equal(await page.textContent("#record-head"), index.entries[index.entries.length - 1].chain);
    assert.equal(await page.locator("#record-files tbody tr").count(), index.entries.length);
    const turnout = await page.textContent("#turnout-table");
    assert.match(turnout, new RegExp(`Ballots cast \\(re-votes included\\)${rows.length}`));
    assert.match(await page.textContent("#verify-command"), new RegExp(`^verifier verify --fingerprint ${index.fingerprint} record$`));
    await states(page, "results");
    // The record downloads as the bytes the index lists.
    const response = await page.request.get(`${site.url}/record/index.json`);
    assert.deepEqual(await response.json(), index);
    assert.deepEqual(page.errors, []);
    await page.context().close();
    const phone = await newPage(375);
    await ready(phone, `${site.url}/results.html`);
    await states(phone, "results-phone");
    await phone.context().close();
  });

  await check("opened from a file, the page says to serve the folder with a web server", async () => {
    const page = await newPage();
    await page.goto(`file://${resolve(siteDir)}/board.html`);
    await page.waitForTimeout(500);
    const text = page.locator("#loading");
    if (await text.isVisible()) {
      assert.match(await text.textContent(), /Serve the folder with a web server/);
    } else {
      // Where the browser runs the scripts from a file anyway, the failure to read the data says the same.
      assert.match(await page.textContent("#message"), /Serve the folder with any web server/);
    }
    await page.context().close();
  });

  await check("the home page and the verification placeholder", async () => {
    const page = await newPage();
    await ready(page, `${site.url}/`);
    assert.equal(await page.locator("#loading").isVisible(), false, "the loading hint goes once the scripts run");
    assert.equal(await page.textContent("#election-title"), election.manifest.title.en);
    assert.equal(await page.textContent("#home-fingerprint"), json("record/index.json").fingerprint);
    assert.match(await page.textContent("#summary"), /Mayor: /);
    await states(page, "home");
    await ready(page, `${site.url}/verify.html`);
    assert.match(await page.textContent("#verify-command"), /^verifier verify --fingerprint [0-9a-f]{64} record$/);
    if (json("data/site.json").browser_verifier) {
      assert.equal(await page.locator("#verify-missing").isVisible(), false);
      assert.equal(await page.locator("#verify-here").isVisible(), true);
      await states(page, "verify-link");
    } else {
      assert.match(await page.textContent("#verify-missing"), /not available yet/);
      await states(page, "verify-placeholder");
    }
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  if (json("data/site.json").browser_verifier) {
    await check("the site's in-browser verifier, opened from its verification page, passes the site's record", async () => {
      const page = await newPage();
      await ready(page, `${site.url}/verify.html`);
      await page.click("#verify-link");
      await page.waitForSelector("body[data-state=ready]");
      // The link fills in the fingerprint and this site's copy of the record.
      assert.equal(await page.inputValue("#fp"), json("record/index.json").fingerprint);
      assert.equal(await page.inputValue("#url"), `${site.url}/record/`);
      await page.click("#verify");
      await page.waitForSelector("body[data-state=passed], body[data-state=failed], body[data-state=error]",
        { timeout: 600_000 });
      assert.equal(await page.evaluate(() => document.body.dataset.state), "passed",
        await page.textContent("#message"));
      await shot(page, "site-verifier-passed");
      await page.context().close();
    });
  }
}

/** A live board (the collector's, or a mirror's from its verified copy): the log's ballots under the server's own
 * latest head, a tracker found, the strict CSP kept, no other page of the site offered. */
async function liveBoard(base, who, name) {
  await check(`${who}'s live board (/board/): the log's ballots, a tracker found, its strict CSP kept`, async () => {
    const page = await newPage();
    const response = await page.goto(`${base}/board/`);
    assert.match(response.headers()["content-security-policy"], /script-src 'self'/);
    await page.waitForSelector("body[data-ready=true]");
    const sth = await (await page.request.get(`${base}/log/sth`)).json();
    assert.ok(sth.tree_size > 0, "vote.mjs cast ballots");
    assert.match(await page.textContent("#caption"), new RegExp(`of ${sth.tree_size}, page 1 of`));
    assert.equal(await page.textContent("#head-fields dd"), String(sth.tree_size));
    const first = await page.textContent("#rows tr:first-child td:nth-child(2)");
    await page.fill("#tracker", first);
    await page.click("#find-button");
    await page.waitForSelector("#found .fate-live");
    assert.match(await page.textContent("#found"), /is number 1 on the board \(leaf 0\)/);
    assert.equal(await page.locator("nav#nav a[href='results.html']").isVisible(), false, "no results page while live");
    assert.equal(await page.getAttribute("nav#nav a[href='board.html']", "aria-current"), "page");
    assert.equal((await page.textContent("#intro")).includes("independent mirror"), who === "the mirror",
      "the mirror's copy says whose it is, the collector's does not");
    await states(page, name);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
}
if (collector) await liveBoard(collector, "the collector", "live-board");
// The mirror has verified the collector's last head by now (it polls every second; vote.mjs closed the box).
if (process.env.MIRROR_URL) await liveBoard(process.env.MIRROR_URL, "the mirror", "mirror-board");

/** BENCH: bytes the board page loads (HTML, scripts, style, data) and the time until its first page of trackers
 * shows, in headless Chromium, for a site with many ballots. */
if (process.env.BENCH_SITE_DIR) {
  await check("benchmark: the board of a large record", async () => {
    const big = await serve(process.env.BENCH_SITE_DIR);
    const total = JSON.parse(readFileSync(join(process.env.BENCH_SITE_DIR, "data/site.json"), "utf8")).board.total;
    const times = [];
    const finds = [];
    let bytes = 0;
    const lastPage = JSON.parse(readFileSync(join(process.env.BENCH_SITE_DIR, `data/board/page-${Math.floor((total - 1) / 100)}.json`), "utf8"));
    const wanted = lastPage.entries[lastPage.entries.length - 1][2];
    for (let i = 0; i < 5; i++) {
      const page = await newPage();
      const start = Date.now();
      await page.goto(`${big.url}/board.html`);
      await page.waitForSelector("#rows tr");
      times.push(Date.now() - start);
      await page.waitForLoadState("networkidle");
      // Every byte the page loaded (the document, its scripts, style and data), as the browser counted them.
      bytes = await page.evaluate(() => performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"))
        .reduce((n, e) => n + e.encodedBodySize, 0));
      const t0 = Date.now();
      await page.fill("#tracker", wanted);
      await page.click("#find-button");
      await page.waitForSelector("#found .found");
      finds.push(Date.now() - t0);
      await page.context().close();
    }
    times.sort((a, b) => a - b);
    finds.sort((a, b) => a - b);
    const dataBytes = readdirSync(join(process.env.BENCH_SITE_DIR, "data/board")).reduce((n, f) => n + statSync(join(process.env.BENCH_SITE_DIR, "data/board", f)).size, 0);
    console.log(`BENCH board: ${total} ballots; page weight ${bytes} bytes (first page, everything it loads); ` +
      `first page of trackers shown in ${times[2]} ms (median of 5, ${times[0]}–${times[4]}); ` +
      `the last ballot's tracker found in ${finds[2]} ms (median; one bucket of about ${Math.round(total / 256)} ballots); ` +
      `all pages' data ${dataBytes} bytes`);
    big.server.close();
  });
}

site?.server.close();
await browser.close();
console.log(`axe-core: ${h.axeRuns} runs`);
console.log(`${h.passed} passed, ${h.failed} failed`);
process.exit(h.failed ? 1 : 0);
