//! `verifier`: command-line front end. The checks live in the library; this file parses arguments and prints.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use verifier::ceremony;
use verifier::report::Report;
use verifier::verify::parse_fingerprint;

/// What observers and voters run, in the order of an election.
const EXAMPLES: &str = "\
Examples, in the order of an election (F: the election fingerprint the election authority published):
  verifier ceremony --manifest manifest.json --key election-key.json ceremony
  verifier monitor --collector http://127.0.0.1:8080 --dir mirror --fingerprint F --listen 127.0.0.1:8090
  verifier check-ballot --collector http://127.0.0.1:8080 --fingerprint F -    # the RV2:… code on stdin
  verifier consistency --collector-key HEX --fingerprint F old-sth.json new-sth.json proof.json
  verifier check-export --export ballot-box.json --copy mirror
  verifier verify --fingerprint F record
  verifier result --fingerprint F --lang et record        # add --csv for a spreadsheet
  verifier publish --fingerprint F --out site record      # the public web site: board, results
  verifier receipt --fingerprint F receipt.json record
  verifier check-ballot --record record --fingerprint F -
  verifier mix --election election.json --contest 0 --input input.bin --stage-dir stages
  verifier decryption --manifest manifest.json --dir ceremony --input list.bin --partial partial-1.bin \\
      --partial partial-2.bin --plaintext plaintext.bin";

#[derive(Debug, Parser)]
#[command(
    name = "verifier",
    version,
    about = "Stand-alone verifier of election records",
    after_help = EXAMPLES
)]
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
        /// The election manifest (JSON).
        #[arg(long)]
        manifest: PathBuf,
        /// The published election key file, checked against the transcript.
        #[arg(long)]
        key: Option<PathBuf>,
        /// The ceremony directory (the files the trustees and officials exchanged).
        dir: PathBuf,
    },
    /// Verify every partial decryption of a list and their combination.
    Decryption {
        #[command(flatten)]
        output: Output,
        /// The election manifest (JSON).
        #[arg(long)]
        manifest: PathBuf,
        /// The ceremony directory.
        #[arg(long)]
        dir: PathBuf,
        /// The ciphertext list.
        #[arg(long)]
        input: PathBuf,
        /// A trustee's partial decryption file (repeat for each; at least t).
        #[arg(long = "partial", required = true)]
        partials: Vec<PathBuf>,
        /// The claimed plaintext list.
        #[arg(long)]
        plaintext: PathBuf,
    },
    /// Verify a chain of mix stages of one contest (with districts: of one unit, a contest's ballots from one
    /// district).
    Mix {
        #[command(flatten)]
        output: Output,
        /// Election file: {"manifest": …, "public_key": "<hex>"}.
        #[arg(long)]
        election: PathBuf,
        /// Contest index (0-based, in manifest order); with districts, the unit's index (0-based, in the order of
        /// SPEC.md §4.6: each contest's districts in turn), as the record's contest-C/district-D folders follow.
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
        /// The published election fingerprint (64 hex digits): the record must be of this election. It binds
        /// the manifest, the election key, every role's key and the credential registry.
        #[arg(long, value_parser = parse_fingerprint)]
        fingerprint: Option<protocol::Fingerprint>,
        /// The record's directory (the one holding index.json).
        record: PathBuf,
    },
    /// Verify a whole election record (as `verify`) and, if every check passed, print its result: the turnout and
    /// each contest's votes with percentages, rounds and ties, in words, or as CSV with --csv. If a check fails,
    /// no result is printed: the report goes to stderr, and the exit status is 1.
    Result {
        /// No progress on stderr (there is none anyway when stderr is not a terminal).
        #[arg(long)]
        quiet: bool,
        /// The result as CSV (one row per contest and candidate), the same as `tallier tally finish` writes.
        #[arg(long)]
        csv: bool,
        /// Language of the contests' and options' names (falls back to English, then the manifest's first).
        #[arg(long, default_value = "en")]
        lang: String,
        /// The published election fingerprint (64 hex digits): the record must be of this election.
        #[arg(long, value_parser = parse_fingerprint)]
        fingerprint: Option<protocol::Fingerprint>,
        /// The record's directory (the one holding index.json).
        record: PathBuf,
    },
    /// Verify a whole election record (as `verify`) and, if every check passed, write its public web site into
    /// DIR: the ballot board (every ballot's tracker, position, time and fate, searchable), the results page and
    /// the record itself for download; static files for any web server. A record that does not verify is
    /// refused: the report goes to stderr, nothing is written, and the exit status is 1.
    Publish {
        /// No progress on stderr (there is none anyway when stderr is not a terminal).
        #[arg(long)]
        quiet: bool,
        /// The folder to write the site into: new or empty (publish never overwrites files).
        #[arg(long)]
        out: PathBuf,
        /// The language the pages open in (en, et or fr); every page offers all three.
        #[arg(long, default_value = "en")]
        lang: String,
        /// The published election fingerprint (64 hex digits): the record must be of this election.
        #[arg(long, value_parser = parse_fingerprint)]
        fingerprint: Option<protocol::Fingerprint>,
        /// The in-browser verifier to put on the site (built by scripts/build-verifier-web.sh): its page's folder,
        /// verifier-web/web. The site's verification page then verifies the record in the visitor's browser.
        #[arg(long, value_name = "DIR")]
        browser_verifier: Option<PathBuf>,
        /// The record's directory (the one holding index.json).
        record: PathBuf,
    },
    /// Verify a voter's receipt against a record: the record's integrity, election and ballot log (V1, V2, V4,
    /// V5), the receipt's signature and inclusion, that the box holds its ballot at its leaf and extends its tree,
    /// then whether the ballot was counted, superseded, revoked (a paper vote, or the officials' voter-list change
    /// that removed or moved its credential, named by its leaf) or refused.
    Receipt {
        #[command(flatten)]
        output: Output,
        /// The published election fingerprint (64 hex digits): the record must be of this election.
        #[arg(long, value_parser = parse_fingerprint)]
        fingerprint: Option<protocol::Fingerprint>,
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
    /// The voter's second device on the command line (cast-as-intended, SPEC.md §8.9): open a cast ballot with
    /// the `RV2:` code shown after casting, print the choices it contains, and check its receipt (online) or
    /// whether it was counted (in a record); or check a challenged ballot with the `RVC2:` code shown after a
    /// challenge (the choices and the tracker to compare with the voting page's).
    ///
    /// Online: fetches GET /election and GET /ballots/{id} with the fetch proof made from the code (each fetch
    /// counts against the collector's limit), checks the ballot's id, signature and proof (B1–B4), opens it (§8.7)
    /// and checks the receipt returned with it (L2, L3, L5, L6) and that it is for this ballot. With --record: finds the ballot in RECORD/ballot-box.json
    /// (after check L7), opens it, and reads tally/rejected.json, superseded.json and revoked.json to say whether
    /// it was counted. Exit status 0 only if every check passed.
    #[command(group = clap::ArgGroup::new("source").required(true).args(["collector", "record"]))]
    CheckBallot {
        /// The collector's base URL, e.g. http://127.0.0.1:8080 (http:// only: this build has no TLS client).
        #[arg(long)]
        collector: Option<String>,
        /// An election record directory (offline).
        #[arg(long)]
        record: Option<PathBuf>,
        /// An independent mirror of the log (`verifier monitor --listen`, e.g. the election's data embassy), to
        /// check the collector's answer against (SPEC.md §11.4 L10); repeat for several. Online only.
        #[arg(long, requires = "collector")]
        mirror: Vec<String>,
        /// Language of the contest and option names (falls back to the manifest's first).
        #[arg(long, default_value = "en")]
        lang: String,
        /// The published election fingerprint (64 hex digits): refuse any other election.
        #[arg(long, value_parser = parse_fingerprint)]
        fingerprint: Option<protocol::Fingerprint>,
        /// The code `RV2:…` (after casting) or `RVC2:…` (after a challenge), or the whole `…/verify.html#…` link;
        /// `-` reads it from standard input (keeps it out of the shell history and the process list).
        code: String,
    },
    /// Follow a collector's public log and keep a verified copy of it in DIR (SPEC.md §11.4 L8): every head's
    /// signature under the manifest's collector key, no truncation, the consistency proof and the root recomputed
    /// from the copy, every ballot (§8.6) and its time (L7), every voter-list change (L11: the officials' signature,
    /// its number; with --credentials, that it applies). On an inconsistency: DIR/ALARM, and exit status 3.
    /// With --listen, serve the verified copy (the mirror, verifier/MIRROR.md) meanwhile.
    Monitor {
        /// The collector's base URL, e.g. http://127.0.0.1:8080 (http:// only: this build has no TLS client).
        #[arg(long)]
        collector: String,
        /// Where the copy is kept (state.json, ballots.jsonl, ALARM).
        #[arg(long)]
        dir: PathBuf,
        /// The published election fingerprint (64 hex digits): the first start pins this election, and any start
        /// refuses a collector or a copy of another election.
        #[arg(long, value_parser = parse_fingerprint)]
        fingerprint: Option<protocol::Fingerprint>,
        /// Seconds between polls.
        #[arg(long, default_value_t = 5)]
        interval: u64,
        /// Poll once and exit.
        #[arg(long, conflicts_with = "listen")]
        once: bool,
        /// Serve the verified copy over HTTP on this address, e.g. 127.0.0.1:8090 (read-only; the collector's log
        /// API, plus /log/credential/{key} and /mirror/status).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// With --listen: serve the voter pages from this folder too (voter-client/web).
        #[arg(long, requires = "listen")]
        web: Option<PathBuf>,
        /// The public credential list (credentials.json, SPEC.md §4.5.1): every voter-list change of the log must
        /// then also apply to the list (add: not on it; remove, move: on it). Without it, a change is checked
        /// for its election, the officials' signature and its number.
        #[arg(long)]
        credentials: Option<PathBuf>,
    },
    /// Check an exported ballot box against a monitor's copy: the box holds (L7), and the copy is a prefix of it
    /// (same ballots and voter-list changes, times and order) whose leaves give the copy's last head.
    CheckExport {
        /// The ballot box file (`collector export`).
        #[arg(long)]
        export: PathBuf,
        /// The monitor's directory.
        #[arg(long)]
        copy: PathBuf,
    },
}

/// How a report is printed.
#[derive(Debug, Args)]
struct Output {
    /// Print the report as JSON (no progress on stderr).
    #[arg(long)]
    json: bool,
    /// No progress on stderr (there is none anyway when stderr is not a terminal).
    #[arg(long)]
    quiet: bool,
}

/// Progress goes to stderr, and only when stderr is a terminal: never into a file or pipe that also gets the report.
fn progress_wanted(quiet: bool) -> bool {
    !quiet && std::io::IsTerminal::is_terminal(&std::io::stderr())
}

impl Output {
    fn progress(&self) -> bool {
        !self.json && progress_wanted(self.quiet)
    }
    /// Prints the report; the exit status says whether every check passed.
    fn print(&self, report: &Report) -> ExitCode {
        report.end_progress();
        if self.json {
            out(&format!("{:#}\n", report.to_json()));
        } else {
            out(&format!("{report}\n"));
        }
        match &report.verdict {
            Some(v) if report.passed() => ExitCode::from(v.exit_status),
            _ => exit(report.passed()),
        }
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
        Command::Verify { output, fingerprint, record } => {
            output.print(&verifier::verify::verify_record(&record, fingerprint.as_ref(), output.progress()))
        }
        Command::Result { quiet, csv, lang, fingerprint, record } => {
            print_result(&record, fingerprint.as_ref(), progress_wanted(quiet), csv, &lang)
        }
        Command::Publish { quiet, out, lang, fingerprint, browser_verifier, record } => {
            publish(&record, &out, fingerprint.as_ref(), &lang, progress_wanted(quiet), browser_verifier.as_deref())
        }
        Command::Receipt { output, fingerprint, receipt, record } => {
            output.print(&verifier::verify::verify_receipt(&receipt, &record, fingerprint.as_ref(), output.progress()))
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
        Command::CheckBallot { collector, record, mirror, lang, fingerprint, code } => {
            check_ballot(collector, record, &mirror, &lang, fingerprint.as_ref(), code)
        }
        Command::Monitor { collector, dir, fingerprint, interval, once, listen, web, credentials } => {
            let opts = verifier::mirror::MonitorOptions {
                collector,
                dir,
                fingerprint,
                interval: std::time::Duration::from_secs(interval),
                once,
                listen,
                web,
            };
            monitor(&opts, credentials.as_deref())
        }
        Command::CheckExport { export, copy } => check_export(&export, &copy),
    }
}

/// `verifier result`: the verified result on stdout (words or CSV), or the failing report on stderr and exit 1.
fn print_result(
    record: &std::path::Path,
    pinned: Option<&protocol::Fingerprint>,
    progress: bool,
    csv: bool,
    lang: &str,
) -> ExitCode {
    let (report, verified) = verifier::verify::verify_result(record, pinned, progress);
    report.end_progress();
    let Some(v) = verified else {
        eprintln!("{report}");
        eprintln!("result: the record does not verify, so no result is printed");
        return ExitCode::FAILURE;
    };
    if csv {
        out(&protocol::readable::csv(&v.result, lang));
    } else {
        out(&format!(
            "election record {}: every check passed (V1–V13)\nfingerprint: {}\n\n{}",
            record.display(),
            v.result.fingerprint.to_hex(),
            protocol::readable::text(&v.result, &v.answers, lang)
        ));
    }
    ExitCode::SUCCESS
}

/// `verifier publish`: a summary on stdout, or the failing report and the reason on stderr and exit 1.
fn publish(
    record: &std::path::Path,
    out_dir: &std::path::Path,
    pinned: Option<&protocol::Fingerprint>,
    lang: &str,
    progress: bool,
    browser_verifier: Option<&std::path::Path>,
) -> ExitCode {
    let (report, written) = verifier::publish::publish(record, out_dir, pinned, lang, progress, browser_verifier);
    report.end_progress();
    match written {
        Ok(p) => {
            out(&format!(
                "election record {}: every check passed (V1–V13)\n\
                 published to {}: {} files, {} bytes; the board holds {} ballots in {} pages; record head {}\n\
                 Host the folder on any web server (to look at it here: python3 -m http.server -d {} 8000, then \
                 open http://127.0.0.1:8000/).\n",
                record.display(),
                out_dir.display(),
                p.files,
                p.bytes,
                p.ballots,
                p.pages,
                p.record_head,
                out_dir.display()
            ));
            ExitCode::SUCCESS
        }
        Err(e) => {
            if matches!(e, verifier::publish::PublishError::NotVerified { .. }) {
                eprintln!("{report}");
            }
            eprintln!("publish: FAIL: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes to stdout; a reader that went away (`| head`) ends the output quietly, never a panic.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = std::io::Write::write_all(&mut stdout, text.as_bytes()).and_then(|()| std::io::Write::flush(&mut stdout));
}

/// `verifier monitor`: exit status 0 (stopped, or `--once` done), 1 (could not start), 3 (an alarm).
fn monitor(opts: &verifier::mirror::MonitorOptions, credentials: Option<&std::path::Path>) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("monitor: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(verifier::mirror::run_with(opts, credentials)) {
        Ok(None) => ExitCode::SUCCESS,
        Ok(Some(alarm)) => {
            eprintln!("ALARM: {alarm}");
            ExitCode::from(3)
        }
        Err(e) => {
            eprintln!("monitor: FAIL: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `verifier check-export`.
fn check_export(export: &std::path::Path, copy: &std::path::Path) -> ExitCode {
    let result = std::fs::read_to_string(export)
        .map_err(anyhow::Error::from)
        .and_then(|text| Ok(serde_json::from_str::<protocol::ballot_box::BallotBox>(&text)?))
        .and_then(|bbox| Ok((verifier::monitor::check_export(&bbox, copy)?, bbox.ballots.len(), bbox.changes.len())));
    match result {
        Ok((n, ballots, 0)) => {
            out(&format!("export consistent with the copy ({n} ballots checked, {ballots} in the export)\n"));
            ExitCode::SUCCESS
        }
        Ok((n, ballots, changes)) => {
            out(&format!(
                "export consistent with the copy ({n} leaves checked; {ballots} ballots and {changes} voter-list \
                 changes in the export)\n"
            ));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("check-export: FAIL: {}: {e:#}", export.display());
            ExitCode::FAILURE
        }
    }
}

/// `verifier check-ballot`: the report on standard output, or the reason on standard error.
fn check_ballot(
    collector: Option<String>,
    record: Option<PathBuf>,
    mirrors: &[String],
    lang: &str,
    pinned: Option<&protocol::Fingerprint>,
    code: String,
) -> ExitCode {
    use verifier::second_device::{check_in_record, check_online};
    let code = if code == "-" {
        let mut text = zeroize::Zeroizing::new(String::new());
        if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
            eprintln!("check-ballot: FAIL: reading the code from standard input: {e}");
            return ExitCode::FAILURE;
        }
        text
    } else {
        zeroize::Zeroizing::new(code)
    };
    let result = match (collector, record) {
        (_, Some(record)) => check_in_record(&record, &code, lang, pinned),
        (Some(url), None) => check_online(&url, mirrors, &code, lang, pinned),
        // clap's group requires one of the two.
        (None, None) => return ExitCode::FAILURE,
    };
    match result {
        Ok(report) => {
            out(&format!("{report}"));
            if !report.passed() {
                eprintln!("check-ballot: FAIL: a mirror of the log does not confirm the collector's answer");
                ExitCode::FAILURE
            } else if report.superseded() {
                // As `verifier receipt`: 3 says the ballot was replaced by a later one.
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("check-ballot: FAIL: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every subcommand and every argument a person sees in `--help` says what it is for; every command has an
    /// example; clap's own consistency checks pass.
    #[test]
    fn every_command_and_argument_is_described() {
        let cli = Cli::command();
        let missing = test_support::cli::undescribed(&cli, "verifier");
        assert!(missing.is_empty(), "without a description in --help: {missing:#?}");
        let examples = cli.get_after_help().map(|h| h.to_string()).unwrap_or_default();
        for sub in cli.get_subcommands().filter(|c| c.get_name() != "help") {
            assert!(examples.contains(&format!("verifier {} ", sub.get_name())), "{} has no example", sub.get_name());
        }
    }
}
