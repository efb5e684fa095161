//! `tallier`: the officials' and trustees' offline tool. Each step of the tally pipeline is a module with its
//! logic; `main.rs` only parses arguments.
//!
//! # Tally
//!
//! After the close, with the collector's `ballot-box.json` and the key ceremony's directory (SPEC.md §14):
//!
//! 1. `tallier setup officials-key --out DIR` (once, before the election: its `.pub` is published);
//! 2. `tallier revocations sign --election ELECTION.json --key officials-key.hex --credentials PAPER.json
//!    --out revocations.json` (the credentials of voters who voted on paper; `[]` if none);
//! 3. `tallier tally prepare --box ballot-box.json --ceremony DIR --revocations revocations.json --out RECORD`
//!    (verifies the inputs; check, squash, revoke, anonymize: R1–R4);
//! 4. `tallier tally mix --record RECORD [--stage K]` (each stage on its own machine, or all at once);
//! 5. `tallier trustee decrypt --secret … --record RECORD`, by at least `t` trustees;
//! 6. `tallier tally finish --record RECORD [--report FILE]` (combine, decode, count, `index.json`).
//!
//! The record is then complete: `verifier verify RECORD` checks it (V1–V13).
//!
//! While voting is open, the officials may change the voter list (SPEC.md §4.7): `tallier voter-list add` (or
//! `remove`, `move`) `--election ELECTION.json --key officials-key.hex --credential HEX [--district ID] --dir
//! CHANGES` signs each change ([`voter_list`]); it is posted to the collector, lands in the log between the
//! ballots, and `prepare` replays it (L11, R1, R3).

pub mod ceremony_dir;
mod files;
pub mod mix;
pub mod officials;
pub mod record;
pub mod report;
pub mod setup;
pub mod tally;
pub mod trustee;
pub mod voter_list;
pub mod voters;
