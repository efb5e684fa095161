//! `tallier`: the officials' and trustees' offline tool. Thin: arguments here, logic in the modules.

mod trustee;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use trustee::PassphraseSource;

#[derive(Debug, Parser)]
#[command(name = "tallier", version, about = "Offline tool for election officials and trustees")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// A trustee's steps of the key ceremony, and its partial decryption.
    #[command(subcommand)]
    Trustee(TrusteeCommand),
    /// Election keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Threshold decryption.
    #[command(subcommand)]
    Decrypt(DecryptCommand),
}

/// Common to every command that opens a trustee's secret file.
#[derive(Debug, Args)]
struct SecretArgs {
    /// The election manifest (JSON).
    #[arg(long)]
    manifest: PathBuf,
    /// The trustee's passphrase-sealed secret file.
    #[arg(long)]
    secret: PathBuf,
    /// File holding the passphrase (else the environment variable TALLIER_PASSPHRASE).
    #[arg(long)]
    passphrase_file: Option<PathBuf>,
    /// The ceremony directory (files exchanged between trustees).
    #[arg(long)]
    dir: PathBuf,
}

#[derive(Debug, Subcommand)]
enum TrusteeCommand {
    /// Round 1: create the secret file and publish the announcement.
    Init {
        #[command(flatten)]
        common: SecretArgs,
        /// This trustee's index, 1..=n.
        #[arg(long)]
        trustee: u16,
    },
    /// Round 2: publish the hash of the coefficient commitments.
    Commit {
        #[command(flatten)]
        common: SecretArgs,
    },
    /// Round 3: reveal the commitments and deal encrypted shares (needs every announcement and commitment).
    Deal {
        #[command(flatten)]
        common: SecretArgs,
    },
    /// Round 4: check the shares received, keep them, and confirm (with verifiable complaints if any).
    Confirm {
        #[command(flatten)]
        common: SecretArgs,
    },
    /// Partial decryption of a ciphertext list, with its proof.
    Decrypt {
        #[command(flatten)]
        common: SecretArgs,
        /// The ciphertext list (canonical binary).
        #[arg(long)]
        input: PathBuf,
        /// Where to write the signed partial decryption.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Verify the whole ceremony transcript and write the election key and verification keys.
    Combine {
        #[arg(long)]
        manifest: PathBuf,
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum DecryptCommand {
    /// Verify partial decryptions and combine any t valid ones.
    Combine {
        #[arg(long)]
        manifest: PathBuf,
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        input: PathBuf,
        /// Partial decryption files (at least t).
        #[arg(long = "partial", required = true)]
        partials: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Trustee(cmd) => match cmd {
            TrusteeCommand::Init { common: c, trustee } => {
                let pass = PassphraseSource::new(c.passphrase_file);
                let path = trustee::init(&c.manifest, trustee, &c.secret, &c.dir, &pass)?;
                println!("trustee {trustee}: secret sealed in {}; announcement {}", c.secret.display(), path.display());
            }
            TrusteeCommand::Commit { common: c } => {
                let pass = PassphraseSource::new(c.passphrase_file);
                println!("wrote {}", trustee::commit(&c.manifest, &c.secret, &c.dir, &pass)?.display());
            }
            TrusteeCommand::Deal { common: c } => {
                let pass = PassphraseSource::new(c.passphrase_file);
                println!("wrote {}", trustee::deal(&c.manifest, &c.secret, &c.dir, &pass)?.display());
            }
            TrusteeCommand::Confirm { common: c } => {
                let pass = PassphraseSource::new(c.passphrase_file);
                let (path, problems, complaints) = trustee::confirm(&c.manifest, &c.secret, &c.dir, &pass)?;
                for p in &problems {
                    eprintln!("problem: {p}");
                }
                println!("wrote {} ({complaints} complaints)", path.display());
            }
            TrusteeCommand::Decrypt { common: c, input, out } => {
                let pass = PassphraseSource::new(c.passphrase_file);
                let path = trustee::decrypt(&c.manifest, &c.secret, &c.dir, &input, &out, &pass)?;
                println!("wrote {}", path.display());
            }
        },
        Command::Keys(KeysCommand::Combine { manifest, dir, out }) => {
            let f = trustee::keys_combine(&manifest, &dir, &out)?;
            for d in &f.disqualified {
                eprintln!("disqualified: {d}");
            }
            println!(
                "election key {} from trustees {:?}; wrote {}",
                hex::encode(f.election_public_key.element().to_bytes()),
                f.qualified,
                out.display()
            );
        }
        Command::Decrypt(DecryptCommand::Combine { manifest, dir, input, partials, out }) => {
            let (used, rejected) = trustee::decrypt_combine(&manifest, &dir, &input, &partials, &out)?;
            for r in &rejected {
                eprintln!("refused: {r}");
            }
            println!("decrypted with trustees {used:?}; wrote {}", out.display());
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
