//! `tallier`: the officials' and trustees' offline tool. Thin: arguments here, logic in the modules.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use tallier::tally;
use tallier::trustee::{self, PassphraseSource};

/// The commands of one election, in the order officials and trustees run them (README.md walks through them).
const EXAMPLES: &str = "\
Examples, in the order of an election:
  tallier setup example --out template.json              # then edit it: contests, languages, dates, trustees
  tallier setup check template.json
  tallier setup voters --list voters.csv --manifest template.json --url https://vote.example.org/ --out voters
  tallier setup officials-key --out officials
  tallier setup mix-key --stage 1 --out mix-1            # on mix server 1's machine
  tallier setup manifest --base template.json --collector-key collector.pub \\
      --officials-key officials/officials.pub --mix-key mix-1/mix-1.pub \\
      --credentials voters/credentials.json --out manifest.json
  tallier trustee init --manifest manifest.json --trustee 1 --secret secret-1.json --dir ceremony
  tallier trustee deal --manifest manifest.json --secret secret-1.json --dir ceremony
  tallier trustee confirm --manifest manifest.json --secret secret-1.json --dir ceremony
  tallier keys close --manifest manifest.json --dir ceremony --key officials/officials.key
  tallier trustee reveal --manifest manifest.json --secret secret-1.json --dir ceremony
  tallier keys combine --manifest manifest.json --dir ceremony --out election-key.json --election election.json
  (voting: collector init, serve, close, export)
  tallier voter-list add --election election.json --key officials/officials.key \\
      --credential HEX --district north --credentials voters/credentials.json --dir changes   # while open
  tallier revocations sign --election election.json --key officials/officials.key \\
      --credentials paper-voters.json --out revocations.json
  tallier tally prepare --box ballot-box.json --ceremony ceremony --revocations revocations.json --out record
  tallier tally mix --record record --key mix-1/mix-1.key
  tallier trustee decrypt --record record --secret secret-1.json
  tallier tally finish --record record --report result.txt";

#[derive(Debug, Parser)]
#[command(
    name = "tallier",
    version,
    about = "Offline tool for election officials and trustees",
    after_help = EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Election set-up: the manifest, its check, the roles' keys and the voters' credentials.
    #[command(subcommand, after_help = SETUP_EXAMPLES)]
    Setup(SetupCommand),
    /// A trustee's steps of the key ceremony, and its partial decryption.
    #[command(subcommand, after_help = TRUSTEE_EXAMPLES)]
    Trustee(TrusteeCommand),
    /// The officials' steps of the key ceremony: close rounds 1 to 3, then combine the election key.
    #[command(subcommand, after_help = KEYS_EXAMPLES)]
    Keys(KeysCommand),
    /// The officials' signed list of credentials whose voters voted on paper (SPEC.md §14.2).
    #[command(subcommand, after_help = REVOCATIONS_EXAMPLES)]
    Revocations(RevocationsCommand),
    /// The officials' signed changes to the voter list while the election is open (SPEC.md §4.7): add a
    /// credential, remove one, move one to another district; each is posted to the collector.
    #[command(subcommand, after_help = VOTER_LIST_EXAMPLES)]
    VoterList(VoterListCommand),
    /// The tally: prepare the record, mix, finish (SPEC.md §14). Trustees decrypt in between.
    #[command(subcommand, after_help = TALLY_EXAMPLES)]
    Tally(TallyCommand),
    /// Threshold decryption of one ciphertext list outside a record (tests and audits).
    #[command(subcommand, after_help = DECRYPT_EXAMPLES)]
    Decrypt(DecryptCommand),
    /// Run one mix stage of one contest: shuffle and re-encrypt the list, prove it, write the output and the proof.
    Mix {
        /// Election file: {"manifest": …, "public_key": "<hex>"}.
        #[arg(long)]
        election: PathBuf,
        /// Input list (canonical binary ciphertext list): the anonymized ballots, or the previous stage's output.
        #[arg(long)]
        input: PathBuf,
        /// Contest index (0-based, in manifest order); with districts, the unit's index: each contest once per
        /// district of it, in the record's order (contest-C/district-D folders, counted from 0).
        #[arg(long, visible_alias = "unit")]
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
        /// Memory for the rows the stage holds at a time, in MiB (default 256): the stage streams its lists.
        #[arg(long, value_name = "MB")]
        memory: Option<usize>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
}

const SETUP_EXAMPLES: &str = "\
Examples, in order:
  tallier setup example --out template.json              # then edit it
  tallier setup example --districts --out template.json  # or: an election with districts
  tallier setup check template.json                      # every problem, one per line
  tallier setup voters --list voters.csv --manifest template.json --url https://vote.example.org/ --out voters
  tallier setup officials-key --out officials
  tallier setup mix-key --stage 1 --out mix-1            # on each mix server's machine
  tallier setup manifest --base template.json --collector-key collector.pub \\
      --officials-key officials/officials.pub --mix-key mix-1/mix-1.pub \\
      --credentials officials/credentials.json --out manifest.json
  tallier setup check manifest.json";

const TRUSTEE_EXAMPLES: &str = "\
Examples, in order (trustee 1; every trustee runs each round before the next one starts):
  tallier trustee init --manifest manifest.json --trustee 1 --secret secret-1.json --dir ceremony
  tallier trustee deal --manifest manifest.json --secret secret-1.json --dir ceremony
  tallier trustee confirm --manifest manifest.json --secret secret-1.json --dir ceremony
  tallier trustee status --manifest manifest.json --dir ceremony
  (the officials run `tallier keys close`)
  tallier trustee reveal --manifest manifest.json --secret secret-1.json --dir ceremony
  (after the vote and `tallier tally mix`)
  tallier trustee decrypt --record record --secret secret-1.json";

const KEYS_EXAMPLES: &str = "\
Examples, in order (once every trustee has confirmed; then once every qualified trustee has revealed):
  tallier keys close --manifest manifest.json --dir ceremony --key officials/officials.key
  tallier keys combine --manifest manifest.json --dir ceremony --out election-key.json --election election.json";

const REVOCATIONS_EXAMPLES: &str = "\
Example (after the vote, before the tally; an empty list `[]` when nobody voted on paper):
  tallier revocations sign --election election.json --key officials/officials.key \\
      --credentials paper-voters.json --out revocations.json";

const VOTER_LIST_EXAMPLES: &str = "\
Examples, on the officials' offline machine, one change at a time (each is numbered after those in --dir):
  tallier voter-list add --election election.json --key officials/officials.key \\
      --credential 3b6a…(64 hex digits) --district north --credentials voters/credentials.json --dir changes
  tallier voter-list move --election election.json --key officials/officials.key \\
      --credential 3b6a… --district centre --credentials voters/credentials.json --dir changes
  tallier voter-list remove --election election.json --key officials/officials.key \\
      --credential 3b6a… --credentials voters/credentials.json --dir changes
  tallier voter-list show --dir changes --election election.json
Then post each file, in order, to the collector:
  curl -X POST -H 'content-type: application/json' --data @changes/change-0.json https://vote.example.org/voter-list/changes";

const TALLY_EXAMPLES: &str = "\
Examples, in order:
  tallier tally prepare --box ballot-box.json --ceremony ceremony --revocations revocations.json --out record
  tallier tally mix --record record --key mix-1/mix-1.key    # each mix server, in stage order
  (t trustees run `tallier trustee decrypt --record record --secret secret-J.json`)
  tallier tally finish --record record --report result.txt";

const DECRYPT_EXAMPLES: &str = "\
Example:
  tallier decrypt combine --manifest manifest.json --dir ceremony --input list.bin \\
      --partial partial-1.bin --partial partial-2.bin --out plaintext.bin";

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
        /// A trustee that has not dealt and takes no part (repeat for several).
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
        /// The election manifest (JSON).
        #[arg(long)]
        manifest: PathBuf,
        /// The ceremony directory (files exchanged between trustees).
        #[arg(long)]
        dir: PathBuf,
    },
    /// Partial decryption, with its proof, of every contest of a record: the trustee first runs the verifier's
    /// checks on everything the decryption depends on (the ceremony, the box under the manifest's collector key
    /// and registry, every ballot, squash, revocations, the mix input, every mix stage's proof and signature),
    /// then writes contest-C/partial-J.bin. If any check fails, nothing is written.
    Decrypt {
        #[command(flatten)]
        trustee: RecordTrusteeArgs,
        /// This trustee's file of the stages it checked early (`tallier trustee check --checked`): their proofs
        /// are not verified again (everything else is).
        #[arg(long)]
        checked: Option<PathBuf>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Verify the proofs of the mix stages already in a record, while the next mix server mixes, and note them in
    /// this trustee's own file (kept on its machine, tagged with its key), so that `decrypt --checked` does not
    /// verify them again. Run it after each stage; nothing is decrypted.
    Check {
        #[command(flatten)]
        trustee: RecordTrusteeArgs,
        /// This trustee's file of checked stages (made if absent, updated otherwise; keep it with the secret).
        #[arg(long)]
        checked: PathBuf,
    },
}

/// Common to the trustee's commands on a record (`trustee check`, `trustee decrypt`).
#[derive(Debug, Args)]
struct RecordTrusteeArgs {
    /// The trustee's passphrase-sealed secret file.
    #[arg(long)]
    secret: PathBuf,
    /// File holding the passphrase (else the environment variable TALLIER_PASSPHRASE, else a hidden prompt).
    #[arg(long)]
    passphrase_file: Option<PathBuf>,
    /// The record (for `check`, while it is being mixed; for `decrypt`, after `tally mix`).
    #[arg(long)]
    record: PathBuf,
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

/// Common to the commands that sign a voter-list change.
#[derive(Debug, Args)]
struct ChangeArgs {
    /// Election file: {"manifest": …, "public_key": "<hex>"} (`tallier keys combine --election`).
    #[arg(long)]
    election: PathBuf,
    /// The officials' secret key file (officials.key): the manifest's roles.officials_key signs every change.
    #[arg(long)]
    key: PathBuf,
    /// The voter's public credential key, 64 hex digits, as credentials.json lists it.
    #[arg(long, value_name = "HEX")]
    credential: String,
    /// The changes directory: change-0.json, change-1.json, … in the order they were signed; the new change
    /// takes the next number. Created if absent.
    #[arg(long, value_name = "CHANGES_DIR")]
    dir: PathBuf,
    /// The public credential list the manifest was made from (credentials.json): with it, the earlier changes
    /// and this one are checked to apply (a credential added once, removed or moved only while on the list).
    #[arg(long)]
    credentials: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum VoterListCommand {
    /// Sign the change that adds a credential to the voter list (its ballots from the change on count). A new
    /// voter's credential comes from `tallier setup credentials`.
    Add {
        #[command(flatten)]
        common: ChangeArgs,
        /// With districts: the id of the voter's district (the manifest's `districts`). Example: --district north
        #[arg(long, value_name = "ID")]
        district: Option<String>,
    },
    /// Sign the change that removes a credential from the voter list: its ballots before the change no longer
    /// count, and the collector refuses its later ones.
    Remove {
        #[command(flatten)]
        common: ChangeArgs,
    },
    /// Sign the change that moves a credential to another district: its ballots before the change no longer
    /// count; the voter may vote again, in the new district's contests.
    Move {
        #[command(flatten)]
        common: ChangeArgs,
        /// The id of the voter's new district (the manifest's `districts`). Example: --district centre
        #[arg(long, value_name = "ID")]
        district: String,
    },
    /// Print each change of a changes directory in words, in order.
    Show {
        /// The changes directory (change-0.json, change-1.json, …).
        #[arg(long, value_name = "CHANGES_DIR")]
        dir: PathBuf,
        /// Election file: with it, each change is checked to be this election's and signed by its officials, and
        /// the districts are named.
        #[arg(long)]
        election: Option<PathBuf>,
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
    /// Run mix stage K of every contest (with districts, of every contest's ballots from each district, each on
    /// its own; a district's contest that no ballot reached has nothing to mix), for each key given, in order.
    Mix {
        /// The record directory written by `tally prepare`.
        #[arg(long)]
        record: PathBuf,
        /// A mix server's secret key file (`mix-K`, from `tallier setup mix-key`): mixes and signs stage K of
        /// every contest. Repeat for several stages run on one machine (in stage order).
        #[arg(long = "key", required = true)]
        keys: Vec<PathBuf>,
        /// Memory for the rows a stage holds at a time, in MiB (default 256): the stage streams its lists, so
        /// any number of ballots mixes in it.
        #[arg(long, value_name = "MB")]
        memory: Option<usize>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Check the partial decryptions, combine, decode, count; write the result and the record's index.
    Finish {
        /// The record directory, after the mix and at least t trustees' `trustee decrypt`.
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
        /// The election manifest (JSON).
        #[arg(long)]
        manifest: PathBuf,
        /// The ceremony directory (files exchanged between trustees).
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
        /// The election manifest (JSON).
        #[arg(long)]
        manifest: PathBuf,
        /// The ceremony directory (files exchanged between trustees).
        #[arg(long)]
        dir: PathBuf,
        /// Where to write the election key and the trustees' verification keys (JSON).
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
        /// The election manifest (JSON).
        #[arg(long)]
        manifest: PathBuf,
        /// The ceremony directory (the trustees' verification keys come from it).
        #[arg(long)]
        dir: PathBuf,
        /// The ciphertext list that was decrypted (canonical binary).
        #[arg(long)]
        input: PathBuf,
        /// Partial decryption files (at least t).
        #[arg(long = "partial", required = true)]
        partials: Vec<PathBuf>,
        /// Where to write the plaintext list.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum SetupCommand {
    /// Write the example manifest's template to edit: three contests (single choice, approval, ranked) in
    /// English, Estonian and French, the voting period as dates (`2027-03-01T09:00:00+02:00`), the trustees;
    /// no roles (`setup manifest --base` adds them).
    Example {
        /// Where to write the template (must not exist).
        #[arg(long)]
        out: PathBuf,
        /// Write the example of an election with districts instead: three districts (north, centre, south),
        /// a council elected from party lists in each (d'Hondt, 3 seats) and a referendum question for everyone.
        #[arg(long)]
        districts: bool,
    },
    /// Check a manifest, or its template: print every problem, one per line, with where it is and what to do
    /// (exit status 1 if any), or a short summary when there is none.
    Check {
        /// The manifest or template (JSON) to check.
        manifest: PathBuf,
    },
    /// With --base TEMPLATE and every role's public key and the credentials: write the manifest, which binds
    /// them all (its fingerprint is the one number voters, observers and trustees pin); a template with any
    /// problem is refused, with all of them named. Without --base: as `setup example`.
    Manifest {
        /// Where to write the manifest (must not exist).
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
        /// The directory to write the two files in.
        #[arg(long)]
        out: PathBuf,
    },
    /// Generate mix server K's Ed25519 key, on that server's machine: DIR/mix-K.key (secret, mode 0600) and
    /// DIR/mix-K.pub (for the manifest).
    MixKey {
        /// The stage this server mixes (1 …).
        #[arg(long)]
        stage: u16,
        /// The directory to write the two files in.
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
        /// Also write DIR/voters.json: the secrets as a JSON array of their text forms in list order (mode 0600), as
        /// `setup credentials` writes them, for `voter-sim` in tests and demos. Example: --voters-json
        #[arg(long)]
        voters_json: bool,
    },
    /// Generate voter credentials: DIR/credentials.json (public list) and DIR/voters.json (secret, for voters),
    /// in the same order. In an election with districts, give each district's voters with --district: each entry
    /// of credentials.json then names its voter's district.
    #[command(after_help = "Examples:\n  tallier setup credentials --voters 100 --out creds\n  \
                            tallier setup credentials --district north:40 --district centre:30 --district south:30 \
                            --out creds")]
    Credentials {
        /// How many voters (one credential each), in an election without districts. Example: --voters 100
        #[arg(long, required_unless_present = "districts", conflicts_with = "districts")]
        voters: Option<usize>,
        /// A district of the manifest and how many of its voters get a credential, as ID:COUNT; repeat for each
        /// district, in the order the voters are listed. Example: --district north:40 --district centre:30
        #[arg(long = "district", value_name = "ID:COUNT")]
        districts: Vec<String>,
        /// The directory to write the two files in.
        #[arg(long)]
        out: PathBuf,
    },
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Setup(SetupCommand::Example { out, districts }) => write_template(&out, districts)?,
        Command::Setup(SetupCommand::Check { manifest }) => {
            let checked = tallier::setup::check_manifest(&manifest)?;
            for p in &checked.problems {
                println!("{p}");
            }
            // The verdict first, then what is allowed but probably a mistake.
            let warnings = checked.warnings(unix_now());
            match checked.summary() {
                Some(summary) => {
                    println!("{summary}");
                    for w in warnings {
                        println!("{w}");
                    }
                }
                None => anyhow::bail!(
                    "{} has {} problem(s): fix each where it says, then check again",
                    manifest.display(),
                    checked.problems.len()
                ),
            }
        }
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
                _ => write_template(&out, false)?,
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
        Command::VoterList(cmd) => voter_list(cmd)?,
        Command::Tally(TallyCommand::Prepare { ballot_box, ceremony, revocations, out, quiet }) => {
            let args = tally::PrepareArgs { ballot_box, ceremony, revocations, record: out.clone(), progress: !quiet };
            let summary = tally::prepare(&args)?;
            println!("{summary}");
            println!("wrote {}", out.display());
        }
        Command::Tally(TallyCommand::Mix { record, keys, memory, quiet }) => {
            let done = tally::mix(&tally::MixArgs { record, keys, memory_mb: memory, progress: !quiet })?;
            for d in &done {
                let s = &d.summary;
                println!(
                    "{} stage {}: mixed {} rows of width {} (shuffle and proof {:.2?}, {} rows at a time)",
                    d.name, d.stage, s.rows, s.width, s.time, s.chunk_rows
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
        Command::Setup(SetupCommand::Credentials { voters, districts, out }) => {
            use tallier::setup::VoterCounts;
            let counts = match voters {
                Some(n) => VoterCounts::All(n),
                None => VoterCounts::Districts(
                    districts.iter().map(|d| VoterCounts::parse_district(d)).collect::<anyhow::Result<_>>()?,
                ),
            };
            let by_district = tallier::setup::generate_credentials(&counts, &out, &mut rand_core::OsRng)?;
            let mut first = 1;
            for (district, n) in by_district {
                println!("district {district}: voters {first} to {} of voters.json", first + n - 1);
                first += n;
            }
        }
        Command::Mix { election, input, contest, key, output, proof, signature, memory, quiet } => {
            let args = tallier::mix::MixArgs {
                election,
                input,
                contest,
                key,
                output,
                proof,
                signature,
                memory_mb: memory,
                progress: !quiet,
            };
            let s = tallier::mix::run(&args)?;
            println!(
                "contest {contest}: mixed {} rows of width {} (shuffle and proof {:.2?}, {} rows at a time, {} proof \
                 bytes), signed",
                s.rows, s.width, s.time, s.chunk_rows, s.proof_bytes
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
            TrusteeCommand::Decrypt {
                trustee: RecordTrusteeArgs { secret, passphrase_file, record },
                checked,
                quiet,
            } => {
                let pass = PassphraseSource::new(passphrase_file);
                for path in trustee::decrypt_record(&record, &secret, &pass, checked.as_deref(), !quiet)? {
                    println!("wrote {}", path.display());
                }
            }
            TrusteeCommand::Check { trustee: RecordTrusteeArgs { secret, passphrase_file, record }, checked } => {
                let pass = PassphraseSource::new(passphrase_file);
                let found = trustee::check_early(&record, &secret, &pass, &checked)?;
                if found.stages.is_empty() {
                    println!("no mix stage is in {} yet: run this again after the first stage", record.display());
                }
                for (unit, k, passed) in &found.stages {
                    let verdict = if *passed {
                        "proof verified"
                    } else {
                        "proof does NOT verify: decrypt will refuse this record; tell the officials"
                    };
                    println!("{unit}, stage {k}: {verdict}");
                }
                let passed = found.stages.iter().filter(|s| s.2).count();
                println!(
                    "{passed} stage(s) noted in {} ({} checked before, not verified again)",
                    checked.display(),
                    found.known
                );
                if passed < found.stages.len() {
                    anyhow::bail!("{} stage(s) of {} do not verify", found.stages.len() - passed, record.display());
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

/// `tallier voter-list …`: sign a change and say what to do next, or show the directory.
fn voter_list(cmd: VoterListCommand) -> anyhow::Result<()> {
    use protocol::voter_list::Action;
    let (action, common, district) = match cmd {
        VoterListCommand::Add { common, district } => (Action::Add, common, district),
        VoterListCommand::Remove { common } => (Action::Remove, common, None),
        VoterListCommand::Move { common, district } => (Action::Move, common, Some(district)),
        VoterListCommand::Show { dir, election } => {
            println!("{}", tallier::voter_list::show(&dir, election.as_deref())?);
            return Ok(());
        }
    };
    let args = tallier::voter_list::ChangeArgs {
        election: common.election,
        key: common.key,
        action,
        credential: common.credential,
        district,
        dir: common.dir,
        credentials: common.credentials,
    };
    let signed = tallier::voter_list::sign_change(&args)?;
    println!("signed {}", signed.words);
    if !signed.checked_against_list {
        println!(
            "note: not checked against the voter list (give --credentials credentials.json to check that the \
             change applies); the collector checks it when it is posted"
        );
    }
    let file = signed.path.display();
    println!(
        "wrote {file}. Next: post it to the collector, after every earlier change of the directory (the collector \
         takes them in number order):\n  curl -X POST -H 'content-type: application/json' --data @{file} \
         URL/voter-list/changes"
    );
    Ok(())
}

/// `tallier setup example --out T [--districts]`.
fn write_template(out: &std::path::Path, districts: bool) -> anyhow::Result<()> {
    tallier::setup::write_example_manifest(out, districts)?;
    println!(
        "wrote the template {}: edit it, check it with `tallier setup check {}`, then run `tallier setup manifest \
         --base {} --collector-key … --officials-key … --mix-key … --credentials … --out manifest.json`",
        out.display(),
        out.display(),
        out.display()
    );
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

/// This machine's clock, in Unix seconds (0 if it is set before 1970).
fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every subcommand and every argument a person sees in `--help` says what it is for; every group of
    /// subcommands has its examples; clap's own consistency checks pass.
    #[test]
    fn every_command_and_argument_is_described() {
        let cli = Cli::command();
        let missing = test_support::cli::undescribed(&cli, "tallier");
        assert!(missing.is_empty(), "without a description in --help: {missing:#?}");
        for group in cli.get_subcommands().filter(|c| c.has_subcommands()) {
            let examples = group.get_after_help().map(|h| h.to_string()).unwrap_or_default();
            assert!(examples.starts_with("Example") && examples.contains("tallier "), "{}", group.get_name());
        }
        assert!(cli.get_after_help().is_some_and(|h| h.to_string().contains("tallier setup check")));
    }
}
