// The text lookup every page shares (the voting pages, the published site and its board, the in-browser
// verifier): each page keeps its own texts, one table per language (en, et, fr), and goes through these. The
// file lives in web-assets/web; the build scripts copy it next to the voting and verifier pages, and the site and
// the board get it from the binaries. No third-party code.

/** The text `key` (a key of the table, else dotted for nested tables) of `texts` in `lang`, else in English,
 * else the key itself, with each `{name}` replaced by `vars.name` (an empty text if missing). */
export function lookup(texts, lang, key, vars = {}) {
  const find = (table) => table?.[key] ?? key.split(".").reduce((o, part) => (o == null ? o : o[part]), table);
  let text = find(texts[lang]);
  if (typeof text !== "string") text = find(texts.en);
  if (typeof text !== "string") text = key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

/** The first of `candidates` that `texts` has a table for, else English. */
export function chooseLanguage(texts, candidates) {
  return candidates.find((l) => l && Object.hasOwn(texts, l)) ?? "en";
}

/** The language saved on this site under `key` (null if none, or if storage is off). */
export function savedLanguage(key) {
  try { return localStorage.getItem(key); } catch { return null; }
}

/** Saves the chosen language under `key` (nothing if storage is off). */
export function saveLanguage(key, lang) {
  try { localStorage.setItem(key, lang); } catch { /* storage may be off */ }
}

/** The browser's language, as two letters. */
export function browserLanguage() {
  return (navigator.language || "en").slice(0, 2);
}

/** Sets the page's language and fills every `[data-t]` element with its text and every `[data-t-label]` one
 * with its accessible name. */
export function translate(texts, lang) {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = lookup(texts, lang, el.dataset.t);
  for (const el of document.querySelectorAll("[data-t-label]")) el.setAttribute("aria-label", lookup(texts, lang, el.dataset.tLabel));
}
