//! `tallier`: command-line front end. The logic lives in the library; this file only parses arguments.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "tallier", version, about = "The officials' and trustees' offline tool")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Election set-up: the manifest and the voters' credentials.
    #[command(subcommand)]
    Setup(SetupCommand),
    /// Run one mix stage of one contest: shuffle and re-encrypt the list, prove it, write the output and the proof.
    Mix {
        /// Election file: {"manifest": …, "public_key": "<hex>"}.
        #[arg(long)]
        election: PathBuf,
        /// Input list (canonical binary ciphertext list): the anonymized ballots, or the previous stage's output.
        #[arg(long)]
        input: PathBuf,
        /// Contest index (0-based, in manifest order).
        #[arg(long)]
        contest: u32,
        /// Stage number (1 to the manifest's mix_stages).
        #[arg(long)]
        stage: u32,
        /// Where to write the output list.
        #[arg(long)]
        output: PathBuf,
        /// Where to write the proof of shuffle.
        #[arg(long)]
        proof: PathBuf,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
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
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Setup(SetupCommand::Manifest { out }) => tallier::setup::write_example_manifest(&out),
        Command::Setup(SetupCommand::Credentials { voters, out }) => {
            tallier::setup::generate_credentials(voters, &out, &mut rand_core::OsRng)
        }
        Command::Mix { election, input, contest, stage, output, proof, quiet } => {
            let args = tallier::mix::MixArgs { election, input, contest, stage, output, proof, progress: !quiet };
            tallier::mix::run(&args).map(|s| {
                println!(
                    "contest {contest} stage {stage}: mixed {} rows of width {} (shuffle {:.2?}, proof {:.2?}, {} proof bytes)",
                    s.rows, s.width, s.shuffle, s.prove, s.proof_bytes
                );
            })
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
