//! `verifier`: the observers' stand-alone verifier. Thin: arguments here, checks in the modules.

mod ceremony;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut report = ceremony::Report::default();
    match &cli.command {
        Command::Ceremony { manifest, key, dir } => {
            ceremony::check_ceremony(manifest, dir, key.as_deref(), &mut report);
        }
        Command::Decryption { manifest, dir, input, partials, plaintext } => {
            ceremony::check_decryption(manifest, dir, input, partials, plaintext, &mut report);
        }
    }
    println!("{report}");
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
