//! The public web's shared files, one copy each, and the live ballot board's data.
//!
//! * [`BASE_CSS`] and [`I18N_CORE_JS`]: the look and the text lookup of every page: the voting pages
//!   (voter-client/web), the published site (`verifier publish`) and the in-browser verifier (verifier-web/web).
//!   scripts/build-web.sh and scripts/build-verifier-web.sh copy them next to their pages; the site gets them
//!   from here.
//! * [`BOARD`]: the ballot board page and what it loads. The collector serves it at `/board/` during voting
//!   (collector/API.md "Ballot board"), a mirror at its own `/board/` (verifier/MIRROR.md), from their copies of
//!   the log; `verifier publish` writes it into the site with each ballot's fate after the tally.
//! * [`live_site`], [`live_row`], [`page_number`] and [`find_bucket`]: the board's data files as the collector
//!   and the mirror answer them (`data/site.json`, `data/board/page-P.json`, `data/find/XX.json`), so that both
//!   serve the same shapes as the published site.

use protocol::log::SignedTreeHead;
use protocol::{BallotId, Fingerprint, Manifest};
use serde_json::{json, Value};

/// One file of the web pages: its name (relative to the page), its `Content-Type` and its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// The base style of every page (plain, high-contrast, phone width); each page links it before its own style.
pub const BASE_CSS: Asset = Asset { name: "base.css", content_type: CSS, body: include_str!("../web/base.css") };
/// The text lookup every page's texts go through (language choice, `{name}` filling, `data-t` elements).
pub const I18N_CORE_JS: Asset =
    Asset { name: "i18n-core.js", content_type: JS, body: include_str!("../web/i18n-core.js") };
/// The published site's texts (en, et, fr) and helpers, shared by its pages and the board.
pub const SITE_JS: Asset = Asset { name: "site.js", content_type: JS, body: include_str!("../web/site.js") };
/// The published site's style (over [`BASE_CSS`], which each page links first), shared by its pages and the board.
pub const SITE_CSS: Asset = Asset { name: "site.css", content_type: CSS, body: include_str!("../web/site.css") };
/// The ballot board page.
pub const BOARD_HTML: Asset = Asset { name: "board.html", content_type: HTML, body: include_str!("../web/board.html") };
/// The ballot board's script.
pub const BOARD_JS: Asset = Asset { name: "board.js", content_type: JS, body: include_str!("../web/board.js") };

/// The ballot board page and every file it loads.
pub const BOARD: &[Asset] = &[BOARD_HTML, BOARD_JS, SITE_JS, SITE_CSS, I18N_CORE_JS, BASE_CSS];

/// The board's file called `name`, if it is one.
pub fn board_asset(name: &str) -> Option<&'static Asset> {
    BOARD.iter().find(|a| a.name == name)
}

/// `format` of `data/site.json`.
pub const SITE_FORMAT: &str = "rv/site/v1";
/// Ballots per board page (`data/board/page-P.json`), live and published alike.
pub const PAGE_SIZE: u64 = 100;

/// What a board page name must look like, for a `404` that says it.
pub const PAGE_NAME_HELP: &str = "a board page is page-N.json, N a page number from 0";
/// What a search file name must look like, for a `404` that says it.
pub const BUCKET_NAME_HELP: &str = "a search file is XX.json, XX the tracker's first two hex digits (0-9, A-F)";

/// The live board's `data/site.json`: the election, the collector's key and its latest signed tree head
/// `head`, and the board's size and paging, with `"source": "live"` (the page then shows no fates and hides the
/// site's other pages).
pub fn live_site(
    manifest: &Manifest,
    fingerprint: &Fingerprint,
    collector_key: &[u8; 32],
    head: &SignedTreeHead,
) -> Value {
    let total = head.tree_size;
    json!({
        "format": SITE_FORMAT,
        "source": "live",
        "lang": "en",
        "election": {
            "election_id": manifest.election_id,
            "title": manifest.title,
            "fingerprint": fingerprint.to_hex(),
            "opens_at": manifest.voting_period.opens_at,
            "closes_at": manifest.voting_period.closes_at,
        },
        "collector_key": hex::encode(collector_key),
        "head": head,
        "board": {"total": total, "page_size": PAGE_SIZE, "pages": total.div_ceil(PAGE_SIZE)},
    })
}

/// One ballot on the live board: `[leaf_index, accepted_at, tracker, null, null]` (the fate and its detail are
/// known only after the tally: the published site fills them in).
pub fn live_row(leaf_index: u64, accepted_at: u64, id: &BallotId) -> Value {
    json!([leaf_index, accepted_at, id.tracker(), null, null])
}

/// One voter-list change on a board, live or published (SPEC.md §4.7, §14.5): `[leaf_index, accepted_at, null, "change", {"action", "number",
/// "district"}]`: no tracker; the action (`add`, `remove`, `move`), the change's number (`seq`) and, for an add or a
/// move with districts, the district's id (else `null`). A change that does not decode (V4 refuses such a record, and no collector appends one)
/// has `{"action": null}`.
pub fn change_row(c: &protocol::ballot_box::ChangeEntry, manifest: &protocol::manifest::Manifest) -> Value {
    let detail = match protocol::voter_list::VoterListChange::from_hex(&c.change) {
        Ok(change) => {
            let district = match change.new_district(manifest) {
                Ok(Some(d)) => manifest.districts.get(usize::from(d)).map(|d| json!(d.id)).unwrap_or(Value::Null),
                _ => Value::Null,
            };
            json!({"action": change.action.name(), "number": change.seq, "district": district})
        }
        Err(_) => json!({"action": null}),
    };
    json!([c.leaf_index, c.accepted_at, Value::Null, "change", detail])
}

/// The page number `N` of a board page's name `page-N.json` (decimal digits only), else `None`.
pub fn page_number(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("page-")?.strip_suffix(".json")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The byte `XX` of a search file's name `XX.json` (two upper-case hex digits), else `None`.
pub fn find_bucket(name: &str) -> Option<u8> {
    let digits = name.strip_suffix(".json")?;
    if digits.len() != 2 || !digits.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)) {
        return None;
    }
    u8::from_str_radix(digits, 16).ok()
}

/// The first and the last ballot (exclusive) of board page `page`, if it is not past `u64`.
pub fn page_range(page: u64) -> Option<(u64, u64)> {
    let start = page.checked_mul(PAGE_SIZE)?;
    Some((start, start.saturating_add(PAGE_SIZE)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_and_bucket_names() {
        assert_eq!(page_number("page-0.json"), Some(0));
        assert_eq!(page_number("page-12.json"), Some(12));
        for bad in [
            "page-.json",
            "page-x.json",
            "page--1.json",
            "page-+1.json",
            "page-1.js",
            "1.json",
            "page-99999999999999999999.json",
        ] {
            assert_eq!(page_number(bad), None, "{bad}");
        }
        assert_eq!(find_bucket("00.json"), Some(0));
        assert_eq!(find_bucket("A7.json"), Some(0xa7));
        assert_eq!(find_bucket("FF.json"), Some(0xff));
        for bad in ["ab.json", "ABC.json", "GG.json", "A.json", "+A.json", "AB.js"] {
            assert_eq!(find_bucket(bad), None, "{bad}");
        }
        assert_eq!(page_range(2), Some((200, 300)));
        assert_eq!(page_range(u64::MAX), None);
    }

    #[test]
    fn the_board_carries_every_file_its_pages_load() {
        // Every `href`/`src` and every module import of the board's files is one of the board's files.
        for asset in BOARD {
            for part in asset.body.split(['"', '\'']) {
                let part = part.strip_prefix("./").unwrap_or(part);
                let local = part.ends_with(".js") || part.ends_with(".css");
                if local && !part.contains(['/', ' ', '(', '$']) {
                    assert!(board_asset(part).is_some(), "{} loads {part}, which the board does not carry", asset.name);
                }
            }
        }
        assert!(BOARD_HTML.body.contains("href=\"base.css\""), "the board links the base style");
        assert!(SITE_JS.body.contains("from \"./i18n-core.js\""));
        assert!(board_asset("nothing.js").is_none());
    }
}
