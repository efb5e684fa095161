// The site's home page (the election, who was elected, links) and the verification page (a link to the in-browser
// verifier when the site carries one, and the command line that verifies the record). Values from data/site.json and data/result.json.
import { t, startPage, el, localized, utc } from "./site.js";

let site = null;
let data = null;

function redraw() {
  const e = site.election;
  const title = document.getElementById("election-title");
  if (title) title.textContent = localized(e.title) || e.election_id;
  const fingerprint = document.getElementById("home-fingerprint");
  if (fingerprint) fingerprint.textContent = e.fingerprint;
  const period = document.getElementById("period");
  if (period) period.textContent = t("from_to", { opens: `${utc(e.opens_at)} UTC`, closes: `${utc(e.closes_at)} UTC` });
  const summary = document.getElementById("summary");
  if (summary && data) {
    summary.replaceChildren(...data.result.contests.map((r) => {
      const names = (r.candidates ?? []).filter((c) => c.elected)
        .map((c) => (c.selection.write_in !== undefined ? t("write_in", { name: c.selection.write_in }) : localized(c.title)));
      return el("li", {}, t("elected_summary", { contest: localized(r.title) || r.contest, names: names.join(", ") || t("nobody") }));
    }));
  }
  const command = document.getElementById("verify-command");
  if (command) command.textContent = `verifier verify --fingerprint ${e.fingerprint} record`;
  const here = document.getElementById("verify-here");
  if (here && site.browser_verifier) {
    // The in-browser verifier, given this site's copy of the record and the fingerprint.
    const record = new URL("record/", location.href).href;
    document.getElementById("verify-link").href =
      `${site.browser_verifier}#fp=${e.fingerprint}&record=${encodeURIComponent(record)}`;
    here.hidden = false;
    document.getElementById("verify-missing").hidden = true;
  }
}

async function main() {
  const files = await startPage(["data/site.json", "data/result.json"], redraw);
  if (!files) return;
  [site, data] = files;
  redraw();
  document.body.dataset.ready = "true";
}

main();
