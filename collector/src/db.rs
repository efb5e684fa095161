//! PostgreSQL: the connection pool, the schema migrations (run at start-up under an advisory lock, so several
//! processes may start at once), and the queries shared by the commands.

use std::str::FromStr;

use anyhow::Context;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

/// Advisory lock key that serialises migrations between processes.
const MIGRATION_LOCK: i64 = 0x7276_636f_6c6c_6563;

/// The schema, one entry per version; never edit an applied entry, add a new one.
const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE election (
    id          smallint PRIMARY KEY CHECK (id = 1),
    manifest    text        NOT NULL,
    public_key  bytea       NOT NULL,
    fingerprint bytea       NOT NULL,
    signing_key bytea       NOT NULL, -- migration 3: nullable, never written
    closed_at   timestamptz
);
CREATE TABLE credentials (credential bytea PRIMARY KEY);
CREATE TABLE log_state (
    id        smallint PRIMARY KEY CHECK (id = 1),
    tree_size bigint NOT NULL
);
CREATE TABLE ballots (
    leaf_index  bigint PRIMARY KEY,
    ballot_id   bytea       NOT NULL UNIQUE,
    credential  bytea       NOT NULL,
    ballot      bytea       NOT NULL,
    leaf_hash   bytea       NOT NULL,
    receipt     text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    fetches     integer     NOT NULL DEFAULT 0
);
CREATE INDEX ballots_by_credential ON ballots (credential, leaf_index);
CREATE TABLE tree_heads (
    tree_size bigint PRIMARY KEY,
    sth       text NOT NULL
);
",
    r"
-- Log leaves v2 (SPEC.md §11.1 eq. LG1) bind the second the collector accepted each ballot. A log of v1 leaves
-- (no time) cannot be carried on under v2: refuse rather than mix the two in one tree.
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM ballots) THEN
        RAISE EXCEPTION 'this log holds rv/log-leaf/v1 leaves, which have no acceptance time: finish this election with the collector that started it';
    END IF;
END $$;
ALTER TABLE ballots ADD COLUMN accepted_at bigint NOT NULL CHECK (accepted_at >= 0);
-- The acceptance time of the last leaf (0 for an empty log), read under the log lock: times never go back (§11.7).
ALTER TABLE log_state ADD COLUMN last_accepted_at bigint NOT NULL DEFAULT 0;
",
    r"
-- The collector's signing key lives only in its key file (`collector serve --key`), never in the database, so a
-- database read or a backup cannot forge receipts. Nothing writes this column any more; a copy stored by an
-- earlier version is removed by the first `serve` or `close` given the same key (state::check_signing_key).
ALTER TABLE election ALTER COLUMN signing_key DROP NOT NULL;
",
    r"
-- Districts (SPEC.md §4.5.1): each credential's district, its index in the manifest's `districts`; NULL in an
-- election without districts, so a database initialised before this migration keeps working unchanged.
ALTER TABLE credentials ADD COLUMN district smallint CHECK (district >= 0);
",
    r"
-- Changes to the voter list while the election is open (SPEC.md §4.7): each change the officials signed (eq. VL1),
-- a leaf of the log of its own (eq. LG9) between the ballots' leaves, appended under the log lock like them. The
-- `credentials` table stays the list when voting opened (the manifest's registry fixes it); the list in force is it
-- with these changes replayed in `seq` order. `answer` is the body of the `201` that appended it, answered again
-- (`200`) when the same change is sent again.
CREATE TABLE voter_list_changes (
    seq         bigint PRIMARY KEY CHECK (seq >= 0),
    leaf_index  bigint NOT NULL UNIQUE CHECK (leaf_index >= 0),
    change      bytea  NOT NULL UNIQUE,
    leaf_hash   bytea  NOT NULL,
    accepted_at bigint NOT NULL CHECK (accepted_at >= 0),
    answer      text   NOT NULL
);
",
];

/// A pool over `url` (a libpq-style URL or key=value string).
pub fn pool(url: &str, size: usize) -> anyhow::Result<Pool> {
    let config = tokio_postgres::Config::from_str(url).context("parsing the database URL")?;
    let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager).max_size(size).build().context("building the connection pool")
}

/// A connection for a command (`init`, `serve`'s start, `status`, `close`, `export`); when there is none, the error
/// gives the root cause once and says what to check.
pub async fn connect(pool: &Pool) -> anyhow::Result<deadpool_postgres::Object> {
    pool.get().await.map_err(|e| {
        let mut cause: &dyn std::error::Error = &e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        anyhow::anyhow!(
            "cannot connect to PostgreSQL ({cause}): check that the server is running and that --database-url (or \
             DATABASE_URL) names it"
        )
    })
}

/// Applies the migrations that are missing.
pub async fn migrate(pool: &Pool) -> anyhow::Result<()> {
    let mut client = connect(pool).await?;
    let tx = client.transaction().await?;
    // No NOTICE ("relation … already exists, skipping") on every start of every command.
    tx.batch_execute("SET LOCAL client_min_messages = warning").await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .await?;
    let applied: i32 = tx.query_one("SELECT coalesce(max(version), 0) FROM schema_migrations", &[]).await?.get(0);
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied as usize) {
        let version = i as i32 + 1;
        tx.batch_execute(sql).await.with_context(|| format!("migration {version}"))?;
        tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[&version]).await?;
        tracing::info!(version, "applied migration");
    }
    tx.commit().await?;
    Ok(())
}
