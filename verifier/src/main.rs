//! `verifier`: command-line front end. The checks live in the library; this file parses arguments and prints.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use verifier::ceremony;
use verifier::report::Report;

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
        #[command(flatten)]
        output: Output,
        #[arg(long)]
        manifest: PathBuf,
        /// The published election key file, checked against the transcript.
        #[arg(long)]
        key: Option<PathBuf>,
        dir: PathBuf,
    },
    /// Verify every partial decryption of a list and their combination.
    Decryption {
        #[command(flatten)]
        output: Output,
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
        #[command(flatten)]
        output: Output,
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
    /// Verify a whole election record: checks V1–V13 of SPEC.md §14.4, in order. Exit status 0 only if every
    /// check passed.
    Verify {
        #[command(flatten)]
        output: Output,
        /// The record's directory (the one holding index.json).
        record: PathBuf,
    },
    /// Verify a voter's receipt against a record: the record's integrity, election and ballot log (V1, V2, V4,
    /// V5), the receipt's signature and inclusion, that the box holds its ballot at its leaf and extends its tree,
    /// then whether the ballot was counted, superseded, revoked or refused.
    Receipt {
        #[command(flatten)]
        output: Output,
        /// The receipt the collector returned (JSON).
        receipt: PathBuf,
        /// The record's directory.
        record: PathBuf,
    },
    /// Verify that a newer signed tree head extends an older one (no fork, no truncation): both signed by the
    /// collector (L1, L6) and linked by the consistency proof (L4).
    Consistency {
        #[command(flatten)]
        output: Output,
        /// The collector's Ed25519 public key, 64 hex digits.
        #[arg(long)]
        collector_key: String,
        /// The election's fingerprint (64 hex digits); without it, both heads must carry the same one.
        #[arg(long)]
        fingerprint: Option<String>,
        /// The older signed tree head (JSON, as GET /log/sth returns it).
        old_sth: PathBuf,
        /// The newer signed tree head.
        new_sth: PathBuf,
        /// The JSON body of GET /log/proof/consistency?first=OLD&second=NEW.
        proof: PathBuf,
    },
}

/// How a report is printed.
#[derive(Debug, Args)]
struct Output {
    /// Print the report as JSON (no progress on stderr).
    #[arg(long)]
    json: bool,
    /// No progress on stderr.
    #[arg(long)]
    quiet: bool,
}

impl Output {
    fn progress(&self) -> bool {
        !self.json && !self.quiet
    }
    /// Prints the report; the exit status says whether every check passed.
    fn print(&self, report: &Report) -> ExitCode {
        if self.json {
            println!("{:#}", report.to_json());
        } else {
            println!("{report}");
        }
        exit(report.passed())
    }
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
        Command::Ceremony { output, manifest, key, dir } => {
            let mut report = Report::new(format!("key ceremony {}", dir.display()), output.progress());
            ceremony::check_ceremony(&manifest, &dir, key.as_deref(), &mut report);
            output.print(&report)
        }
        Command::Decryption { output, manifest, dir, input, partials, plaintext } => {
            let mut report = Report::new(format!("decryption of {}", input.display()), output.progress());
            ceremony::check_decryption(&manifest, &dir, &input, &partials, &plaintext, &mut report);
            output.print(&report)
        }
        Command::Mix { output, election, contest, input, stage_dir } => {
            let report = verifier::mixnet::verify_chain(&election, contest, &input, &stage_dir, output.progress());
            output.print(&report)
        }
        Command::Verify { output, record } => {
            output.print(&verifier::verify::verify_record(&record, output.progress()))
        }
        Command::Receipt { output, receipt, record } => {
            output.print(&verifier::verify::verify_receipt(&receipt, &record, output.progress()))
        }
        Command::Consistency { output, collector_key, fingerprint, old_sth, new_sth, proof } => {
            output.print(&verifier::verify::verify_consistency(
                &collector_key,
                fingerprint.as_deref(),
                &old_sth,
                &new_sth,
                &proof,
                output.progress(),
            ))
        }
    }
}
