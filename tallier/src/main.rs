//! `tallier`: the officials' and trustees' offline tool. Thin: arguments here, logic in the modules.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use tallier::tally;
use tallier::trustee::{self, PassphraseSource};

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
    /// A trustee's steps of the key ceremony, and its partial decryption.
    #[command(subcommand)]
    Trustee(TrusteeCommand),
    /// Election keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The officials' signed list of credentials whose voters voted on paper (SPEC.md §14.2).
    #[command(subcommand)]
    Revocations(RevocationsCommand),
    /// The tally: prepare the record, mix, finish (SPEC.md §14). Trustees decrypt in between.
    #[command(subcommand)]
    Tally(TallyCommand),
    /// Threshold decryption.
    #[command(subcommand)]
    Decrypt(DecryptCommand),
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
        /// Mix server K's secret key file (`tallier setup mix-key`): the stage mixed is K, and it is signed.
        #[arg(long)]
        key: PathBuf,
        /// Where to write the output list.
        #[arg(long)]
        output: PathBuf,
        /// Where to write the proof of shuffle.
        #[arg(long)]
        proof: PathBuf,
        /// Where to write the mix server's signature (64 bytes, SPEC.md §9.5.1).
        #[arg(long)]
        signature: PathBuf,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
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
    /// File holding the passphrase (else the environment variable TALLIER_PASSPHRASE, else a hidden prompt).
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
    /// Round 2, once every trustee has announced: deal Pedersen-committed share pairs, encrypted, to every other
    /// trustee (trustees who will not announce are left out only with --without J).
    Deal {
        #[command(flatten)]
        common: SecretArgs,
        /// A trustee that has not announced and takes no part (repeat for several).
        #[arg(long = "without", value_name = "J")]
        without: Vec<u16>,
    },
    /// Round 3, once every trustee of the roster has dealt: check the shares received, keep them, and confirm
    /// (with verifiable complaints if any). A dealer that will not deal is left out only with --without J.
    Confirm {
        #[command(flatten)]
        common: SecretArgs,
        #[arg(long = "without", value_name = "J")]
        without: Vec<u16>,
    },
    /// Round 5, after the officials' close: publish the public values of this trustee's polynomial with the
    /// proof that they open its commitments (only a trustee of the qualified set reveals).
    Reveal {
        #[command(flatten)]
        common: SecretArgs,
    },
    /// Round 6, only when the officials ask: disclose this trustee's shares of a qualified trustee whose reveal
    /// is missing or fails, so that its contribution is rebuilt (t trustees must do so).
    Recover {
        #[command(flatten)]
        common: SecretArgs,
        /// The trustee whose contribution to rebuild (repeat for several).
        #[arg(long = "for", value_name = "J", required = true)]
        dealers: Vec<u16>,
    },
    /// Where the ceremony stands: each trustee's files, and what to run next.
    Status {
        #[arg(long)]
        manifest: PathBuf,
        #[arg(long)]
        dir: PathBuf,
    },
    /// Partial decryption, with its proof, of every contest of a record: the trustee first runs the verifier's
    /// checks on everything the decryption depends on (the ceremony, the box under the manifest's collector key
    /// and registry, every ballot, squash, revocations, the mix input, every mix stage's proof and signature),
    /// then writes contest-C/partial-J.bin. If any check fails, nothing is written.
    Decrypt {
        /// The trustee's passphrase-sealed secret file.
        #[arg(long)]
        secret: PathBuf,
        /// File holding the passphrase (else the environment variable TALLIER_PASSPHRASE, else a hidden prompt).
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
        /// The record after `tally mix`.
        #[arg(long)]
        record: PathBuf,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
}

#[derive(Debug, Subcommand)]
enum RevocationsCommand {
    /// Sign the list of credentials of voters who voted on paper (a JSON array of hex keys; may be empty).
    Sign {
        /// Election file: {"manifest": …, "public_key": "<hex>"}.
        #[arg(long)]
        election: PathBuf,
        /// The officials' secret key (officials-key.hex).
        #[arg(long)]
        key: PathBuf,
        /// JSON array of the paper voters' hex credential keys.
        #[arg(long)]
        credentials: PathBuf,
        /// Where to write the signed list (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum TallyCommand {
    /// Verify the ceremony, the ballot box and the revocation list; write the record up to the mix input (R1–R4).
    Prepare {
        /// The collector's ballot box export.
        #[arg(long = "box")]
        ballot_box: PathBuf,
        /// The key ceremony's directory.
        #[arg(long)]
        ceremony: PathBuf,
        /// The officials' signed revocation list.
        #[arg(long)]
        revocations: PathBuf,
        /// The record directory to create (absent or empty).
        #[arg(long)]
        out: PathBuf,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Run mix stage K of every contest, or every stage not yet in the record, in order.
    Mix {
        #[arg(long)]
        record: PathBuf,
        /// A mix server's secret key file (`mix-K`, from `tallier setup mix-key`): mixes and signs stage K of
        /// every contest. Repeat for several stages run on one machine (in stage order).
        #[arg(long = "key", required = true)]
        keys: Vec<PathBuf>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Check the partial decryptions, combine, decode, count; write the result and the record's index.
    Finish {
        #[arg(long)]
        record: PathBuf,
        /// Also write the readable report to this file (outside the record).
        #[arg(long)]
        report: Option<PathBuf>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Round 4, by the officials, once every trustee has confirmed: check rounds 1 to 3 and sign close.json with
    /// the officials' key, which fixes the qualified set before anything about the key is public.
    Close {
        #[arg(long)]
        manifest: PathBuf,
        #[arg(long)]
        dir: PathBuf,
        /// The officials' secret key file (officials.key).
        #[arg(long)]
        key: PathBuf,
        /// A trustee whose confirmation will not come (repeat for several): it makes no complaint.
        #[arg(long = "without", value_name = "J")]
        without: Vec<u16>,
    },
    /// Verify the whole ceremony transcript and write the election key and verification keys.
    Combine {
        #[arg(long)]
        manifest: PathBuf,
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Also write the election file {"manifest", "public_key"} (for `collector init` and the tally).
        #[arg(long)]
        election: Option<PathBuf>,
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

#[derive(Debug, Subcommand)]
enum SetupCommand {
    /// Without --base: write the example manifest's template (three contests: single choice, approval, ranked)
    /// to edit. With --base TEMPLATE and every role's public key and the credentials: write the manifest, which
    /// binds them all (its fingerprint is the one number voters, observers and trustees pin).
    Manifest {
        #[arg(long)]
        out: PathBuf,
        /// The edited template.
        #[arg(long, requires_all = ["collector_key", "officials_key", "mix_keys", "credentials"])]
        base: Option<PathBuf>,
        /// The collector's public key file (`collector keygen`: collector.pub).
        #[arg(long, requires = "base")]
        collector_key: Option<PathBuf>,
        /// The officials' public key file (`tallier setup officials-key`: officials.pub).
        #[arg(long, requires = "base")]
        officials_key: Option<PathBuf>,
        /// A mix server's public key file (`tallier setup mix-key`: mix-K.pub), once per stage.
        #[arg(long = "mix-key", requires = "base")]
        mix_keys: Vec<PathBuf>,
        /// The public credential list (`tallier setup credentials`: credentials.json).
        #[arg(long, requires = "base")]
        credentials: Option<PathBuf>,
    },
    /// Generate the officials' Ed25519 key: DIR/officials.key (secret, mode 0600) and DIR/officials.pub.
    OfficialsKey {
        #[arg(long)]
        out: PathBuf,
    },
    /// Generate mix server K's Ed25519 key, on that server's machine: DIR/mix-K.key (secret, mode 0600) and
    /// DIR/mix-K.pub (for the manifest).
    MixKey {
        /// The stage this server mixes (1 …).
        #[arg(long)]
        stage: u16,
        #[arg(long)]
        out: PathBuf,
    },
    /// From a voter list (CSV), make each voter's credential, the public credential list and one printable letter
    /// per voter: DIR/credentials.json (public: for `setup manifest --credentials` and `collector init`),
    /// DIR/voters.csv (private list: voter_id, name, address, district, credential; mode 0600) and
    /// DIR/letters.html (one A4 letter a voter with the code as text and QR code; mode 0600: print it offline).
    /// If the list has problems, each is named with its line and nothing is written.
    #[command(after_help = "Example:\n  tallier setup voters --list voters.csv --manifest template.json \\\n    \
                            --url https://vote.example.org/ --languages et,en --utc-offset +03:00 --out voters-2027\n\n\
                            voters.csv starts with its header row, one voter a row:\n  voter_id,name,address,district\n  \
                            1001,Mari Maasikas,\"Pärnu mnt 1, 10141 Tallinn\",Kesklinn")]
    Voters {
        /// The voter list: CSV in UTF-8 (with or without BOM; comma- or semicolon-separated) whose header row is
        /// `voter_id,name,address,district` (district may be left out or empty; an address may have several
        /// lines inside quotes). Example: --list voters.csv
        #[arg(long, value_name = "CSV")]
        list: PathBuf,
        /// The edited manifest template, without roles (`tallier setup manifest --out template.json`): the letters
        /// show its title and voting period. Example: --manifest template.json
        #[arg(long, value_name = "TEMPLATE")]
        manifest: PathBuf,
        /// The voting page's address, printed on each letter and put in its QR code with the voter's code
        /// (URL#c=CODE). https:// (http:// only for localhost). Example: --url https://vote.example.org/
        #[arg(long)]
        url: String,
        /// A new or empty directory for the files. Example: --out voters-2027
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The letters' languages, in order, comma-separated: en, et, fr (each must be in the manifest's title).
        /// Default: every one of these the manifest's title has. Example: --languages et,en
        #[arg(long, value_delimiter = ',', value_name = "LANGS")]
        languages: Vec<String>,
        /// Print the voting period at this offset from UTC (default: UTC). Example: --utc-offset +03:00
        #[arg(long, value_name = "+HH:MM", allow_hyphen_values = true)]
        utc_offset: Option<String>,
        /// Also write DIR/voters.json: the secrets as a JSON array of 64 hex digits in list order (mode 0600), as
        /// `setup credentials` writes them, for `voter-sim` in tests and demos. Example: --voters-json
        #[arg(long)]
        voters_json: bool,
    },
    /// Generate voter credentials: DIR/credentials.json (public list) and DIR/voters.json (secret, for voters).
    Credentials {
        #[arg(long)]
        voters: usize,
        #[arg(long)]
        out: PathBuf,
    },
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Setup(SetupCommand::Manifest { out, base, collector_key, officials_key, mix_keys, credentials }) => {
            match (base, collector_key, officials_key, credentials) {
                (Some(base), Some(collector), Some(officials), Some(credentials)) => {
                    let roles = tallier::setup::RoleFiles { collector, officials, mix: mix_keys, credentials };
                    let m = tallier::setup::write_manifest(&base, &roles, &out)?;
                    println!(
                        "wrote {} ({} contests, {} mix stages, {} credentials; manifest digest {})",
                        out.display(),
                        m.contests.len(),
                        m.mix_stages(),
                        m.roles.registry.count,
                        hex::encode(m.digest())
                    );
                }
                _ => {
                    tallier::setup::write_example_manifest(&out)?;
                    println!(
                        "wrote the template {}: edit it, then run `tallier setup manifest --base {} --collector-key … \
                         --officials-key … --mix-key … --credentials … --out manifest.json`",
                        out.display(),
                        out.display()
                    );
                }
            }
        }
        Command::Setup(SetupCommand::MixKey { stage, out }) => {
            anyhow::ensure!(stage >= 1, "stages are numbered from 1");
            let role = protocol::roles::Role::Mix(stage);
            let (secret, public) = tallier::officials::generate_role_key(&out, role, &mut rand_core::OsRng)?;
            println!(
                "wrote {} (secret: keep it on this machine) and {} (for the manifest)",
                secret.display(),
                public.display()
            );
        }
        Command::Setup(SetupCommand::OfficialsKey { out }) => {
            let (secret, public) = tallier::officials::generate_key(&out, &mut rand_core::OsRng)?;
            println!("wrote {} (secret: keep it offline) and {} (publish it)", secret.display(), public.display());
        }
        Command::Revocations(RevocationsCommand::Sign { election, key, credentials, out }) => {
            let list = tallier::officials::sign_revocations(&election, &key, &credentials, &out)?;
            println!("signed {} revoked credential(s); wrote {}", list.credentials.len(), out.display());
        }
        Command::Tally(TallyCommand::Prepare { ballot_box, ceremony, revocations, out, quiet }) => {
            let args = tally::PrepareArgs { ballot_box, ceremony, revocations, record: out.clone(), progress: !quiet };
            let summary = tally::prepare(&args)?;
            println!("{summary}");
            println!("wrote {}", out.display());
        }
        Command::Tally(TallyCommand::Mix { record, keys, quiet }) => {
            let done = tally::mix(&tally::MixArgs { record, keys, progress: !quiet })?;
            for d in &done {
                let s = &d.summary;
                println!(
                    "contest {} stage {}: mixed {} rows of width {} (shuffle {:.2?}, proof {:.2?})",
                    d.contest, d.stage, s.rows, s.width, s.shuffle, s.prove
                );
            }
        }
        Command::Tally(TallyCommand::Finish { record, report, quiet }) => {
            let summary = tally::finish(&tally::FinishArgs { record, report, progress: !quiet })?;
            print!("{}", summary.report);
        }
        Command::Setup(SetupCommand::Voters { list, manifest, url, out, languages, utc_offset, voters_json }) => {
            let args = tallier::voters::VotersArgs { list, manifest, url, out, languages, utc_offset, voters_json };
            let summary = tallier::voters::write_voters(&args, &mut rand_core::OsRng)?;
            for file in &summary.files {
                println!("wrote {}", file.display());
            }
            println!(
                "{} voters, letters in {}. credentials.json is public (for `tallier setup manifest --credentials`); \
                 voters.csv and letters.html hold every voter's secret code: print the letters on this machine, \
                 then keep or destroy these files as the election's rules say",
                summary.voters,
                summary.languages.join(", ")
            );
        }
        Command::Setup(SetupCommand::Credentials { voters, out }) => {
            tallier::setup::generate_credentials(voters, &out, &mut rand_core::OsRng)?
        }
        Command::Mix { election, input, contest, key, output, proof, signature, quiet } => {
            let args =
                tallier::mix::MixArgs { election, input, contest, key, output, proof, signature, progress: !quiet };
            let s = tallier::mix::run(&args)?;
            println!(
                "contest {contest}: mixed {} rows of width {} (shuffle {:.2?}, proof {:.2?}, {} proof bytes), signed",
                s.rows, s.width, s.shuffle, s.prove, s.proof_bytes
            );
        }
        Command::Trustee(cmd) => match cmd {
            TrusteeCommand::Init { common: c, trustee } => {
                let pass = PassphraseSource::new(c.passphrase_file);
                let path = trustee::init(&c.manifest, trustee, &c.secret, &c.dir, &pass)?;
                println!("trustee {trustee}: secret sealed in {}; announcement {}", c.secret.display(), path.display());
            }
            TrusteeCommand::Deal { common: c, without } => {
                let pass = PassphraseSource::new(c.passphrase_file);
                let (path, absent) = trustee::deal(&c.manifest, &c.secret, &c.dir, &pass, &without)?;
                if !absent.is_empty() {
                    eprintln!("note: trustees {absent:?} sent no announcement: the ceremony goes on without them");
                }
                println!("wrote {}", path.display());
            }
            TrusteeCommand::Confirm { common: c, without } => {
                let pass = PassphraseSource::new(c.passphrase_file);
                let (path, problems, complaints) = trustee::confirm(&c.manifest, &c.secret, &c.dir, &pass, &without)?;
                for p in &problems {
                    eprintln!("problem: {p}");
                }
                println!("wrote {} ({complaints} complaints)", path.display());
            }
            TrusteeCommand::Reveal { common: c } => {
                let pass = PassphraseSource::new(c.passphrase_file);
                match trustee::reveal(&c.manifest, &c.secret, &c.dir, &pass)? {
                    Ok(path) => println!("wrote {}", path.display()),
                    Err(why) => println!("{why}"),
                }
            }
            TrusteeCommand::Recover { common: c, dealers } => {
                let pass = PassphraseSource::new(c.passphrase_file);
                println!("wrote {}", trustee::recover(&c.manifest, &c.secret, &c.dir, &pass, &dealers)?.display());
            }
            TrusteeCommand::Status { manifest, dir } => print!("{}", trustee::status(&manifest, &dir)?),
            TrusteeCommand::Decrypt { secret, passphrase_file, record, quiet } => {
                let pass = PassphraseSource::new(passphrase_file);
                for path in trustee::decrypt_record(&record, &secret, &pass, !quiet)? {
                    println!("wrote {}", path.display());
                }
            }
        },
        Command::Keys(KeysCommand::Close { manifest, dir, key, without }) => {
            let (path, q) = trustee::close(&manifest, &dir, &key, &without)?;
            for (_, d) in &q.disqualified {
                eprintln!("disqualified: {d}");
            }
            for r in &q.rejected_complaints {
                eprintln!("complaint rejected: {r}");
            }
            println!(
                "wrote {}; qualified trustees {:?}: each now runs `tallier trustee reveal`",
                path.display(),
                q.qualified
            );
        }
        Command::Keys(KeysCommand::Combine { manifest, dir, out, election }) => {
            let f = trustee::keys_combine(&manifest, &dir, &out, election.as_deref())?;
            if !f.absent.is_empty() {
                eprintln!("absent (no announcement, took no part): trustees {:?}", f.absent);
            }
            for d in &f.disqualified {
                eprintln!("disqualified: {d}");
            }
            if !f.recovered.is_empty() {
                eprintln!("rebuilt from the others' recoveries: trustees {:?}", f.recovered);
            }
            println!(
                "election key {} from trustees {:?}; wrote {}",
                hex::encode(f.election_public_key.element().to_bytes()),
                f.qualified,
                out.display()
            );
            if let Some(e) = election {
                println!("wrote {}; election fingerprint {} (publish it)", e.display(), f.fingerprint.to_hex());
            }
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
