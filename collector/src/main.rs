//! `collector`: the command line. The logic lives in the library; see `collector --help`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use collector::admin;
use collector::Settings;
use rand::rngs::OsRng;

/// The collector's commands in the order of an election.
const EXAMPLES: &str = "\
Examples, in the order of an election (DATABASE_URL=postgres://collector@127.0.0.1:5432/collector):
  collector keygen --out collector-machine          # give collector-machine/collector.pub to the officials
  collector init --election election.json --credentials credentials.json --key collector-machine/collector.key
  collector serve --key collector-machine/collector.key --listen 127.0.0.1:8080 --web voter-client/web
  collector status
  collector close --key collector-machine/collector.key
  collector export --out ballot-box.json            # for `tallier tally prepare --box`";

#[derive(Debug, Parser)]
#[command(
    name = "collector",
    version,
    about = "The online ballot collector with a public Merkle ballot log",
    after_help = EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Args)]
struct Db {
    /// PostgreSQL URL, e.g. postgres://user@127.0.0.1:5432/collector (may hold a password: never printed, so
    /// `--help` does not show the environment's value).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,
    /// Connections in the pool.
    #[arg(long, env = "COLLECTOR_POOL_SIZE", default_value_t = 16)]
    pool_size: usize,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Creates the schema and stores the election, the credential registry and the collector's signing key.
    Init {
        #[command(flatten)]
        db: Db,
        /// Election file: {"manifest": <Manifest JSON>, "public_key": hex}.
        #[arg(long)]
        election: PathBuf,
        /// Credential file: JSON array of hex Ed25519 public keys; in an election with districts, of
        /// {"key": hex, "district": id}.
        #[arg(long)]
        credentials: PathBuf,
        /// The collector's secret key file (`collector keygen`): the key the manifest names for the collector.
        #[arg(long)]
        key: PathBuf,
    },
    /// Makes the collector's signing key on this machine: DIR/collector.key (secret, owner-only) and
    /// DIR/collector.pub (give it to the officials for `tallier setup manifest --collector-key`).
    Keygen {
        /// The directory to write the two files in (on the collector's machine).
        #[arg(long)]
        out: PathBuf,
    },
    /// Serves the HTTP API.
    Serve {
        #[command(flatten)]
        db: Db,
        /// The collector's secret key file (`collector keygen`; owner-only): it signs receipts and tree heads.
        #[arg(long, env = "COLLECTOR_KEY_FILE")]
        key: PathBuf,
        /// The address and port to serve on.
        #[arg(long, env = "COLLECTOR_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Largest request body in bytes.
        #[arg(long, env = "COLLECTOR_BODY_LIMIT", default_value_t = 64 * 1024)]
        body_limit: usize,
        /// Casts per credential and minute.
        #[arg(long, env = "COLLECTOR_RATE_LIMIT", default_value_t = 20)]
        rate_limit: u32,
        /// Most ballots per append transaction.
        #[arg(long, env = "COLLECTOR_MAX_BATCH", default_value_t = 1024)]
        max_batch: usize,
        /// Second-device verification window in seconds (default: the manifest's policy).
        #[arg(long, env = "COLLECTOR_VERIFICATION_WINDOW")]
        verification_window: Option<u64>,
        /// Second-device fetches per ballot (default: the manifest's policy).
        #[arg(long, env = "COLLECTOR_VERIFICATION_MAX")]
        verification_max: Option<u32>,
        /// Serve the voting and verification pages from this folder (built by scripts/build-web.sh:
        /// voter-client/web).
        #[arg(long, env = "COLLECTOR_WEB_DIR")]
        web: Option<std::path::PathBuf>,
        /// Most connections served at once; more wait to be accepted. Keep it below the open-file limit
        /// (`ulimit -n`) less the pool size and a margin.
        #[arg(long, env = "COLLECTOR_MAX_CONNECTIONS", default_value_t = 768)]
        max_connections: usize,
        /// Seconds a connection has to send a request's headers, and may stay idle before or between requests;
        /// then it is closed.
        #[arg(long, env = "COLLECTOR_HEADER_TIMEOUT", default_value_t = 10)]
        header_timeout: u64,
        /// Seconds a request body has to arrive (`POST /ballots`: else 408 `request_timeout`), and a read of the
        /// public log has to be answered (else 503 `timeout`).
        #[arg(long, env = "COLLECTOR_REQUEST_TIMEOUT", default_value_t = 30)]
        request_timeout: u64,
    },
    /// Closes the election: no ballot is accepted afterwards; signs the final tree head. Run again, it signs
    /// nothing and prints the final head the first run signed.
    Close {
        #[command(flatten)]
        db: Db,
        /// The collector's secret key file (`collector keygen`; owner-only): it signs the final tree head.
        #[arg(long, env = "COLLECTOR_KEY_FILE")]
        key: PathBuf,
    },
    /// Where the election stands: open or closed, ballots so far, the last signed tree head, time left.
    Status {
        #[command(flatten)]
        db: Db,
    },
    /// Writes the ballot box file for the tallier (after close).
    Export {
        #[command(flatten)]
        db: Db,
        /// Where to write the ballot box (JSON; must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Writes a test election (random key, N voter credentials, a collector key, the officials' key that signs
    /// voter-list changes: officials.key) to DIR. Not for real elections.
    DevElection {
        /// How many test voters (one credential each).
        #[arg(long, default_value_t = 100)]
        voters: usize,
        /// The directory to write the test election in.
        #[arg(long)]
        out: PathBuf,
        /// The example election with districts (north, centre, south; voter i in district i mod 3):
        /// credentials.json then gives each voter's district.
        #[arg(long)]
        districts: bool,
    },
}

fn main() -> std::process::ExitCode {
    // Logs go to stderr; colours only when it is a terminal (a log file or journal gets plain text).
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|rt| rt.block_on(run(cli.command)));
    // One line with its causes, never a backtrace (even with RUST_BACKTRACE set): the message says what to do.
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Keygen { out } => {
            let key = admin::keygen(&out, &mut OsRng)?;
            println!("collector key {} in {}", hex::encode(key.as_bytes()), out.display());
            Ok(())
        }
        Command::Init { db, election, credentials, key } => {
            let pool = collector::db::pool(&db.database_url, 2)?;
            let e: protocol::election::ElectionParameters = serde_json::from_str(&std::fs::read_to_string(&election)?)
                .with_context(|| format!("reading {}", election.display()))?;
            let text =
                std::fs::read_to_string(&credentials).with_context(|| format!("reading {}", credentials.display()))?;
            let c = admin::read_credential_list(&text).with_context(|| format!("{}", credentials.display()))?;
            let key = admin::read_signing_key(&key)?;
            admin::init(&pool, &e, &c, key).await?;
            let fingerprint = e.election()?.fingerprint().to_hex();
            println!("election initialised; fingerprint {fingerprint} (publish it: voters and observers pin it)");
            Ok(())
        }
        Command::Serve {
            db,
            key,
            listen,
            body_limit,
            rate_limit,
            max_batch,
            verification_window,
            verification_max,
            web,
            max_connections,
            header_timeout,
            request_timeout,
        } => {
            collector::check_open_file_limit(max_connections, db.pool_size)?;
            let pool = collector::db::pool(&db.database_url, db.pool_size)?;
            let settings = Settings {
                body_limit,
                rate_limit_per_minute: rate_limit,
                max_batch,
                verification_window: verification_window.map(Duration::from_secs),
                verification_max_fetches: verification_max,
                web_dir: web,
                request_timeout: Duration::from_secs(request_timeout.max(1)),
                max_connections,
                header_timeout: Duration::from_secs(header_timeout.max(1)),
            };
            let key = admin::read_signing_key(&key)?;
            let state = collector::start(pool, settings, key).await?;
            let listener = tokio::net::TcpListener::bind(listen).await?;
            tracing::info!(%listen, "serving");
            collector::serve(state, listener).await
        }
        Command::Close { db, key } => {
            let key = admin::read_signing_key(&key)?;
            let pool = collector::db::pool(&db.database_url, 2)?;
            let closed = admin::close(&pool, &key).await?;
            println!("{closed}");
            println!("{}", serde_json::to_string_pretty(&closed.final_head)?);
            Ok(())
        }
        Command::Status { db } => {
            let pool = collector::db::pool(&db.database_url, 2)?;
            println!("{}", admin::status(&pool).await?);
            Ok(())
        }
        Command::Export { db, out } => {
            let pool = collector::db::pool(&db.database_url, 2)?;
            let b = admin::export(&pool, &out).await?;
            tracing::info!(ballots = b.ballots.len(), out = %out.display(), "ballot box written and checked");
            Ok(())
        }
        Command::DevElection { voters, out, districts } => {
            admin::write_dev_election(&out, voters, districts, &mut OsRng)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every subcommand and every argument a person sees in `--help` says what it is for; the examples are
    /// there; clap's own consistency checks pass.
    #[test]
    fn every_command_and_argument_is_described() {
        let cli = Cli::command();
        let missing = test_support::cli::undescribed(&cli, "collector");
        assert!(missing.is_empty(), "without a description in --help: {missing:#?}");
        let examples = cli.get_after_help().map(|h| h.to_string()).unwrap_or_default();
        let words: Vec<&str> = examples.split_whitespace().collect();
        for sub in cli.get_subcommands().filter(|c| c.get_name() != "help" && c.get_name() != "dev-election") {
            let name = sub.get_name();
            assert!(words.windows(2).any(|w| w == ["collector", name]), "{name} has no example");
        }
    }
}
