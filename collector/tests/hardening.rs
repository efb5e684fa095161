//! The collector under abuse and in operation: a process started while others append, query bounds at the edge
//! of the integers, secrets kept out of `--help` and errors, `close` run twice and `status`, caching headers,
//! idle and slow-loris connections while voters cast, and API.md's error table against the code.

// The helpers below are test code too (a failure is a failed test); clippy only exempts `#[test]` functions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use collector::Settings;
use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Casts ballots of `e`'s voters one after another until `stop`; counts the 201s. Panics on any other answer.
async fn keep_casting(base: String, e: Arc<TestElection>, stop: Arc<AtomicBool>, accepted: Arc<AtomicUsize>) {
    let http = client();
    let mut i = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let b = ballot(&e, i % e.voters.len(), i as u16);
        let (st, v) = cast(&http, &base, &b).await;
        assert_eq!(st, 201, "cast {i}: {v}");
        accepted.fetch_add(1, Ordering::Relaxed);
        i += 1;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_started_while_another_appends_loads_a_consistent_log() {
    let url = fresh_db().await;
    let e = Arc::new(init_election(&url, 50).await);
    let s = serve(&url, Settings { rate_limit_per_minute: 10_000, max_batch: 4, ..Settings::default() }, &e.key).await;
    let (stop, accepted) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let casters: Vec<_> =
        (0..3).map(|_| tokio::spawn(keep_casting(s.base.clone(), e.clone(), stop.clone(), accepted.clone()))).collect();
    // Each start reads the log while appends commit; before the one-snapshot read, a head newer than the leaves
    // read made some of these fail with "the stored leaves do not give the latest signed root".
    let pool = collector::db::pool(&url, 4).unwrap();
    let mut sizes = Vec::new();
    for _ in 0..25 {
        let state = collector::start(pool.clone(), Settings::default(), e.key.clone()).await.unwrap();
        sizes.push(state.log.committed.load(Ordering::Relaxed));
    }
    stop.store(true, Ordering::Relaxed);
    for c in casters {
        c.await.unwrap();
    }
    // The starts did see appends happen in between (else this test proves nothing).
    assert!(sizes.first() < sizes.last(), "no append during the starts: {sizes:?}");
    assert!(accepted.load(Ordering::Relaxed) > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_bounds_at_the_edge_of_the_integers_get_a_clear_400() {
    let url = fresh_db().await;
    let e = init_election(&url, 1).await;
    let s = serve(&url, Settings::default(), &e.key).await;
    let http = client();
    assert_eq!(cast(&http, &s.base, &ballot(&e, 0, 0)).await.0, 201);
    let (max_i, max_u) = (i64::MAX, u64::MAX);
    let cases: Vec<(String, u16, &str)> = vec![
        // Near 2^63: the page end saturates; nothing there.
        (format!("leaves?start={}&end={max_i}", max_i - 1), 200, ""),
        (format!("leaves?start={}&end={max_i}", max_i - 1000), 200, ""),
        (format!("leaves?start={max_i}&end={max_i}"), 400, "invalid_range"),
        (format!("leaves?start=0&end={max_i}"), 200, ""),
        (format!("leaves?start={}&end=1", i64::MIN), 400, "invalid_range"),
        (format!("leaves?start=0&end={max_u}"), 400, "invalid_query"),
        ("leaves?start=0&end=99999999999999999999999".into(), 400, "invalid_query"),
        (format!("proof/inclusion?leaf_index={}&tree_size={max_u}", max_u - 1), 400, "invalid_tree_size"),
        (format!("proof/inclusion?leaf_index={max_u}&tree_size={max_u}"), 400, "invalid_tree_size"),
        (format!("proof/inclusion?leaf_index={max_u}&tree_size=1"), 400, "invalid_range"),
        ("proof/inclusion?leaf_index=0&tree_size=0".into(), 400, "invalid_range"),
        ("proof/inclusion?leaf_index=-1&tree_size=1".into(), 400, "invalid_query"),
        (format!("proof/consistency?first=0&second={max_u}"), 400, "invalid_tree_size"),
        (format!("proof/consistency?first={max_u}&second={max_u}"), 400, "invalid_tree_size"),
        (format!("proof/consistency?first={max_u}&second=1"), 400, "invalid_range"),
        ("proof/consistency?first=0&second=0".into(), 200, ""),
        ("proof/consistency?first=1&second=1".into(), 200, ""),
    ];
    for (query, status, want) in cases {
        let (st, v) = get_json(&http, format!("{}/log/{query}", s.base)).await;
        assert_eq!((st, code(&v)), (status, want), "{query}: {v}");
        if query.starts_with("leaves") && st == 200 {
            let n = v["entries"].as_array().unwrap().len();
            assert_eq!(n, usize::from(query.starts_with("leaves?start=0")), "{query}");
        }
    }
    // The server is still there; a known route with another method, and an unknown route.
    assert_eq!(get_json(&http, format!("{}/log/sth", s.base)).await.0, 200);
    let r = http.delete(format!("{}/log/sth", s.base)).send().await.unwrap();
    let (st, v) = (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap());
    assert_eq!((st, code(&v)), (405, "method_not_allowed"));
    let (st, v) = get_json(&http, format!("{}/log/nothing", s.base)).await;
    assert_eq!((st, code(&v)), (404, "not_found"));
}

/// Runs the collector binary with `args` and the environment; returns stdout + stderr and the exit status.
fn run_bin(args: &[&str], env: &[(&str, &str)]) -> (String, bool) {
    let out = Command::new(env!("CARGO_BIN_EXE_collector"))
        .args(args)
        .envs(env.iter().copied())
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (text, out.status.success())
}

/// No database to reach: one line that gives the cause once and says what to check, no backtrace even when asked.
#[test]
fn an_unreachable_database_is_one_plain_line_that_says_what_to_check() {
    let (out, ok) =
        run_bin(&["status", "--database-url", "postgres://nobody@127.0.0.1:1/none"], &[("RUST_BACKTRACE", "1")]);
    assert!(!ok, "{out}");
    assert!(out.starts_with("error: cannot connect to PostgreSQL ("), "{out}");
    assert!(out.contains("check that the server is running and that --database-url"), "{out}");
    assert_eq!(out.matches("onnect").count(), 2, "the cause once, not repeated by each wrapper: {out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(!out.contains("backtrace") && !out.contains('\u{1b}'), "{out}");
}

#[test]
fn the_database_password_is_never_printed() {
    const PASSWORD: &str = "s3cret-Pa55word";
    let url = format!("postgres://collector:{PASSWORD}@127.0.0.1:1/collector");
    let env = [("DATABASE_URL", url.as_str())];
    for sub in ["init", "serve", "close", "status", "export"] {
        let (help, ok) = run_bin(&[sub, "--help"], &env);
        assert!(ok, "{sub} --help: {help}");
        assert!(help.contains("DATABASE_URL"), "{sub} --help names the variable: {help}");
        assert!(!help.contains(PASSWORD), "{sub} --help shows the password:\n{help}");
    }
    let (help, _) = run_bin(&["--help"], &env);
    assert!(!help.contains(PASSWORD), "{help}");
    // A failed connection (nothing listens on port 1) says so without the URL.
    let key = key_file(&protocol::generate_signing_key(&mut rand::rngs::OsRng));
    let key = key.to_str().unwrap();
    for args in [&["status"][..], &["close", "--key", key], &["serve", "--listen", "127.0.0.1:0", "--key", key]] {
        let (out, ok) = run_bin(args, &env);
        assert!(!ok, "{args:?} succeeded without a database: {out}");
        assert!(!out.contains(PASSWORD), "{args:?} printed the password:\n{out}");
        assert!(out.contains("PostgreSQL"), "{args:?}: {out}");
    }
    // A URL that does not parse: not echoed either.
    let bad = format!("postgres://collector:{PASSWORD}@127.0.0.1:notaport/collector");
    let (out, ok) = run_bin(&["status"], &[("DATABASE_URL", bad.as_str())]);
    assert!(!ok);
    assert!(!out.contains(PASSWORD), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_twice_signs_once_and_status_says_where_the_election_stands() {
    let url = fresh_db().await;
    let e = init_election(&url, 2).await;
    let s = serve(&url, Settings::default(), &e.key).await;
    let http = client();
    for i in 0..3 {
        assert_eq!(cast(&http, &s.base, &ballot(&e, i % 2, i as u16)).await.0, 201);
    }
    let (out, ok) = run_bin(&["status", "--database-url", &url], &[]);
    assert!(ok, "{out}");
    assert!(out.starts_with("open: accepting ballots for "), "{out}");
    let key = key_file(&e.key);
    let key = key.to_str().unwrap();
    assert!(out.contains("ballots in the log: 3"), "{out}");

    let (first, ok) = run_bin(&["close", "--database-url", &url, "--key", key], &[]);
    assert!(ok, "{first}");
    assert!(first.contains("election closed at "), "{first}");
    assert!(first.contains("ballots in the log: 3"), "{first}");
    let head = sth(&http, &s.base).await;
    assert!(first.contains(&format!("final tree head: size 3, root {}", hex::encode(head.root))), "{first}");
    let (second, ok) = run_bin(&["close", "--database-url", &url, "--key", key], &[]);
    assert!(ok, "{second}");
    assert!(second.contains("the election was closed already"), "{second}");
    // Nothing new signed: the same head, served and printed.
    assert_eq!(sth(&http, &s.base).await, head);
    let json = |out: &str| -> serde_json::Value { serde_json::from_str(&out[out.find('{').unwrap()..]).unwrap() };
    assert_eq!(json(&first), json(&second));
    assert_eq!(json(&second), serde_json::to_value(&head).unwrap());
    let (out, ok) = run_bin(&["status", "--database-url", &url], &[]);
    assert!(ok, "{out}");
    assert!(out.starts_with("closed at "), "{out}");
    assert!(out.contains(&format!("last signed tree head: size 3, root {}", hex::encode(head.root))), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_revalidate_and_api_answers_are_never_stored() {
    let url = fresh_db().await;
    let e = init_election(&url, 1).await;
    let web = tmpdir("web");
    std::fs::create_dir_all(web.join("pkg")).unwrap();
    for f in
        ["index.html", "app.js", "pkg/voter_client.js", "pkg/voter_client_bg.wasm", "pkg/voter_client_bg.wasm.sha256"]
    {
        std::fs::write(web.join(f), "x").unwrap();
    }
    let s = serve(&url, Settings { web_dir: Some(web.clone()), ..Settings::default() }, &e.key).await;
    let http = client();
    let cache = |r: &reqwest::Response| r.headers().get("cache-control").map(|v| v.to_str().unwrap().to_string());
    for path in ["/", "/index.html", "/app.js", "/pkg/voter_client.js", "/pkg/voter_client_bg.wasm"] {
        let r = http.get(format!("{}{path}", s.base)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(cache(&r).as_deref(), Some("no-cache"), "{path}");
    }
    let r = http.get(format!("{}/pkg/voter_client_bg.wasm.sha256", s.base)).send().await.unwrap();
    assert_eq!(cache(&r).as_deref(), Some("no-cache"));
    let body = serde_json::to_vec(&ballot(&e, 0, 0)).unwrap();
    let r = http
        .post(format!("{}/ballots", s.base))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!((r.status().as_u16(), cache(&r).as_deref()), (201, Some("no-store")));
    for path in ["/election", "/log/sth", "/log/leaves?start=0&end=1", "/log/leaves?start=x", "/healthz", "/metrics"] {
        let r = http.get(format!("{}{path}", s.base)).send().await.unwrap();
        assert_eq!(cache(&r).as_deref(), Some("no-store"), "{path}");
    }
    let r = http.post(format!("{}/ballots", s.base)).body("{}").send().await.unwrap();
    assert_eq!((r.status().as_u16(), cache(&r).as_deref()), (415, Some("no-store")));
    rm(&web);
}

/// Waits until the server closes `stream` (EOF or reset), writing one byte of `trickle` every 500 ms meanwhile
/// (a slow-loris client) when given; the time it took, or `None` if still open after `limit`.
async fn time_to_close(
    mut stream: tokio::net::TcpStream,
    trickle: Option<&'static [u8]>,
    limit: Duration,
) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    let mut next = 0;
    loop {
        tokio::select! {
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => return Some(started.elapsed()),
                Ok(_) => {} // an error answer (408/400): keep reading until the close
            },
            () = tokio::time::sleep(Duration::from_millis(500)) => {
                if let Some(bytes) = trickle {
                    if stream.write_all(&bytes[next % bytes.len()..][..1]).await.is_err() {
                        return Some(started.elapsed());
                    }
                    next += 1;
                }
            }
        }
        if started.elapsed() > limit {
            return None;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_loris_connections_are_closed_while_voters_cast() {
    const IDLE: usize = 300;
    const SLOW: usize = 50;
    let header_timeout = Duration::from_secs(2);
    let url = fresh_db().await;
    let e = Arc::new(init_election(&url, 20).await);
    let settings = Settings {
        rate_limit_per_minute: 10_000,
        header_timeout,
        request_timeout: Duration::from_secs(2),
        ..Settings::default()
    };
    let s = serve(&url, settings, &e.key).await;
    let addr = s.base.trim_start_matches("http://").to_string();
    let (stop, accepted) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let caster = tokio::spawn(keep_casting(s.base.clone(), e.clone(), stop.clone(), accepted.clone()));

    let limit = header_timeout + Duration::from_secs(2);
    let mut idle = Vec::new();
    for _ in 0..IDLE {
        let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        idle.push(tokio::spawn(time_to_close(stream, None, limit + Duration::from_secs(1))));
    }
    let mut slow = Vec::new();
    for i in 0..SLOW {
        let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        // Half send their headers a byte at a time; half send whole headers and then the body a byte at a time.
        let task = if i % 2 == 0 {
            time_to_close(stream, Some(b"POST /ballots HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaa"), limit)
        } else {
            let mut stream = stream;
            stream
                .write_all(b"POST /ballots HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n")
                .await
                .unwrap();
            time_to_close(stream, Some(b"{\"body\": "), limit)
        };
        slow.push(tokio::spawn(task));
    }
    // Slow bodies get their answer (408 request_timeout) before the close.
    let mut raw = tokio::net::TcpStream::connect(&addr).await.unwrap();
    raw.write_all(
        b"POST /ballots HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    )
    .await
    .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(limit, raw.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""request_timeout""#), "{answer}");

    let before = accepted.load(Ordering::Relaxed);
    for (i, t) in idle.into_iter().enumerate() {
        let took = t.await.unwrap();
        assert!(took.is_some_and(|d| d <= limit + Duration::from_secs(1)), "idle connection {i} open after {limit:?}");
    }
    for (i, t) in slow.into_iter().enumerate() {
        let took = t.await.unwrap();
        assert!(took.is_some(), "slow connection {i} still open after {limit:?}");
    }
    // Voters kept casting the whole time (keep_casting fails on any other answer than 201).
    stop.store(true, Ordering::Relaxed);
    caster.await.unwrap();
    let after = accepted.load(Ordering::Relaxed);
    assert!(before > 0 && after > before, "casts stalled: {before} then {after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_a_voter_waits_for_a_slot_and_is_served() {
    let url = fresh_db().await;
    let e = init_election(&url, 1).await;
    let settings = Settings { max_connections: 4, header_timeout: Duration::from_secs(1), ..Settings::default() };
    let s = serve(&url, settings, &e.key).await;
    let addr = s.base.trim_start_matches("http://").to_string();
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    // Give the server time to accept the four (each takes a slot); the cast waits in the accept queue until
    // the header timeout frees one, and is then served.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let (st, v) = cast(&client(), &s.base, &ballot(&e, 0, 0)).await;
    assert_eq!(st, 201, "{v}");
    assert!(started.elapsed() >= Duration::from_millis(500), "served at once: the cap did not hold");
    for mut h in held {
        let mut buf = [0u8; 16];
        assert_eq!(tokio::time::timeout(Duration::from_secs(3), h.read(&mut buf)).await.unwrap().unwrap_or(0), 0);
    }
}

/// The `| status | `code` | when |` rows of API.md's error table.
fn documented_codes() -> Vec<(u16, String)> {
    let api = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/API.md")).unwrap();
    let table = &api[api.find("| Status | Code | When |").unwrap()..];
    table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].parse().unwrap(), cells[2].trim_matches('`').to_string())
        })
        .collect()
}

/// Every `(status, code)` the collector's source builds an error with: `AppError::new(STATUS, "code", …)` (also
/// `Self::new` in error.rs), `bad_request("code", …)` (400) and `not_found("code", …)` (404).
fn codes_in_source() -> Vec<(u16, String, String)> {
    let status_of = |token: &str| -> Option<u16> {
        Some(match token.trim().trim_start_matches("StatusCode::") {
            "BAD_REQUEST" => 400,
            "FORBIDDEN" => 403,
            "NOT_FOUND" => 404,
            "METHOD_NOT_ALLOWED" => 405,
            "REQUEST_TIMEOUT" => 408,
            "GONE" => 410,
            "PAYLOAD_TOO_LARGE" => 413,
            "UNSUPPORTED_MEDIA_TYPE" => 415,
            "UNPROCESSABLE_ENTITY" | "unprocessable" => 422,
            "TOO_MANY_REQUESTS" => 429,
            "CONFLICT" => 409,
            "INTERNAL_SERVER_ERROR" => 500,
            "SERVICE_UNAVAILABLE" => 503,
            _ => return None,
        })
    };
    let mut found = Vec::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        for (pattern, fixed) in
            [("AppError::new(", None), ("Self::new(", None), ("bad_request(", Some(400)), ("not_found(", Some(404))]
        {
            for (at, _) in text.match_indices(pattern) {
                let rest = &text[at + pattern.len()..];
                let (status, rest) = match fixed {
                    Some(s) => (Some(s), rest),
                    None => {
                        let comma = rest.find(',').unwrap();
                        (status_of(&rest[..comma]), &rest[comma + 1..])
                    }
                };
                // Definitions (`fn bad_request(code: …`) have no literal first.
                let rest = rest.trim_start();
                let Some(rest) = rest.strip_prefix('"') else { continue };
                let code = &rest[..rest.find('"').unwrap()];
                let status = status.unwrap_or_else(|| panic!("{file}: unknown status before \"{code}\""));
                found.push((status, code.to_string(), file.clone()));
            }
        }
    }
    found
}

#[test]
fn api_md_and_the_code_agree_on_every_status_and_error_code() {
    let documented = documented_codes();
    assert!(documented.len() >= 25, "{documented:?}");
    let source = codes_in_source();
    for (status, code, file) in &source {
        assert!(
            documented.contains(&(*status, code.clone())),
            "{file} answers {status} `{code}`, which API.md's error table does not list with that status"
        );
    }
    for (status, code) in &documented {
        assert!(
            source.iter().any(|(s, c, _)| s == status && c == code),
            "API.md lists {status} `{code}`, which no code in collector/src answers"
        );
    }
    // And each is produced by a request in these tests, but for those no test can provoke on demand.
    let not_provoked = ["internal", "overloaded", "outcome_unknown", "timeout"];
    let tests: String = ["api.rs", "districts.rs", "faults.rs", "hardening.rs", "voters.rs", "voter_list.rs"]
        .iter()
        .map(|f| std::fs::read_to_string(format!("{}/tests/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap())
        .collect();
    for (_, code) in documented.iter().filter(|(_, c)| !not_provoked.contains(&c.as_str())) {
        assert!(tests.contains(&format!("\"{code}\"")), "no test checks for `{code}`");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signing_key_lives_in_its_file_only() {
    use std::os::unix::fs::PermissionsExt;
    let url = fresh_db().await;
    let e = init_election(&url, 1).await;
    let (db, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let stored = |db: tokio_postgres::Client| async move {
        let v: Option<Vec<u8>> = db.query_one("SELECT signing_key FROM election", &[]).await.unwrap().get(0);
        (v, db)
    };
    // `init` stores no secret.
    let (v, db) = stored(db).await;
    assert_eq!(v, None);

    // A key file others may read is refused, saying what to do.
    let path = key_file(&e.key);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = collector::admin::read_signing_key(&path).unwrap_err().to_string();
    assert!(err.contains("chmod 600"), "{err}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(collector::admin::read_signing_key(&path).unwrap().to_bytes(), e.key.to_bytes());

    // Another key than the manifest's: refused by serve and close.
    let other = protocol::generate_signing_key(&mut rand::rngs::OsRng);
    let pool = collector::db::pool(&url, 4).unwrap();
    let err = collector::start(pool.clone(), Settings::default(), other.clone()).await.unwrap_err().to_string();
    assert!(err.contains("manifest names"), "{err}");
    let err = collector::admin::close(&pool, &other).await.unwrap_err().to_string();
    assert!(err.contains("manifest names"), "{err}");

    // A database of an earlier version holds the secret: a copy of another key is refused and kept as is ...
    db.execute("UPDATE election SET signing_key = $1", &[&other.to_bytes().as_slice()]).await.unwrap();
    let err = collector::start(pool.clone(), Settings::default(), e.key.clone()).await.unwrap_err().to_string();
    assert!(err.contains("not the key file's"), "{err}");
    let (v, db) = stored(db).await;
    assert_eq!(v.as_deref(), Some(other.to_bytes().as_slice()));
    // ... a copy of the file's key is removed by the first start.
    db.execute("UPDATE election SET signing_key = $1", &[&e.key.to_bytes().as_slice()]).await.unwrap();
    let s = serve(&url, Settings::default(), &e.key).await;
    let (v, _db) = stored(db).await;
    assert_eq!(v, None);
    let (st, v) = cast(&client(), &s.base, &ballot(&e, 0, 0)).await;
    assert_eq!(st, 201, "{v}");
    receipt(&v).verify(&e.key.verifying_key(), e.election.fingerprint()).unwrap();
}

#[test]
fn a_connection_cap_beyond_the_open_file_limit_is_refused_at_start() {
    let run = |max: &str| {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -n 300 && exec {} serve --database-url postgres://x@127.0.0.1:1/x --key /nonexistent \
                 --max-connections {max} --pool-size 16",
                env!("CARGO_BIN_EXE_collector")
            ))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let err = run("768");
    assert!(err.contains("lower --max-connections to at most 220"), "{err}");
    // Within the limit, serve goes on (and stops at the missing key file).
    let err = run("200");
    assert!(!err.contains("--max-connections"), "{err}");
    assert!(err.contains("/nonexistent"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_accepting_and_closes_idle_connections_at_once() {
    let url = fresh_db().await;
    let e = init_election(&url, 1).await;
    let pool = collector::db::pool(&url, 4).unwrap();
    // The header (idle) timeout is long: a quick return shows the idle connections were closed, not timed out.
    let settings = Settings { header_timeout: Duration::from_secs(30), ..Settings::default() };
    let state = collector::start(pool, settings, e.key.clone()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(collector::serve_until(state, listener, async {
        let _ = stopped.await;
    }));
    let base = format!("http://{addr}");
    assert_eq!(cast(&client(), &base, &ballot(&e, 0, 0)).await.0, 201);
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    let returned = tokio::time::timeout(Duration::from_secs(5), server).await;
    assert!(returned.is_ok_and(|r| r.unwrap().is_ok()), "serve_until did not return after the shutdown signal");
    let mut buf = [0u8; 16];
    assert_eq!(tokio::time::timeout(Duration::from_secs(1), idle.read(&mut buf)).await.unwrap().unwrap_or(0), 0);
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "still accepting after shutdown");
}
