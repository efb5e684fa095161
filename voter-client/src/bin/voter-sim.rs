//! `voter-sim`: casts many ballots to a collector over HTTP, as many voters would, and checks every receipt.
//! The logic is in [`voter_client::sim`]; this file parses the command line and prints the summary.
//!
//! ```text
//! voter-sim --collector http://127.0.0.1:8080 --voters voters.json [--credentials credentials.json] [--ballots N]
//!           [--revote-share 0.1] [--concurrency 16] [--seed S] [--receipts FILE] [--expected FILE] [--quiet]
//! ```
//!
//! Exit status: 0 if every ballot was accepted with a verified receipt, 1 if any failed, 2 if the simulation
//! could not start.

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::path::PathBuf;
    use std::process::ExitCode;

    use clap::Parser;
    use voter_client::sim::{run, SimConfig};

    /// Casts ballots to a collector as many voters would: one ballot per voter (with random valid answers), then
    /// re-votes by a share of them with different answers, at a given concurrency. Checks every receipt (the
    /// collector's signature and the inclusion proof, SPEC.md §11.4 L2, L3, L5, L6, and that it is for the ballot
    /// sent); retries on 503. Prints a summary (cast, re-votes, refused by error code, rate, p50/p99 latency) and
    /// exits with status 1 if any ballot failed.
    #[derive(Debug, Parser)]
    #[command(name = "voter-sim", version)]
    struct Args {
        /// The collector's base URL, http:// only (this build has no TLS client).
        #[arg(long)]
        collector: String,
        /// The voters' secret credentials: a JSON array of credentials in their text form (SPEC.md §8.1;
        /// voters.json of `collector dev-election` or `tallier setup credentials`).
        #[arg(long)]
        voters: PathBuf,
        /// The public credential list (credentials.json of `collector dev-election` or `tallier setup
        /// credentials`), which gives each voter's district: needed in an election with districts, where each
        /// voter casts their district's ballot.
        #[arg(long)]
        credentials: Option<PathBuf>,
        /// First ballots to cast, one per voter from the first on [default: every voter].
        #[arg(long)]
        ballots: Option<usize>,
        /// Share of those voters who vote again later, with different answers (0 to 1).
        #[arg(long, default_value_t = 0.1)]
        revote_share: f64,
        /// Most ballots being made or posted at once.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Seed of the random answers and of who re-votes [default: random, printed in the summary].
        #[arg(long)]
        seed: Option<u64>,
        /// Write every receipt here, one JSON object per line, in log order.
        #[arg(long)]
        receipts: Option<PathBuf>,
        /// Write here, for each credential (hex public key), the answers of its last accepted ballot (JSON).
        #[arg(long)]
        expected: Option<PathBuf>,
        /// No progress bar and no line per refused ballot (the summary is still printed).
        #[arg(long)]
        quiet: bool,
    }

    pub fn main() -> ExitCode {
        let args = Args::parse();
        let config = SimConfig {
            collector: args.collector,
            voters: args.voters,
            credentials: args.credentials,
            ballots: args.ballots,
            revote_share: args.revote_share,
            concurrency: args.concurrency,
            seed: args.seed.unwrap_or_else(|| rand_core::RngCore::next_u64(&mut rand_core::OsRng)),
            receipts: args.receipts,
            expected: args.expected,
            quiet: args.quiet,
        };
        let summary = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(run(&config)));
        match summary {
            Ok(summary) => {
                println!("{summary}");
                if summary.failed() == 0 {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
            Err(e) => {
                eprintln!("voter-sim: {e:#}");
                ExitCode::from(2)
            }
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    native::main()
}

/// `voter-sim` is a native program: built for wasm32 (as `cargo test --target wasm32-unknown-unknown` does), it
/// has nothing to do.
#[cfg(target_arch = "wasm32")]
fn main() {}
