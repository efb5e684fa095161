//! `verifier`: command-line front end. The checks live in the library; this file parses arguments and prints.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use verifier::ceremony;

#[derive(Debug, Parser)]
#[command(name = "verifier", version, about = "Stand-alone verifier of election records")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Verify the key ceremony's transcript in DIR: every signature, commitment and proof, and that the
    /// election key and verification keys follow from it.
    Ceremony {
        #[arg(long)]
        manifest: PathBuf,
        /// The published election key file, checked against the transcript.
        #[arg(long)]
        key: Option<PathBuf>,
        dir: PathBuf,
    },
    /// Verify every partial decryption of a list and their combination.
    Decryption {
        #[arg(long)]
        manifest: PathBuf,
        /// The ceremony directory.
        #[arg(long)]
        dir: PathBuf,
        /// The ciphertext list.
        #[arg(long)]
        input: PathBuf,
        #[arg(long = "partial", required = true)]
        partials: Vec<PathBuf>,
        /// The claimed plaintext list.
        #[arg(long)]
        plaintext: PathBuf,
    },
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

fn exit(passed: bool) -> ExitCode {
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Ceremony { manifest, key, dir } => {
            let mut report = ceremony::Report::default();
            ceremony::check_ceremony(&manifest, &dir, key.as_deref(), &mut report);
            println!("{report}");
            exit(report.passed())
        }
        Command::Decryption { manifest, dir, input, partials, plaintext } => {
            let mut report = ceremony::Report::default();
            ceremony::check_decryption(&manifest, &dir, &input, &partials, &plaintext, &mut report);
            println!("{report}");
            exit(report.passed())
        }
        Command::Mix { election, contest, input, stage_dir } => {
            let report = verifier::mixnet::verify_chain(&election, contest, &input, &stage_dir);
            print!("{report}");
            exit(report.passed())
        }
    }
}
