//! A real PostgreSQL (DATABASE_URL when set, else a private cluster started here), one fresh database per test,
//! and an in-process collector. Shared by the collector's tests (through `common`) and the voter client's
//! (`voter-client/tests/sim.rs` includes this file by path).
// Test-only helpers: a failure here is a failed test, so unwrap and panic are the right response.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use collector::{AppState, Settings};

pub fn pg_bin() -> PathBuf {
    if let Ok(dir) = std::env::var("PG_BIN") {
        return PathBuf::from(dir);
    }
    for v in ["17", "16", "15", "14", "13"] {
        let p = PathBuf::from(format!("/usr/lib/postgresql/{v}/bin"));
        if p.join("initdb").exists() {
            return p;
        }
    }
    PathBuf::from("/usr/lib/postgresql/15/bin")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Runs a PostgreSQL tool as the `postgres` user when we are root (initdb refuses root).
fn pg_cmd(tool: &str) -> Command {
    let bin = pg_bin().join(tool);
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    }
}

pub fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A private PostgreSQL cluster in a temporary directory; stopped and removed on drop.
#[derive(Debug)]
pub struct PgCluster {
    pub dir: PathBuf,
    pub port: u16,
}

impl PgCluster {
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("collector-pg-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            assert!(Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir).status().unwrap().success());
        }
        let data = dir.join("data");
        let out = pg_cmd("initdb")
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "-D"])
            .arg(&data)
            .stdout(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        let c = Self { dir, port: free_port() };
        c.start_server();
        c
    }

    pub fn start_server(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=128MB",
            self.port,
            self.dir.display()
        );
        let status = pg_cmd("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-o", &opts, "-l"])
            .arg(self.dir.join("log"))
            .args(["-w", "start"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl start");
    }

    pub fn stop_server(&self, mode: &str) {
        let _ = pg_cmd("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", mode, "-w", "stop"])
            .stdout(Stdio::null())
            .status();
    }

    pub fn admin_url(&self) -> String {
        format!("host=127.0.0.1 port={} user=postgres dbname=postgres", self.port)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        self.stop_server("immediate");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The server every test of this binary shares: DATABASE_URL, or a private cluster stopped when the test
/// process exits (a watchdog shell waits for our pid).
fn shared_admin_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            return url;
        }
        let c = PgCluster::start();
        let url = c.admin_url();
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop}; rm -rf {dir}",
            pid = std::process::id(),
            stop = if is_root() {
                format!(
                    "runuser -u postgres -- {} -D {}/data -m immediate stop",
                    pg_bin().join("pg_ctl").display(),
                    c.dir.display()
                )
            } else {
                format!("{} -D {}/data -m immediate stop", pg_bin().join("pg_ctl").display(), c.dir.display())
            },
            dir = c.dir.display()
        );
        // The watchdog outlives this process by design: it is what stops the cluster after us.
        let watchdog = Command::new("sh").arg("-c").arg(script).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
        std::mem::forget(watchdog.unwrap());
        std::mem::forget(c);
        url
    })
}

/// Replaces the database name in a URL (key=value or postgres:// form).
pub fn with_dbname(url: &str, db: &str) -> String {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
        let scheme_end = base.find("://").unwrap() + 3;
        let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
        let host = &base[..path_start.unwrap_or(base.len())];
        match query {
            Some(q) => format!("{host}/{db}?{q}"),
            None => format!("{host}/{db}"),
        }
    } else {
        let kept: Vec<&str> = url.split_whitespace().filter(|kv| !kv.starts_with("dbname=")).collect();
        format!("{} dbname={db}", kept.join(" "))
    }
}

/// Creates a fresh database on `admin_url`'s server; returns its URL.
pub async fn fresh_db_on(admin_url: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!("t_{}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), rand::random::<u32>());
    let (client, conn) = tokio_postgres::connect(admin_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    with_dbname(admin_url, &name)
}

pub async fn fresh_db() -> String {
    fresh_db_on(shared_admin_url()).await
}

/// An in-process collector on an ephemeral port.
pub struct Served {
    pub base: String,
    pub state: AppState,
    pub task: tokio::task::JoinHandle<()>,
}

/// `key`: the collector's signing key (the election's; `collector serve` reads it from its key file).
pub async fn serve(url: &str, settings: Settings, key: &ed25519_dalek::SigningKey) -> Served {
    let pool = collector::db::pool(url, 16).unwrap();
    let state = collector::start(pool, settings, key.clone()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let served = state.clone();
    let task = tokio::spawn(async move {
        collector::serve_until(served, listener, std::future::pending()).await.unwrap();
    });
    Served { base, state, task }
}
