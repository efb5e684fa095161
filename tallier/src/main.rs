//! `tallier`: command-line front end. The logic lives in the library; this file only parses arguments.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "tallier", version, about = "Offline tool for election officials and trustees")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Election set-up: the manifest and the voters' credentials.
    #[command(subcommand)]
    Setup(SetupCommand),
}

#[derive(Debug, Subcommand)]
enum SetupCommand {
    /// Write the example manifest (three contests: single choice, approval, ranked) to edit.
    Manifest {
        #[arg(long)]
        out: PathBuf,
    },
    /// Generate voter credentials: DIR/credentials.json (public list) and DIR/voters.json (secret, for voters).
    Credentials {
        #[arg(long)]
        voters: usize,
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Setup(SetupCommand::Manifest { out }) => tallier::setup::write_example_manifest(&out),
        Command::Setup(SetupCommand::Credentials { voters, out }) => {
            tallier::setup::generate_credentials(voters, &out, &mut rand_core::OsRng)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tallier: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
