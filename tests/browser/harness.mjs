// What the browser tests share: Debian's Chromium launched the same way, a named check that counts passes and
// failures, numbered full-page screenshots, and axe-core (WCAG 2.1 A and AA, and axe's best practices) injected
// through the DevTools protocol (so a page's strict CSP, which allows no inline script, stays as it is) failing on
// any violation, each printed.
import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** Debian's Chromium (or CHROMIUM), headless, without the background traffic a test does not want. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
}

/** A test's counters and helpers; screenshots go to `shots`, named `${prefix}NN-name.png`. */
export function harness(shots, prefix = "") {
  mkdirSync(shots, { recursive: true });
  const h = { passed: 0, failed: 0, step: 0, axeRuns: 0, axeStates: new Set() };
  h.check = async (name, fn) => {
    try {
      await fn();
      h.passed++;
      console.log(`ok   ${name}`);
    } catch (e) {
      h.failed++;
      console.log(`FAIL ${name}: ${e.stack || e}`);
    }
  };
  h.shot = async (page, name) => {
    h.step++;
    await page.screenshot({ path: `${shots}/${prefix}${String(h.step).padStart(2, "0")}-${name}.png`, fullPage: true });
  };
  h.axe = async (page, name) => {
    if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const r = await window.axe.run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
      });
      return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n      ` +
        v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary.replace(/\s+/g, " ")}`).join("\n      "));
    });
    h.axeRuns++;
    h.axeStates.add(name);
    assert.deepEqual(violations, [], `axe found ${violations.length} violation(s) on "${name}" ` +
      `(${await page.evaluate(() => document.documentElement.lang)}):\n    ${violations.join("\n    ")}`);
  };
  return h;
}
