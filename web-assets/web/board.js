// The ballot board: every ballot's tracker with its position, time and fate, one page of 100 at a time, and a
// search by tracker that reads one small bucket file (data/find/XX.json, the tracker's first two hex digits).
// The same page runs on the published site (data written by `verifier publish` from a verified record) and on the
// collector during voting and on a mirror of its log (/board/, the same paths answered from their copy of the log,
// without fates).
import { t, startPage, getJson, utc, el, showError } from "./site.js";

let site = null;
let page = 0;
let lastFind = null;
let rows = [];

/** `XXXX-XXXX-XXXX-XXXX` from what a person typed, or null: 16 hex digits, any dashes, spaces or case. */
export function normalizeTracker(text) {
  const hex = text.toUpperCase().replace(/[\s\-–—]/g, "");
  if (!/^[0-9A-F]{16}$/.test(hex)) return null;
  return `${hex.slice(0, 4)}-${hex.slice(4, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}`;
}

function fateText(row) {
  const [, , , fate, detail] = row;
  switch (fate) {
    case "counted": return t("fate_counted");
    case "superseded": return t("fate_superseded", { n: Number(detail) + 1 });
    case "revoked": return t("fate_revoked");
    case "removed": return t("fate_removed", { n: Number(detail) + 1 });
    case "moved": return t("fate_moved", { n: Number(detail) + 1 });
    case "change": return changeText(detail);
    case "refused": return t("fate_refused", { reason: t(`reason_${detail}`) });
    default: return t("fate_live");
  }
}

/** A voter-list change's row (the published site): what the officials changed, and where to. */
function changeText(detail) {
  const action = detail && ["add", "remove", "move"].includes(detail.action) ? detail.action : "unknown";
  const text = t(`change_${action}`, { n: detail ? Number(detail.number) + 1 : 0 });
  return detail && detail.district ? `${text} (${detail.district})` : text;
}

function fateCell(row) {
  return el("td", { class: `fate fate-${row[3] ?? "live"}` }, fateText(row));
}

function pages() {
  return Math.max(1, site.board.pages);
}

async function showPage(p) {
  const last = pages() - 1;
  page = Math.max(0, Math.min(last, p));
  const caption = document.getElementById("caption");
  if (site.board.total === 0) {
    rows = [];
  } else {
    caption.textContent = t("loading");
    try {
      rows = (await getJson(`data/board/page-${page}.json`)).entries;
    } catch (e) {
      showError(e.message);
      return;
    }
  }
  drawPage();
  const hash = `#page=${page + 1}`;
  if (location.hash !== hash && !location.hash.startsWith("#tracker=")) history.replaceState(null, "", hash);
}

function drawPage() {
  const caption = document.getElementById("caption");
  const body = document.getElementById("rows");
  body.replaceChildren(...rows.map((r) => el("tr", {},
    el("td", {}, String(r[0] + 1)),
    el("td", {}, r[2] === null ? "—" : el("code", {}, r[2])),
    el("td", {}, utc(r[1])),
    fateCell(r))));
  const total = site.board.total;
  caption.textContent = total === 0 ? t("caption_empty") : t("caption", {
    from: rows.length ? rows[0][0] + 1 : 0, to: rows.length ? rows[rows.length - 1][0] + 1 : 0, total,
    page: page + 1, pages: pages(),
  });
  const last = pages() - 1;
  document.getElementById("first").disabled = page === 0;
  document.getElementById("previous").disabled = page === 0;
  document.getElementById("next").disabled = page >= last;
  document.getElementById("last").disabled = page >= last;
  const go = document.getElementById("goto");
  go.max = String(pages());
  go.value = String(page + 1);
}

async function find(text) {
  const out = document.getElementById("found");
  const tracker = normalizeTracker(text);
  if (!tracker) {
    lastFind = { bad: text };
    drawFind();
    document.getElementById("tracker").setAttribute("aria-invalid", "true");
    return;
  }
  document.getElementById("tracker").removeAttribute("aria-invalid");
  out.replaceChildren(el("p", {}, t("loading")));
  try {
    const bucket = await getJson(`data/find/${tracker.slice(0, 2)}.json`);
    lastFind = { tracker, matches: bucket.entries.filter((r) => r[2] === tracker) };
  } catch (e) {
    lastFind = null;
    out.replaceChildren();
    showError(e.message);
    return;
  }
  history.replaceState(null, "", `#tracker=${tracker}`);
  drawFind();
}

function drawFind() {
  const out = document.getElementById("found");
  if (!lastFind) return out.replaceChildren();
  if (lastFind.bad !== undefined) {
    return out.replaceChildren(el("p", { class: "check warning", id: "find-error" }, t("tracker_bad", { text: lastFind.bad })));
  }
  const { tracker, matches } = lastFind;
  if (matches.length === 0) {
    const key = site.source === "live" ? "not_found_live" : "not_found";
    return out.replaceChildren(el("p", { class: "check warning" }, t(key, { tracker })));
  }
  const one = (r) => {
    const fate = r[3] ?? "live";
    return el("div", { class: `check found fate-${fate}` },
      el("p", {}, t("found", { tracker: r[2], n: r[0] + 1, leaf: r[0], time: utc(r[1]) + " UTC" })),
      el("p", { class: "fate-line" }, el("strong", {}, fateText(r))),
      el("p", {}, t(`fate_help_${fate}`)));
  };
  if (matches.length === 1) return out.replaceChildren(one(matches[0]));
  out.replaceChildren(el("p", {}, t("found_many", { count: matches.length, tracker })), ...matches.map(one));
}

function drawHead() {
  const h = site.head;
  document.getElementById("head-kind").textContent = t(site.source === "live" ? "head_latest" : "head_final");
  const fields = [
    ["tree_size", String(h.tree_size)],
    ["root", h.root],
    ["signed_at", `${utc(h.timestamp / 1000)} UTC`],
    ["signature", h.signature],
    ["collector_key", site.collector_key],
  ];
  document.getElementById("head-fields").replaceChildren(...fields.flatMap(([k, v]) => [
    el("dt", {}, t(k)), el("dd", {}, k === "tree_size" ? v : el("code", {}, v))]));
}

function redraw() {
  document.getElementById("intro").textContent = t(site.source === "live" ? "board_live_intro" : "board_intro") +
    (site.mirror ? ` ${t("board_mirror_note")}` : "");
  drawHead();
  drawPage();
  drawFind();
}

async function main() {
  const data = await startPage(["data/site.json"], redraw);
  if (!data) return;
  [site] = data;
  document.getElementById("find-form").addEventListener("submit", (e) => {
    e.preventDefault();
    find(document.getElementById("tracker").value);
  });
  document.getElementById("first").addEventListener("click", () => showPage(0));
  document.getElementById("previous").addEventListener("click", () => showPage(page - 1));
  document.getElementById("next").addEventListener("click", () => showPage(page + 1));
  document.getElementById("last").addEventListener("click", () => showPage(pages() - 1));
  document.getElementById("goto-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const n = Number.parseInt(document.getElementById("goto").value, 10);
    if (Number.isFinite(n)) showPage(n - 1);
  });
  redraw();
  const hash = new URLSearchParams(location.hash.slice(1));
  const wanted = Number.parseInt(hash.get("page") ?? "1", 10);
  await showPage(Number.isFinite(wanted) ? wanted - 1 : 0);
  if (hash.get("tracker")) {
    document.getElementById("tracker").value = hash.get("tracker");
    await find(hash.get("tracker"));
  }
  document.body.dataset.ready = "true";
}

main();
