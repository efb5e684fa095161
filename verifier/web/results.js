// The results page: the turnout, each contest's result (votes, percentages, SVG bars; the round-by-round table of
// a ranked count), the record to download with its head, and in words what was verified and what is trusted. Every
// figure comes from data/result.json, which `verifier publish` wrote from result.json after V13 passed.
import { t, startPage, el, localized, bar } from "./site.js";

let site = null;
let data = null;

const key = (selection) => JSON.stringify(selection);

function candidateName(c) {
  if (c.selection.write_in !== undefined) return t("write_in", { name: c.selection.write_in });
  return localized(c.title) || `#${c.selection.option}`;
}

function namer(contest) {
  const byKey = new Map((contest.candidates ?? []).map((c) => [key(c.selection), candidateName(c)]));
  return (s) => byKey.get(key(s)) ?? (s.write_in !== undefined ? t("write_in", { name: s.write_in }) : `#${s.option}`);
}

function drawTurnout() {
  const tt = data.result.turnout;
  const section = document.getElementById("turnout");
  section.hidden = !tt;
  if (!tt) return;
  const share = tt.registered ? ((tt.counted * 1000 + tt.registered / 2) / tt.registered / 10).toFixed(1) : null;
  const rows = [
    ["registered", tt.registered], ["cast", tt.cast], ["refused", tt.refused], ["superseded", tt.superseded],
    ["revoked", tt.revoked], ["counted", tt.counted],
  ];
  section.querySelector("tbody").replaceChildren(...rows.map(([k, n]) => el("tr", {},
    el("th", { scope: "row" }, t(k)),
    el("td", { class: "num" }, String(n)),
    el("td", {}, k === "counted" && share !== null ? t("counted_share", { p: share }) : ""))));
}

function actionText(action, name) {
  if (action.elected) return t("action_elected", { name: name(action.elected.candidate), s: fixedUnits(action.elected.surplus) });
  if (action.excluded) return t("action_excluded", { name: name(action.excluded.candidate) });
  if (action.elected_remaining) return t("action_elected_remaining", { names: action.elected_remaining.candidates.map(name).join(", ") });
  return "";
}

/** Units (10⁻⁹ vote) as votes with three decimals, truncated, as SPEC.md §12.6 shows them. */
function fixedUnits(units) {
  const milli = Math.floor(Number(units) / 1e6);
  return `${Math.floor(milli / 1000)}.${String(milli % 1000).padStart(3, "0")}`;
}

function drawContest(r, figures, number) {
  const id = `contest-${number}`;
  const name = namer(r);
  const title = localized(r.title) || r.contest;
  const candidates = r.candidates ?? [];
  const most = Math.max(1, r.valid);
  const section = el("section", { id, class: "contest", "aria-labelledby": `${id}-title` },
    el("h2", { id: `${id}-title` }, `${number}. ${title}`));
  const methodText = t(`method_${r.method}`);
  section.append(el("dl", { class: "facts" },
    el("dt", {}, t("method")), el("dd", {}, methodText === `method_${r.method}` ? r.method : methodText),
    el("dt", {}, t("valid")), el("dd", {}, String(r.valid)),
    el("dt", {}, t("invalid")), el("dd", {}, String(r.invalid)),
    el("dt", {}, t("seats")), el("dd", {}, String(figures?.seats ?? r.elected.length))));
  const table = el("table", { class: "result" },
    el("caption", { class: "visually-hidden" }, title),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, t("col_candidate")), el("th", { scope: "col" }, t("col_votes")),
      el("th", { scope: "col" }, t("col_percent")), el("th", { scope: "col", class: "bar-col" }, t("col_bar")),
      el("th", { scope: "col" }, t("col_elected")))),
    el("tbody", {}, ...candidates.map((c) => el("tr", { class: c.elected ? "elected" : null },
      el("th", { scope: "row" }, candidateName(c)),
      el("td", { class: "num" }, String(c.votes)),
      el("td", { class: "num" }, c.percent ?? "–"),
      el("td", { class: "bar-col" }, bar(c.votes / most)),
      el("td", {}, c.elected ? t("yes") : t("no"))))));
  section.append(table);
  if (figures && figures.rounds.length > 0) {
    section.append(el("p", {}, t("first_preferences")));
    section.append(el("h3", {}, t("rounds_title")));
    if (figures.quota) section.append(el("p", {}, t("quota", { q: figures.quota })));
    const order = figures.rounds[0].tallies.map(([s]) => s);
    const quota = Number(figures.quota ?? r.valid) || 1;
    const head = el("tr", {}, el("th", { scope: "col" }, t("col_candidate")),
      ...figures.rounds.map((_, i) => el("th", { scope: "col" }, t("round", { n: i + 1 }))));
    const cell = (round, s) => {
      const found = round.tallies.find(([x]) => key(x) === key(s));
      if (!found) return el("td", { class: "num gone" }, "–");
      return el("td", { class: "num" }, found[1], bar(Number(found[1]) / quota));
    };
    const body = [
      ...order.map((s) => el("tr", {}, el("th", { scope: "row" }, name(s)), ...figures.rounds.map((round) => cell(round, s)))),
      el("tr", {}, el("th", { scope: "row" }, t("exhausted")), ...figures.rounds.map((round) => el("td", { class: "num" }, round.exhausted))),
      el("tr", {}, el("th", { scope: "row" }, t("rounding")), ...figures.rounds.map((round) => el("td", { class: "num" }, round.rounding))),
      el("tr", {}, el("th", { scope: "row" }, t("total")), ...figures.rounds.map((round) => el("td", { class: "num" }, round.total))),
      el("tr", {}, el("th", { scope: "row" }, t("round_action")), ...figures.rounds.map((round) => el("td", {}, actionText(round.action, name)))),
    ];
    section.append(el("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": `${title}: ${t("rounds_title")}` },
      el("table", { class: "rounds" }, el("thead", {}, head), el("tbody", {}, ...body))));
  }
  const districts = r.districts ?? [];
  if (districts.length > 1) {
    // A contest that spans districts: each district's own figures (valid, invalid, and each candidate's votes).
    const order = candidates.map((c) => c.selection);
    const districtName = (id) => localized((data.districts ?? []).find((d) => d.id === id)?.title ?? {}) || id;
    section.append(el("h3", {}, t("districts_title")));
    section.append(el("p", { class: "hint" }, t("districts_help")));
    const head = el("tr", {}, el("th", { scope: "col" }, t("col_district")),
      el("th", { scope: "col" }, t("valid")), el("th", { scope: "col" }, t("invalid")),
      ...order.map((s) => el("th", { scope: "col" }, name(s))));
    const rows = districts.map((d) => el("tr", {}, el("th", { scope: "row" }, districtName(d.district)),
      el("td", { class: "num" }, String(d.valid)), el("td", { class: "num" }, String(d.invalid)),
      ...order.map((s) => el("td", { class: "num" }, String(d.tallies.find(([x]) => key(x) === key(s))?.[1] ?? 0)))));
    section.append(el("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": `${title}: ${t("districts_title")}` },
      el("table", { class: "districts" }, el("thead", {}, head), el("tbody", {}, ...rows))));
  }
  if (r.ties.length > 0) section.append(el("p", { class: "hint" }, t("ties", { n: r.ties.length })));
  return section;
}

function drawRecord() {
  document.getElementById("record-head").textContent = site.record.head;
  const files = site.record.files;
  document.getElementById("record-files-title").textContent = t("record_files", { n: files.length });
  document.querySelector("#record-files tbody").replaceChildren(...files.map((f) => el("tr", {},
    el("td", {}, el("a", { href: `record/${f.path}`, download: "" }, f.path)),
    el("td", { class: "num" }, String(f.bytes)),
    el("td", {}, el("code", {}, f.sha256)))));
  document.getElementById("verify-command").textContent = `verifier verify --fingerprint ${site.election.fingerprint} record`;
  document.querySelector("#checks tbody").replaceChildren(...site.verified.checks.map((c) => el("tr", {},
    el("th", { scope: "row" }, `${c.id} ${c.name}`), el("td", {}, c.note ?? ""))));
}

/** The national seat allocation (SPEC.md §12.13), in words in the page's language, as `verifier result` prints it. */
function drawNational() {
  const section = el("section", { id: "national", class: "contest", "aria-labelledby": "national-title" },
    el("h2", { id: "national-title" }, t("national_title")));
  section.append(el("p", { class: "hint" }, t("national_help")));
  section.append(el("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": t("national_title") },
    el("pre", {}, localized(data.national_text))));
  return section;
}

function redraw() {
  drawTurnout();
  const sections = data.result.contests.map((r, i) => drawContest(r, data.figures[i], i + 1));
  if (data.national_text) sections.push(drawNational());
  document.getElementById("contests").replaceChildren(...sections);
  drawRecord();
}

async function main() {
  const files = await startPage(["data/site.json", "data/result.json"], redraw);
  if (!files) return;
  [site, data] = files;
  redraw();
  document.body.dataset.ready = "true";
}

main();
