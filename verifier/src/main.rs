//! `verifier`: command-line front end. The checks live in the library; this file parses arguments and prints.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "verifier", version, about = "Stand-alone verifier of election records")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Verify a chain of mix stages of one contest.
    Mix {
        /// Election file: {"manifest": …, "public_key": "<hex>"}.
        #[arg(long)]
        election: PathBuf,
        /// Contest index (0-based, in manifest order).
        #[arg(long)]
        contest: u32,
        /// The list the first stage mixed.
        #[arg(long)]
        input: PathBuf,
        /// Directory with stage-1.list, stage-1.proof, stage-2.list, …
        #[arg(long)]
        stage_dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Mix { election, contest, input, stage_dir } => {
            let report = verifier::mixnet::verify_chain(&election, contest, &input, &stage_dir);
            print!("{report}");
            if report.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
