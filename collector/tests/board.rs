//! The live ballot board (`/board/`, collector/API.md "Ballot board") against a real PostgreSQL: the page and its
//! files under the strict CSP, and its data answered from the log: the latest head, pages of 100 ballots with
//! their trackers and times, the search buckets, and a clear 404 for any other name.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use collector::Settings;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_board_pages_and_finds_the_logs_ballots() {
    let url = fresh_db().await;
    let e = init_election(&url, 6).await;
    let s = serve(&url, Settings::default(), &e.key).await;
    let http = client();

    // Before any ballot: an empty board under the empty log's head.
    let (st, site) = get_json(&http, format!("{}/board/data/site.json", s.base)).await;
    assert_eq!(st, 200);
    assert_eq!(site["source"], "live");
    assert_eq!(site["board"]["total"], 0);
    assert_eq!(site["board"]["pages"], 0);
    assert_eq!(
        get_json(&http, format!("{}/board/data/board/page-0.json", s.base)).await.1["entries"],
        serde_json::json!([])
    );

    // 102 ballots (6 voters voting again and again; the per-minute limit is 20 per credential): two pages.
    let mut cast_ballots = Vec::new();
    for i in 0..102u16 {
        let b = ballot(&e, usize::from(i % 6), i);
        let (st, v) = cast(&http, &s.base, &b).await;
        assert_eq!(st, 201, "{v}");
        cast_ballots.push((b.id(), receipt(&v)));
    }

    let (st, site) = get_json(&http, format!("{}/board/data/site.json", s.base)).await;
    assert_eq!(st, 200);
    let head = sth(&http, &s.base).await;
    assert_eq!(site["head"], serde_json::to_value(&head).unwrap());
    assert_eq!(site["head"]["tree_size"], 102);
    assert_eq!(site["board"], serde_json::json!({"total": 102, "page_size": 100, "pages": 2}));
    assert_eq!(site["election"]["fingerprint"], e.election.fingerprint().to_hex());
    assert_eq!(site["collector_key"], hex::encode(e.key.verifying_key().to_bytes()));

    let (st, p0) = get_json(&http, format!("{}/board/data/board/page-0.json", s.base)).await;
    assert_eq!(st, 200);
    let (_, p1) = get_json(&http, format!("{}/board/data/board/page-1.json", s.base)).await;
    let (_, p2) = get_json(&http, format!("{}/board/data/board/page-2.json", s.base)).await;
    let p0 = p0["entries"].as_array().unwrap().clone();
    let p1 = p1["entries"].as_array().unwrap().clone();
    assert_eq!((p0.len(), p1.len()), (100, 2));
    assert_eq!(p2["entries"], serde_json::json!([]), "a page past the end is empty");
    for (row, (id, receipt)) in p0.iter().chain(&p1).zip(&cast_ballots) {
        assert_eq!(
            row,
            &serde_json::json!([receipt.leaf_index, receipt.accepted_at, id.tracker(), null, null]),
            "position, time and tracker of each ballot, no fate before the tally"
        );
    }

    // Each ballot is in the bucket of its id's first byte, and only there.
    for (id, receipt) in cast_ballots.iter().take(5) {
        let bucket = format!("{:02X}", id.0[0]);
        let (st, found) = get_json(&http, format!("{}/board/data/find/{bucket}.json", s.base)).await;
        assert_eq!(st, 200);
        let rows = found["entries"].as_array().unwrap();
        assert!(rows.iter().any(|r| r[2] == id.tracker() && r[0] == receipt.leaf_index), "{bucket}: {found}");
        assert!(rows.iter().all(|r| r[2].as_str().unwrap().starts_with(&bucket)));
        let expected = cast_ballots.iter().filter(|(other, _)| other.0[0] == id.0[0]).count();
        assert_eq!(rows.len(), expected);
    }
    let (st, ff) = get_json(&http, format!("{}/board/data/find/FF.json", s.base)).await;
    assert_eq!(st, 200, "the last bucket has no upper bound");
    assert_eq!(ff["entries"].as_array().unwrap().len(), cast_ballots.iter().filter(|(id, _)| id.0[0] == 0xff).count());

    // Names that are not the board's: 404 with the error body and a word on what a name looks like.
    for bad in [
        "data/board/page-x.json",
        "data/board/page--1.json",
        "data/board/page-99999999999999999999.json",
        "data/board/0.json",
        "data/find/ab.json",
        "data/find/ABC.json",
        "data/find/GG.json",
        "nothing.js",
    ] {
        let (st, v) = get_json(&http, format!("{}/board/{bad}", s.base)).await;
        assert_eq!(st, 404, "{bad}");
        assert_eq!(code(&v), "not_found", "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_page_is_served_under_the_strict_csp() {
    let url = fresh_db().await;
    let e = init_election(&url, 1).await;
    let s = serve(&url, Settings::default(), &e.key).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = http.get(format!("{}/board", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 308);
    assert_eq!(r.headers()["location"], "/board/");
    for (path, kind, contains) in [
        ("/board/", "text/html", "<script type=\"module\" src=\"board.js\"></script>"),
        ("/board/board.html", "text/html", "id=\"find-form\""),
        ("/board/board.js", "text/javascript", "data/find/"),
        ("/board/site.js", "text/javascript", "export const TEXTS"),
        ("/board/site.css", "text/css", "svg.bar"),
        ("/board/base.css", "text/css", "--accent"),
        ("/board/i18n-core.js", "text/javascript", "export function lookup"),
    ] {
        let r = http.get(format!("{}{path}", s.base)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with(kind), "{path}");
        assert_eq!(r.headers()["content-security-policy"], collector::CONTENT_SECURITY_POLICY, "{path}");
        assert_eq!(r.headers()["cache-control"], collector::CACHE_STATIC, "{path}");
        assert!(r.text().await.unwrap().contains(contains), "{path}");
    }
    // No inline script or style in the page: the CSP allows none.
    let page = http.get(format!("{}/board/", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("<script>") && !page.contains("style="), "inline code in the board page");
    let r = http.get(format!("{}/board/data/site.json", s.base)).send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], collector::CACHE_API);
}
