// The in-browser verifier's time next to `verifier verify` of the same record, in the same run (run by
// scripts/verifier-web-bench.sh, which makes the record). Prints a table; asserts only that both pass.
// Environment: RECORD, VERIFIER, WEB, BALLOTS (for the table), PROFILE (of the command-line build).
import { chromium } from "playwright-core";
import { readFileSync, existsSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { cpus } from "node:os";
import { join, normalize, extname, resolve, sep } from "node:path";
import assert from "node:assert/strict";

const record = resolve(process.env.RECORD);
const web = resolve(process.env.WEB ?? "verifier-web/web");
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };
const server = createServer((req, res) => {
  const path = normalize(join(web, new URL(req.url, "http://x").pathname.slice(1) || "index.html"));
  if (!path.startsWith(web + sep) || !existsSync(path) || !statSync(path).isFile()) return res.writeHead(404).end();
  res.writeHead(200, { "Content-Type": TYPES[extname(path)] ?? "application/octet-stream" }).end(readFileSync(path));
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));

// Each side RUNS times (default 3), alternating, and the fastest of each: the machine may be busy with other work.
const runs = Number(process.env.RUNS ?? 3);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
const page = await browser.newPage();
let best = null;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const cli = JSON.parse(execFileSync(process.env.VERIFIER, ["verify", "--json", record], { encoding: "utf8", maxBuffer: 1 << 30 }));
  const cliMillis = performance.now() - t0;
  assert.equal(cli.passed, true, "the record passes `verifier verify`");
  await page.goto("about:blank");
  await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
  await page.waitForSelector("body[data-state=ready]");
  await page.setInputFiles("#folder", record);
  const t1 = performance.now();
  await page.click("#verify");
  await page.waitForSelector("body[data-state=passed], body[data-state=failed], body[data-state=error]", { timeout: 3_600_000 });
  const pageMillis = performance.now() - t1;
  const r = await page.evaluate(() => ({ state: document.body.dataset.state, worker: Number(document.body.dataset.verifyMillis),
    helpers: Number(document.body.dataset.helpers), report: globalThis.verificationReport }));
  assert.equal(r.state, "passed", "the record passes in the page");
  assert.deepEqual(r.report.checks.map((c) => c.id + c.status), cli.checks.map((c) => c.id + c.status));
  console.log(`run ${i + 1}: command line ${(cliMillis / 1000).toFixed(2)} s, page ${(pageMillis / 1000).toFixed(2)} s`);
  if (!best) best = { cli, cliMillis, pageMillis, r };
  if (cliMillis < best.cliMillis) Object.assign(best, { cli, cliMillis });
  if (pageMillis < best.pageMillis) Object.assign(best, { pageMillis, r });
}
// The primitive costs of this run: natively (the example's JSON) and in the page's WASM (the same function).
const nativeCosts = JSON.parse(execFileSync(process.env.PRIMITIVES, { encoding: "utf8" }));
await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
const wasmCosts = JSON.parse(await page.evaluate(async () => {
  const m = await import("./pkg/verifier_web.js");
  await m.default();
  return m.primitive_costs();
}));
await browser.close();
server.close();
const { cli, cliMillis, pageMillis, r } = best;

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(`fastest of ${runs} runs each; record of ${process.env.BALLOTS ?? "?"} ballots; ${cpus().length} cores; command line: ${process.env.PROFILE ?? "release"} build, all cores; page: headless Chromium, a coordinator and ${r.helpers} helper workers`);
console.log(`verifier verify (wall clock)          ${s(cliMillis)}`);
console.log(`page, click to report (reads files)   ${s(pageMillis)}`);
console.log(`page, V1–V13 in the workers           ${s(r.worker)}`);
console.log(`ratio page / command line             ${(pageMillis / cliMillis).toFixed(2)}×`);
const us = (c) => `decompression ${c.decompress_us.toFixed(2)} µs, multiscalar point ${c.msm_point_us.toFixed(2)} µs`;
console.log(`primitives, native (one core)         ${us(nativeCosts)}`);
console.log(`primitives, page's WASM (one core)    ${us(wasmCosts)}`);
console.log("per check (ms)    " + cli.checks.map((c, i) => `${c.id} ${c.millis.toFixed(0)}/${r.report.checks[i].millis.toFixed(0)}`).join("  ") + "   (command line/page)");
