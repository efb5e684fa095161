//! The voter's side of the protocol, the same code natively and in the browser (WASM).
//!
//! A [`Client`] is made once per election page load (it parses the parameters and precomputes the key's
//! table). It then [`encrypts`](Client::encrypt) a voter's answers from a fresh seed (SPEC.md §8.4) into an
//! unsigned [`PreparedBallot`], which the voter either **challenges** (Benaloh: the seed and the answers are
//! revealed as a [`ChallengeCode`] and the ballot, never signed, is thrown away, see
//! [`PreparedBallot::challenge`]) or **casts** (signed with the credential and sent; the seed goes to the second
//! device as a [`SecondDeviceCode`]). [`Client::check_challenge`] rebuilds a challenged ballot from its code,
//! [`Client::open_cast`] opens a cast one: the checking device uses them.
//!
//! After casting, the collector's receipt is checked here too (SPEC.md §11.4): [`Client::check_receipt`] checks the
//! receipt itself (L6, L2, L5, L3, and that it is for the ballot cast) and gives a [`CheckedReceipt`], which then
//! checks the collector's current signed tree head (L1, L6) and a consistency proof from the receipt's tree to it
//! (L4): the ballot is in the public log as it stands now. A saved receipt (the file the voting page offers) is
//! checked the same way at any later time, without the ballot. The page fetches; every check is made here.
//!
//! Natively, [`sim`] casts many ballots over HTTP for demos and load tests (the `voter-sim` program).

#[cfg(not(target_arch = "wasm32"))]
pub mod sim;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

use protocol::ballot::{create_ballot_body, open_ballot, Ballot, BallotBody, BallotId, BallotOpening, BallotSeed};
use protocol::codes::{ChallengeError, CheckedChallenge};
use protocol::credential::{Credential, CredentialKey};
use protocol::election::Election;
use protocol::encoding::{Answer, InvalidAnswer};
use protocol::error::{BallotError, DecodeError, ManifestError};
use protocol::log::{verify_consistency, ConsistencyProof, LogError, Receipt, SignedTreeHead};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

/// What can go wrong on the voter's side, in words a page can show.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the election parameters are not valid: {0}")]
    Election(#[from] ManifestError),
    #[error("the election's fingerprint is {computed}, not the {stated} the collector states")]
    FingerprintMismatch { stated: String, computed: String },
    #[error("the credential is not valid: {0}")]
    Credential(#[from] protocol::credential::CredentialTextError),
    #[error("the answers are not valid: {0}")]
    Answers(String),
    #[error("the ballot could not be made: {0}")]
    Ballot(#[from] BallotError),
    #[error("malformed data: {0}")]
    Decode(#[from] DecodeError),
    #[error("the opening does not open this ballot: {0}")]
    Opening(#[from] protocol::ballot::OpeningError),
    #[error("the challenge code does not check: {0}")]
    Challenge(#[from] ChallengeError),
    #[error("the ballot fetched is not the ballot of this code")]
    WrongBallot,
    #[error("the receipt does not verify: {0}")]
    Receipt(#[from] LogError),
    #[error("the receipt is not valid: {0}")]
    ReceiptFormat(String),
    #[error("the log's answer is not valid: {0}")]
    LogAnswer(String),
    #[error(
        "the current log head (size {current}) is smaller than the receipt's (size {receipt}): the log was truncated"
    )]
    LogTruncated { receipt: u64, current: u64 },
    #[error("the consistency proof is for sizes {first} → {second}, not {receipt} → {current}")]
    WrongConsistencyProof { first: u64, second: u64, receipt: u64, current: u64 },
    #[error("the mirror has not yet seen leaf {leaf} (its log has {size} ballots): try again in a few minutes")]
    MirrorBehind { leaf: u64, size: u64 },
    #[error(
        "the collector's view and the mirror's disagree: in the mirror's copy of the log, leaf {leaf} is not this \
         ballot ({reason}). Do not trust this collector's answer: tell the election officials"
    )]
    MirrorDisagrees { leaf: u64, reason: String },
    #[error("the mirror's inclusion proof is for leaf {leaf} of {size}, not leaf {expected_leaf} of {expected_size}")]
    WrongInclusionProof { leaf: u64, size: u64, expected_leaf: u64, expected_size: u64 },
}

/// Why the voter's choices on one contest's screen are not an answer ([`Client::answer_from_choices`]). Each has a
/// stable [`code`](Self::code), by which the page shows it in the voter's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    #[error("there is no contest number {index}")]
    NoContest { index: usize },
    #[error("{value:?} is not a choice of contest {contest}")]
    NotAChoice { contest: String, value: String },
    #[error("ranks must be filled from 1 without gaps")]
    RankGap,
    #[error("each candidate can be ranked once")]
    RankedTwice,
    #[error("the write-in is chosen but its text is empty")]
    WriteInEmpty,
    /// A graded contest (SPEC.md §5.1): every option needs a grade.
    #[error("give every option a grade: option {option} has none")]
    Ungraded { option: usize },
    #[error("{n} selections, {min} to {max} allowed")]
    Count { n: usize, min: usize, max: usize },
    /// Refused by the protocol's check of an answer (SPEC.md §5.1, [`Answer::check`]): an option that does not
    /// exist, a write-in where none is allowed or longer than the contest allows, a repeated selection.
    #[error("contest {contest}: {reason}")]
    Invalid { contest: String, reason: String },
}

impl ChoiceError {
    /// A stable, machine-readable name of the error (the page maps it to its texts).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoContest { .. } => "no_contest",
            Self::NotAChoice { .. } => "not_a_choice",
            Self::RankGap => "rank_gap",
            Self::RankedTwice => "ranked_twice",
            Self::WriteInEmpty => "write_in_empty",
            Self::Ungraded { .. } => "ungraded",
            Self::Count { .. } => "count",
            Self::Invalid { .. } => "invalid",
        }
    }
}

/// One election, ready to encrypt and check ballots.
#[derive(Debug)]
pub struct Client {
    election: Election,
}

/// A ballot encrypted and proven but not signed: it is either cast (signed and sent) or challenged (its seed and
/// answers revealed, and never signed), not both. `Debug` shows the id only: the answers are the vote.
pub struct PreparedBallot {
    body: BallotBody,
    seed: BallotSeed,
    answers: Vec<Answer>,
}

impl std::fmt::Debug for PreparedBallot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PreparedBallot({}, <seed and answers redacted>)", self.body.id().to_hex())
    }
}

/// What a Benaloh challenge reveals, for checking on another device; the ballot is then discarded.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChallengeReport {
    /// The challenged body's id and tracker: what the voting page showed before the challenge, and what the
    /// checker recomputes from the code.
    pub ballot_id: BallotId,
    pub tracker: String,
    /// The voter's district (its index in the manifest), in an election with districts.
    pub district: Option<u16>,
    /// The answers, one per contest of the district ([`Client::ballot_contests`]), in manifest order.
    pub answers: Vec<Answer>,
    /// The code for checking on another device: `RVC2:` ‖ HEX(F ‖ K ‖ seed ‖ [u16(D)] ‖ answers) (SPEC.md §8.9).
    pub code: String,
}

/// What the second device needs: the election, the ballot id and the seed, `RV2:` text (SPEC.md §8.9). Defined
/// in `protocol`, so that the stand-alone verifier reads the same codes.
pub use protocol::codes::{ChallengeCode, SecondDeviceCode};

/// Parses a credential typed or loaded by the voter: its text form with its check group (SPEC.md §8.1; case,
/// spaces and dashes ignored). The error says whether the length, a character or the check is wrong.
pub fn parse_credential(text: &str) -> Result<Credential, ClientError> {
    Ok(Credential::from_text(text)?)
}

/// A receipt that passed [`Client::check_receipt`]: signed by the collector key, for this election, its leaf in
/// its signed root. Only that function makes one, so the log checks below never run on an unchecked receipt.
#[derive(Debug)]
pub struct CheckedReceipt {
    receipt: Receipt,
    collector_key: ed25519_dalek::VerifyingKey,
}

/// Where a checked receipt's ballot stands in an independent mirror's copy of the log (SPEC.md §11.4 L10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InMirror {
    pub leaf_index: u64,
    /// The size of the mirror's signed tree head.
    pub tree_size: u64,
}

/// Where a checked receipt's ballot stands in the current public log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InLog {
    /// The ballot's leaf index (SPEC.md §11.1), from the receipt.
    pub leaf_index: u64,
    /// The size of the tree the receipt was signed for.
    pub receipt_tree_size: u64,
    /// The size of the current signed tree head, which extends the receipt's tree.
    pub tree_size: u64,
    pub tracker: String,
}

impl CheckedReceipt {
    pub fn receipt(&self) -> &Receipt {
        &self.receipt
    }

    /// SPEC.md §11.4 L10: the ballot is in an independent mirror's copy of the log. The mirror's head is the
    /// collector's (L1 under the manifest's collector key, L6); the mirror's inclusion proof (`leaf_index`,
    /// `tree_size`, `path`) for the receipt's leaf at the head's size leads from this receipt's leaf hash (the
    /// ballot's id, hash and acceptance time, which [`Client::check_receipt`] matched to the ballot) to the
    /// mirror's root (L3). A collector that showed the voter a ballot on a forked tree, even one signed with its
    /// real key, fails here: the mirror's leaf at that index is another ballot.
    pub fn check_in_mirror(
        &self,
        sth: &SignedTreeHead,
        leaf_index: u64,
        tree_size: u64,
        path: &[protocol::log::Hash],
    ) -> Result<InMirror, ClientError> {
        sth.verify(&self.collector_key, &self.receipt.fingerprint)?;
        let r = &self.receipt;
        if sth.tree_size <= r.leaf_index {
            return Err(ClientError::MirrorBehind { leaf: r.leaf_index, size: sth.tree_size });
        }
        if leaf_index != r.leaf_index || tree_size != sth.tree_size {
            return Err(ClientError::WrongInclusionProof {
                leaf: leaf_index,
                size: tree_size,
                expected_leaf: r.leaf_index,
                expected_size: sth.tree_size,
            });
        }
        protocol::log::verify_inclusion(&r.leaf_hash(), r.leaf_index, sth.tree_size, path, &sth.root)
            .map_err(|e| ClientError::MirrorDisagrees { leaf: r.leaf_index, reason: e.to_string() })?;
        Ok(InMirror { leaf_index: r.leaf_index, tree_size: sth.tree_size })
    }

    fn check_head(&self, sth: &SignedTreeHead) -> Result<(), ClientError> {
        sth.verify(&self.collector_key, &self.receipt.fingerprint)?;
        if sth.tree_size < self.receipt.tree_size {
            return Err(ClientError::LogTruncated { receipt: self.receipt.tree_size, current: sth.tree_size });
        }
        Ok(())
    }

    /// SPEC.md §11.3: the ballot is in the current log when the current head verifies (L1, L6) and `proof` links the
    /// receipt's `(tree_size, root)` to the head's (L4, RFC 9162 §2.1.4.2). The receipt's inclusion proof (L3)
    /// already put the leaf in the receipt's root, so the leaf is in every later tree.
    pub fn check_in_log(&self, sth: &SignedTreeHead, proof: &ConsistencyProof) -> Result<InLog, ClientError> {
        self.check_head(sth)?;
        let r = &self.receipt;
        if proof.first != r.tree_size || proof.second != sth.tree_size {
            return Err(ClientError::WrongConsistencyProof {
                first: proof.first,
                second: proof.second,
                receipt: r.tree_size,
                current: sth.tree_size,
            });
        }
        verify_consistency(r.tree_size, sth.tree_size, &r.root, &sth.root, &proof.path)?;
        Ok(InLog {
            leaf_index: r.leaf_index,
            receipt_tree_size: r.tree_size,
            tree_size: sth.tree_size,
            tracker: tracker(&r.ballot_id),
        })
    }
}

impl Client {
    /// From the election parameters JSON (SPEC.md §8.8). Natively only: the WASM module reads no JSON (it would
    /// pull serde_json's float formatting into the module); it uses [`Client::from_canonical`].
    pub fn new(election_json: &str) -> Result<Self, ClientError> {
        Ok(Self { election: Election::from_json(election_json)? })
    }

    /// From what `GET /election` serves (collector/API.md), hex: the canonical manifest `M` (SPEC.md §4.2), the
    /// election public key `Y` (§2.1) and the fingerprint the collector states. Both are decoded with every check
    /// (§1.1: canonical encodings, no trailing bytes; `Y` a canonical point, not the identity), the manifest is
    /// validated (§4.3), and the fingerprint `F = SHA-256("rv/fingerprint/v1" ‖ u32(|M|) ‖ M ‖ Y)` (§4.4 eq. (2))
    /// is recomputed: the election is refused unless it is the one stated.
    pub fn from_canonical(
        manifest_hex: &str,
        public_key_hex: &str,
        stated_fingerprint_hex: &str,
    ) -> Result<Self, ClientError> {
        use protocol::elgamal::PublicKey;
        use protocol::manifest::Manifest;
        let manifest_bytes =
            hex::decode(manifest_hex.trim()).map_err(|_| DecodeError::InvalidHex { what: "manifest" })?;
        let manifest: Manifest = protocol::Decode::from_bytes(&manifest_bytes)?;
        let key_bytes = protocol::group::hex_array::<32>(public_key_hex.trim(), "election public key")?;
        let public_key: PublicKey = protocol::Decode::from_bytes(&key_bytes)?;
        let stated = protocol::group::hex_array::<32>(stated_fingerprint_hex.trim(), "election fingerprint")?;
        let election = Election::new(manifest, public_key)?;
        if election.fingerprint().as_bytes() != &stated {
            return Err(ClientError::FingerprintMismatch {
                stated: hex::encode(stated),
                computed: election.fingerprint().to_hex(),
            });
        }
        Ok(Self { election })
    }

    /// SPEC.md §8.2: the contests a ballot of `district` holds (indices into the manifest's contests, manifest
    /// order; [`protocol::manifest::Manifest::ballot_contests`]): every contest without districts (`None`), else
    /// those of the voter's district. Refused, as B2 refuses the ballot, when the election has districts and none
    /// is given, when it has none and one is given, or when the district does not exist.
    pub fn ballot_contests(&self, district: Option<u16>) -> Result<Vec<usize>, ClientError> {
        let manifest = self.election.manifest();
        protocol::ballot::check_district(manifest, district)?;
        Ok(manifest.ballot_contests(district))
    }

    /// The voter's answers from their canonical bytes (SPEC.md §5.1: `u8(n) ‖ u16(code)ⁿ ‖ [u8(len) ‖ write-in]`),
    /// one per contest of the voter's `district` ([`Client::ballot_contests`]) in manifest order, each without its
    /// zero padding. Each is padded to its contest's `chunks · 30` bytes (§5.1 eq. (4)) and read by the spec's
    /// checked decoder ([`Answer::from_padded_bytes`]), which refuses any bytes that are not the canonical
    /// encoding of a valid answer to that contest.
    pub fn answers_from_canonical(
        &self,
        district: Option<u16>,
        answers: &[Vec<u8>],
    ) -> Result<Vec<Answer>, ClientError> {
        let all = &self.election.manifest().contests;
        let contests = self.ballot_contests(district)?;
        if answers.len() != contests.len() {
            return Err(ClientError::Answers(match district {
                None => format!("{} answers for {} contests", answers.len(), contests.len()),
                Some(_) => {
                    format!("{} answers for the {} contests of the voter's district", answers.len(), contests.len())
                }
            }));
        }
        contests
            .iter()
            .map(|&c| &all[c])
            .zip(answers)
            .map(|(contest, bytes)| {
                let size = contest.chunks() * protocol::limits::CHUNK_BYTES;
                if bytes.len() > size {
                    return Err(ClientError::Answers(format!(
                        "contest {}: an answer has at most {size} bytes, not {}",
                        contest.id,
                        bytes.len()
                    )));
                }
                let mut padded = bytes.clone();
                padded.resize(size, 0);
                Answer::from_padded_bytes(contest, &padded)
                    .map_err(|e| ClientError::Answers(format!("contest {}: {}", contest.id, e.reason)))
            })
            .collect()
    }

    /// The answer to contest number `contest` (0-based, manifest order) from what the voter picked on its screen,
    /// checked by the protocol's rules (SPEC.md §5.1, [`Answer::check`]); its canonical bytes are then
    /// [`Answer::to_canonical_bytes`]. `choices`: for a single-choice or approval contest the choices ticked, in any
    /// order; for a ranked contest the choice at each rank from 1 on, `""` where a rank is left empty; for a graded
    /// contest the grade of each option in manifest order, a grade's index in decimal (`"0"` the best), `""` where
    /// an option has none yet. A choice is an option's index in decimal (`"0"`, `"1"`, …) or `"w"` for the
    /// write-in, whose text is `write_in` (leading and trailing white space removed; ignored unless `"w"` is
    /// chosen).
    ///
    /// Checked in this order, each with its own error: a choice that is not one; for a ranked contest, an empty rank
    /// before a filled one, then a candidate ranked twice; the write-in chosen with no text; the number of
    /// selections against the contest's bounds ([`protocol::manifest::Contest::selection_bounds`]); then every
    /// other rule of [`Answer::check`].
    pub fn answer_from_choices(
        &self,
        contest: usize,
        choices: &[String],
        write_in: &str,
    ) -> Result<Answer, ChoiceError> {
        use protocol::encoding::Selection;
        use protocol::manifest::ContestKind;
        let c = self.election.manifest().contests.get(contest).ok_or(ChoiceError::NoContest { index: contest })?;
        let ranked = matches!(c.kind, ContestKind::Ranked { .. });
        let graded = c.kind == ContestKind::Graded;
        let text = write_in.trim();
        let mut picked: Vec<Option<Selection>> = Vec::with_capacity(choices.len());
        for value in choices {
            let choice = match value.as_str() {
                "" if ranked || graded => None,
                "w" => Some(Selection::WriteIn(text.to_string())),
                digits => match digits.parse::<u16>() {
                    // The decimal form the page writes, and only that one: no sign, no leading zero.
                    Ok(i) if i.to_string() == digits => Some(Selection::Option(i)),
                    _ => {
                        return Err(ChoiceError::NotAChoice { contest: c.id.clone(), value: value.clone() });
                    }
                },
            };
            picked.push(choice);
        }
        let mut selections: Vec<Selection> = Vec::with_capacity(picked.len());
        if graded {
            // One grade per option, in option order (SPEC.md §5.1): no sorting, grades may repeat.
            if let Some(option) = picked.iter().position(Option::is_none) {
                return Err(ChoiceError::Ungraded { option });
            }
            selections = picked.into_iter().flatten().collect();
        } else if ranked {
            let filled = picked.iter().rposition(Option::is_some).map_or(0, |last| last + 1);
            if picked[..filled].iter().any(Option::is_none) {
                return Err(ChoiceError::RankGap);
            }
            for s in picked.into_iter().flatten() {
                if selections.contains(&s) {
                    return Err(ChoiceError::RankedTwice);
                }
                selections.push(s);
            }
        } else {
            selections = picked.into_iter().flatten().collect();
            // Canonical order (§5.1): options ascending, the write-in last.
            selections.sort();
        }
        if text.is_empty() && selections.iter().any(|s| matches!(s, Selection::WriteIn(_))) {
            return Err(ChoiceError::WriteInEmpty);
        }
        let (min, max) = c.selection_bounds();
        let n = selections.len();
        if n < min || n > max {
            return Err(ChoiceError::Count { n, min, max });
        }
        let answer = Answer { selections };
        answer.check(c).map_err(|e| ChoiceError::Invalid { contest: c.id.clone(), reason: e.reason })?;
        Ok(answer)
    }

    pub fn election(&self) -> &Election {
        &self.election
    }

    /// Encodes, encrypts and proves from a fresh seed (SPEC.md §8.4, §8.5); nothing is signed yet. `district`: the
    /// voter's district (its index; `None` in an election without districts), whose contests `answers` answer,
    /// one each in manifest order ([`Client::ballot_contests`]); the body names it (§8.2), and B2 refuses
    /// anything else.
    pub fn encrypt<R: RngCore + CryptoRng>(
        &self,
        credential: &CredentialKey,
        district: Option<u16>,
        answers: &[Answer],
        rng: &mut R,
    ) -> Result<PreparedBallot, ClientError> {
        let seed = BallotSeed::generate(rng);
        let (body, _) = create_ballot_body(&self.election, credential, district, answers, &seed)?;
        Ok(PreparedBallot { body, seed, answers: answers.to_vec() })
    }

    /// Checks a challenge code (SPEC.md §8.9) of this election: the challenged body's id (to compare with the
    /// tracker the voting page showed) and the answers it encrypts.
    pub fn check_challenge(&self, code: &str) -> Result<CheckedChallenge, ClientError> {
        Ok(ChallengeCode::parse(code)?.check(&self.election)?)
    }

    /// The second device: checks that `ballot` (fetched by id) is the code's, for this election, and opens it
    /// with the randomness derived from the code's seed (SPEC.md §8.7, §8.9), shaped for the ballot's district
    /// (§8.4): the answers, one per contest of `ballot.body.district` ([`Client::ballot_contests`]).
    pub fn open_cast(
        &self,
        ballot: &Ballot,
        code: &SecondDeviceCode,
    ) -> Result<Vec<Result<Answer, InvalidAnswer>>, ClientError> {
        if code.fingerprint != *self.election.fingerprint() {
            return Err(ClientError::Ballot(BallotError::WrongElection));
        }
        if ballot.id() != code.ballot_id {
            return Err(ClientError::WrongBallot);
        }
        self.open(&ballot.body, &code.opening(&self.election, ballot.body.district))
    }

    /// Opens a ballot with its revealed randomness and decodes the answers (SPEC.md §8.7). Also checks the
    /// ballot's fingerprint, so an opening for another election is refused.
    pub fn open(
        &self,
        body: &BallotBody,
        opening: &BallotOpening,
    ) -> Result<Vec<Result<Answer, InvalidAnswer>>, ClientError> {
        if body.fingerprint != *self.election.fingerprint() {
            return Err(ClientError::Ballot(BallotError::WrongElection));
        }
        Ok(open_ballot(&self.election, body, opening)?)
    }

    /// Checks a receipt from the collector whose Ed25519 key is `collector_key_hex` (from `GET /election`):
    /// SPEC.md §11.4 L6 (this election), L2 (the signature over eq. LG4), L5 and L3 (the inclusion proof leads from
    /// the ballot's leaf to the signed root); and, when the ballot is given (after casting), that the receipt is
    /// for exactly that ballot (its id and hash, eq. LG0).
    pub fn check_receipt(
        &self,
        collector_key_hex: &str,
        receipt: Receipt,
        ballot: Option<&Ballot>,
    ) -> Result<CheckedReceipt, ClientError> {
        let what = "collector key";
        let key_bytes = protocol::group::hex_array(collector_key_hex.trim(), what)?;
        // The key that counts is the one the manifest names (the fingerprint binds it); a server that states
        // another is not this election's collector.
        let collector_key = *self.election.manifest().roles.collector_key.verifying_key();
        if key_bytes != collector_key.to_bytes() {
            return Err(ClientError::ReceiptFormat(format!(
                "the collector key {} is not the one the election's manifest names ({})",
                hex::encode(key_bytes),
                hex::encode(collector_key.to_bytes())
            )));
        }
        receipt.verify(&collector_key, self.election.fingerprint())?;
        if let Some(ballot) = ballot {
            receipt.matches(ballot)?;
        }
        Ok(CheckedReceipt { receipt, collector_key })
    }
}

impl PreparedBallot {
    pub fn body(&self) -> &BallotBody {
        &self.body
    }

    pub fn id(&self) -> BallotId {
        self.body.id()
    }

    /// A short tracker the voter can read aloud and find in the public log: the first 8 bytes of the ballot id.
    pub fn tracker(&self) -> String {
        tracker(&self.id())
    }

    /// Benaloh challenge (SPEC.md §8.9): reveals the seed and the answers and consumes the ballot, which is
    /// never signed, so it can never be cast.
    pub fn challenge(self, client: &Client) -> Result<ChallengeReport, ClientError> {
        let id = self.body.id();
        let district = self.body.district;
        let code = ChallengeCode::new(client.election(), self.body.credential, district, &self.answers, self.seed)?;
        Ok(ChallengeReport {
            ballot_id: id,
            tracker: tracker(&id),
            district,
            answers: self.answers,
            code: code.to_text().to_string(),
        })
    }

    /// Casting: signs the ballot with `credential` (the one it was made for), and the code for the second device.
    pub fn cast(self, credential: &Credential) -> Result<(Ballot, SecondDeviceCode), ClientError> {
        let ballot = self.body.sign(credential)?;
        let code = SecondDeviceCode { fingerprint: ballot.body.fingerprint, ballot_id: ballot.id(), seed: self.seed };
        Ok((ballot, code))
    }
}

/// The QR code of `text` at error-correction level M. A link's fragment that is upper-case alphanumeric (our
/// codes, SPEC.md §8.9) goes in alphanumeric mode (5.5 bits a character), the rest in byte mode: a cast code's
/// link is a version 9–10 code, a challenge's a version 10–11 one, where a whole code in byte mode needs more.
pub fn qr_code(text: &str) -> Option<qrcodegen::QrCode> {
    use qrcodegen::{QrCode, QrCodeEcc, QrSegment};
    let (head, fragment) = match text.rsplit_once('#') {
        Some((link, fragment)) if QrSegment::is_alphanumeric(fragment) => (format!("{link}#"), fragment),
        _ => (text.to_string(), ""),
    };
    let mut segments = Vec::new();
    if !head.is_empty() {
        segments.push(QrSegment::make_bytes(head.as_bytes()));
    }
    if !fragment.is_empty() {
        segments.push(QrSegment::make_alphanumeric(fragment));
    }
    QrCode::encode_segments(&segments, QrCodeEcc::Medium).ok()
}

/// A QR code of `text` ([`qr_code`]) as an SVG document (black modules on white, a 4-module quiet zone), for
/// the second-device code and the challenge code. `None` if the text is too long for a QR code.
pub fn qr_svg(text: &str) -> Option<String> {
    let qr = qr_code(text)?;
    let border = 4;
    let size = qr.size() + 2 * border;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\" \
         role=\"img\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

/// `XXXX-XXXX-XXXX-XXXX`: the first 8 bytes of a ballot id, grouped for reading ([`BallotId::tracker`]).
pub fn tracker(id: &BallotId) -> String {
    id.tracker()
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::election::ElectionParameters;
    use protocol::elgamal::SecretKey;
    use protocol::encoding::Selection;
    use protocol::manifest::example_manifest;
    use rand_core::OsRng;

    fn client() -> Client {
        let sk = SecretKey::generate(&mut OsRng);
        let params = ElectionParameters { manifest: example_manifest(), public_key: sk.public_key() };
        Client::new(&serde_json::to_string(&params).unwrap()).unwrap()
    }

    fn answers() -> Vec<Answer> {
        vec![
            Answer::single(0),
            Answer { selections: vec![Selection::Option(1)] },
            Answer { selections: vec![Selection::WriteIn("Mia".into())] },
        ]
    }

    #[test]
    fn a_challenge_reveals_the_answers_and_nothing_castable() {
        let c = client();
        let cred = Credential::generate(&mut OsRng);
        let prepared = c.encrypt(&cred.public_key(), None, &answers(), &mut OsRng).unwrap();
        let shown = prepared.tracker();
        let report = prepared.challenge(&c).unwrap();
        assert_eq!(report.answers, answers());
        assert_eq!(report.tracker, shown);
        // Another device rebuilds the body the page showed (same tracker) from the code alone.
        let checked = c.check_challenge(&report.code).unwrap();
        assert_eq!(tracker(&checked.ballot_id), shown);
        assert_eq!(checked.answers, answers());
        // The code is short: a QR code of its link is at most version 11 (61 modules a side).
        let link = format!("https://valimised.example.ee/verify.html#{}", report.code);
        let qr = qr_code(&link).unwrap();
        assert!(qr.size() <= 61, "{} modules", qr.size());
    }

    /// A client for the example election with districts (north, centre, south: a council each, and a
    /// referendum for all).
    fn district_client() -> Client {
        let params = ElectionParameters {
            manifest: protocol::manifest::example_manifest_districts(),
            public_key: SecretKey::generate(&mut OsRng).public_key(),
        };
        Client::new(&serde_json::to_string(&params).unwrap()).unwrap()
    }

    /// A voter of a district answers that district's contests only: the ballot names the district, holds
    /// exactly its contests, and its challenge code and second-device code open it as such.
    #[test]
    fn a_ballot_holds_exactly_the_contests_of_the_voters_district() {
        let c = district_client();
        let north = c.election().manifest().district_index("north").unwrap();
        let centre = c.election().manifest().district_index("centre").unwrap();
        // council-north (0) and the referendum (3); council-centre (1) and the referendum.
        assert_eq!(c.ballot_contests(Some(north)).unwrap(), [0, 3]);
        assert_eq!(c.ballot_contests(Some(centre)).unwrap(), [1, 3]);
        for bad in [None, Some(3), Some(u16::MAX)] {
            assert!(
                matches!(c.ballot_contests(bad), Err(ClientError::Ballot(BallotError::NoSuchDistrict(_)))),
                "{bad:?}"
            );
        }
        // Without districts: every contest, and no district may be named.
        assert_eq!(client().ballot_contests(None).unwrap(), [0, 1, 2]);
        assert!(matches!(client().ballot_contests(Some(0)), Err(ClientError::Ballot(BallotError::NoSuchDistrict(_)))));

        // The page's choices: contest indices are the manifest's.
        let choice = |contest: usize, option: &str| c.answer_from_choices(contest, &[option.to_string()], "").unwrap();
        let answers = vec![choice(0, "4"), choice(3, "1")];
        let contests = &c.election().manifest().contests;
        let bytes: Vec<Vec<u8>> =
            [0, 3].iter().zip(&answers).map(|(&k, a)| a.to_canonical_bytes(&contests[k]).unwrap()).collect();
        assert_eq!(c.answers_from_canonical(Some(north), &bytes).unwrap(), answers);
        // One answer per contest of the district: not the election's four, not for no district.
        let four: Vec<Vec<u8>> = vec![bytes[0].clone(), bytes[0].clone(), bytes[0].clone(), bytes[1].clone()];
        let err = c.answers_from_canonical(Some(north), &four).unwrap_err();
        assert_eq!(err.to_string(), "the answers are not valid: 4 answers for the 2 contests of the voter's district");
        assert!(matches!(c.answers_from_canonical(None, &bytes), Err(ClientError::Ballot(_))));

        let cred = Credential::generate(&mut OsRng);
        let key = cred.public_key();
        let four: Vec<Answer> = (0..4).map(|i| if i == 3 { Answer::single(0) } else { Answer::single(1) }).collect();
        assert!(matches!(
            c.encrypt(&key, Some(north), &four, &mut OsRng),
            Err(ClientError::Ballot(BallotError::WrongContestCount { expected: 2, got: 4 }))
        ));
        assert!(matches!(
            c.encrypt(&key, None, &answers, &mut OsRng),
            Err(ClientError::Ballot(BallotError::NoSuchDistrict(_)))
        ));

        // A challenge: the code carries the district; another device rebuilds the same body.
        let prepared = c.encrypt(&key, Some(north), &answers, &mut OsRng).unwrap();
        assert_eq!(prepared.body().district, Some(north));
        assert_eq!(prepared.body().contests.len(), 2);
        let shown = prepared.tracker();
        let report = prepared.challenge(&c).unwrap();
        assert_eq!((report.district, &report.answers), (Some(north), &answers));
        let checked = c.check_challenge(&report.code).unwrap();
        assert_eq!((tracker(&checked.ballot_id), checked.district), (shown, Some(north)));
        assert_eq!(checked.answers, answers);

        // Cast: the ballot passes the collector's checks (B1–B4) and the second device opens it for north.
        let (ballot, code) = c.encrypt(&key, Some(north), &answers, &mut OsRng).unwrap().cast(&cred).unwrap();
        protocol::check_ballot(c.election(), &ballot).unwrap();
        assert_eq!(ballot.body.district, Some(north));
        let opened: Vec<Answer> = c.open_cast(&ballot, &code).unwrap().into_iter().map(Result::unwrap).collect();
        assert_eq!(opened, answers);
        // The same choices for centre give another ballot, which opens as centre's.
        let (other, other_code) = c.encrypt(&key, Some(centre), &answers, &mut OsRng).unwrap().cast(&cred).unwrap();
        assert_eq!(other.body.district, Some(centre));
        assert_eq!(c.open_cast(&other, &other_code).unwrap().len(), 2);
        assert!(matches!(c.open_cast(&other, &code), Err(ClientError::WrongBallot)));
    }

    #[test]
    fn second_device_code_round_trips_and_opens() {
        let c = client();
        let cred = parse_credential(&Credential::generate(&mut OsRng).to_text()).unwrap();
        let prepared = c.encrypt(&cred.public_key(), None, &answers(), &mut OsRng).unwrap();
        let tracker = prepared.tracker();
        assert_eq!(tracker.len(), 19);
        let (ballot, code) = prepared.cast(&cred).unwrap();
        protocol::check_ballot(c.election(), &ballot).unwrap();
        let parsed = SecondDeviceCode::parse(&code.to_text()).unwrap();
        assert_eq!(parsed.ballot_id, ballot.id());
        assert_eq!(c.open_cast(&ballot, &parsed).unwrap().len(), 3);
        assert!(SecondDeviceCode::parse("RV1:00:00").is_err());
        assert!(SecondDeviceCode::parse("RV2:ZZ").is_err());
        let link = format!("https://valimised.example.ee/verify.html#{}", &*code.to_text());
        assert!(qr_code(&link).unwrap().size() <= 57);
        // A prepared ballot is signed only by its own credential.
        let other = c.encrypt(&cred.public_key(), None, &answers(), &mut OsRng).unwrap();
        let stranger = Credential::generate(&mut OsRng);
        assert!(matches!(other.cast(&stranger), Err(ClientError::Ballot(BallotError::WrongCredential))));
    }

    /// A log of `before` filler leaves, then `ballot`, then `after` more; the receipt of `ballot` as signed at its
    /// append, and the head signed over the whole log with the consistency proof from the receipt's tree to it.
    fn logged(
        c: &Client,
        key: &ed25519_dalek::SigningKey,
        ballot: &Ballot,
        before: u8,
        after: u8,
    ) -> (Receipt, SignedTreeHead, ConsistencyProof) {
        use protocol::log::{ballot_hash, LogTree, ReceiptBody};
        let fp = *c.election().fingerprint();
        let mut tree = LogTree::new();
        (0..before).for_each(|i| tree.push([i; 32]));
        tree.push(protocol::log::ballot_leaf_hash(ballot, 1));
        let size = tree.len();
        let body = ReceiptBody {
            fingerprint: fp,
            ballot_id: ballot.id(),
            ballot_hash: ballot_hash(&protocol::Encode::to_bytes(ballot)),
            accepted_at: 1,
            leaf_index: u64::from(before),
            tree_size: size,
            root: tree.root(size).unwrap(),
            timestamp: 1_000,
        };
        let receipt = body.sign(key, tree.inclusion_proof(u64::from(before), size).unwrap());
        (0..after).for_each(|i| tree.push([100 + i; 32]));
        let now = tree.len();
        let sth = SignedTreeHead::sign(key, fp, now, tree.root(now).unwrap(), 2_000);
        let path = tree.consistency_proof(size, now).unwrap();
        (receipt, sth, ConsistencyProof { first: size, second: now, path })
    }

    /// The attack of the 2026-12 audit on the second device: a collector that serves the voting page (so it has
    /// the credential) casts another vote and shows the device a decoy ballot on a forked one-leaf tree, signed
    /// with its real key. The receipt verifies on its own; the mirror, which holds the real log, disagrees.
    #[test]
    fn a_receipt_on_a_forked_log_is_refused_by_the_mirror_check() {
        let c = client();
        let key = protocol::roles::example_role_secrets(3).collector;
        let key_hex = hex::encode(key.verifying_key().as_bytes());
        let cred = Credential::generate(&mut OsRng);
        let (real, _) = c.encrypt(&cred.public_key(), None, &answers(), &mut OsRng).unwrap().cast(&cred).unwrap();
        let (decoy, _) = c.encrypt(&cred.public_key(), None, &answers(), &mut OsRng).unwrap().cast(&cred).unwrap();
        // The mirror's log: the real ballot at leaf 2 of 5. The decoy's receipt: leaf 2 of a fork of 3.
        let (real_receipt, mirror_head, _) = logged(&c, &key, &real, 2, 2);
        let (decoy_receipt, _, _) = logged(&c, &key, &decoy, 2, 0);
        let mut mirror_tree = protocol::log::LogTree::new();
        (0..2u8).for_each(|i| mirror_tree.push([i; 32]));
        mirror_tree.push(protocol::log::ballot_leaf_hash(&real, 1));
        (0..2u8).for_each(|i| mirror_tree.push([100 + i; 32]));
        assert_eq!(mirror_tree.root(5), Some(mirror_head.root));
        let path = mirror_tree.inclusion_proof(2, 5).unwrap();
        // The honest receipt is confirmed by the mirror.
        let checked = c.check_receipt(&key_hex, real_receipt, Some(&real)).unwrap();
        assert_eq!(
            checked.check_in_mirror(&mirror_head, 2, 5, &path).unwrap(),
            InMirror { leaf_index: 2, tree_size: 5 }
        );
        // The decoy: its receipt is valid and signed by the real key, but the mirror's leaf 2 is another ballot.
        let checked = c.check_receipt(&key_hex, decoy_receipt, Some(&decoy)).unwrap();
        assert!(matches!(
            checked.check_in_mirror(&mirror_head, 2, 5, &path),
            Err(ClientError::MirrorDisagrees { leaf: 2, .. })
        ));
        // A mirror that has not reached the leaf yet, a proof for other sizes, a head not signed by the collector.
        let small = SignedTreeHead::sign(&key, *c.election().fingerprint(), 2, mirror_tree.root(2).unwrap(), 3);
        assert!(matches!(
            checked.check_in_mirror(&small, 2, 2, &[]),
            Err(ClientError::MirrorBehind { leaf: 2, size: 2 })
        ));
        assert!(matches!(
            checked.check_in_mirror(&mirror_head, 1, 5, &path),
            Err(ClientError::WrongInclusionProof { .. })
        ));
        let rogue = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        let forged = SignedTreeHead::sign(&rogue, *c.election().fingerprint(), 5, mirror_head.root, 3);
        assert!(matches!(
            checked.check_in_mirror(&forged, 2, 5, &path),
            Err(ClientError::Receipt(LogError::BadTreeHeadSignature))
        ));
    }

    #[test]
    fn receipts_are_checked_against_the_ballot_and_the_current_log() {
        let c = client();
        // The collector key the example manifest names.
        let key = protocol::roles::example_role_secrets(3).collector;
        let key_hex = hex::encode(key.verifying_key().as_bytes());
        let cred = Credential::generate(&mut OsRng);
        let (ballot, _) = c.encrypt(&cred.public_key(), None, &answers(), &mut OsRng).unwrap().cast(&cred).unwrap();
        for (before, after) in [(0, 0), (0, 1), (4, 0), (5, 9), (6, 2)] {
            let (receipt, sth, proof) = logged(&c, &key, &ballot, before, after);
            let checked = c.check_receipt(&key_hex, receipt.clone(), Some(&ballot)).unwrap();
            let in_log = checked.check_in_log(&sth, &proof).unwrap();
            assert_eq!((in_log.leaf_index, in_log.tree_size), (u64::from(before), u64::from(before + 1 + after)));
            assert_eq!(in_log.tracker, tracker(&ballot.id()));
            // A saved receipt (JSON) checks the same way without the ballot.
            let saved: Receipt = serde_json::from_str(&serde_json::to_string(&receipt).unwrap()).unwrap();
            let again = c.check_receipt(&key_hex, saved, None).unwrap();
            assert_eq!(again.check_in_log(&sth, &proof).unwrap(), in_log);
            if after > 0 && before > 0 {
                let mut bad = proof.clone();
                bad.path[0][0] ^= 1;
                assert!(matches!(
                    checked.check_in_log(&sth, &bad),
                    Err(ClientError::Receipt(LogError::ConsistencyFailed))
                ));
            }
        }
        let (receipt, sth, proof) = logged(&c, &key, &ballot, 3, 3);
        let checked = c.check_receipt(&key_hex, receipt.clone(), Some(&ballot)).unwrap();
        // Another ballot, a tampered receipt, another collector key, another election: refused.
        let (other, _) = c.encrypt(&cred.public_key(), None, &answers(), &mut OsRng).unwrap().cast(&cred).unwrap();
        assert!(matches!(
            c.check_receipt(&key_hex, receipt.clone(), Some(&other)),
            Err(ClientError::Receipt(LogError::BallotMismatch))
        ));
        let mut bad = receipt.clone();
        bad.leaf_index += 1;
        assert!(matches!(
            c.check_receipt(&key_hex, bad, None),
            Err(ClientError::Receipt(LogError::BadReceiptSignature))
        ));
        let mut bad = receipt.clone();
        bad.inclusion[0][3] ^= 1;
        assert!(matches!(c.check_receipt(&key_hex, bad, None), Err(ClientError::Receipt(LogError::InclusionFailed))));
        // A server that states another collector key than the manifest's is not this election's collector; a
        // receipt signed by another key does not verify under the manifest's.
        let other = ed25519_dalek::SigningKey::from_bytes(&[8; 32]);
        let other_key = hex::encode(other.verifying_key().as_bytes());
        assert!(matches!(c.check_receipt(&other_key, receipt.clone(), None), Err(ClientError::ReceiptFormat(_))));
        let (forged, _, _) = logged(&c, &other, &ballot, 3, 3);
        assert!(matches!(
            c.check_receipt(&key_hex, forged, None),
            Err(ClientError::Receipt(LogError::BadReceiptSignature))
        ));
        assert!(matches!(c.check_receipt("zz", receipt.clone(), None), Err(ClientError::Decode(_))));
        assert!(matches!(
            client().check_receipt(&key_hex, receipt.clone(), None),
            Err(ClientError::Receipt(LogError::WrongElection))
        ));
        // A tampered head, a proof for other sizes, a smaller (truncated) head: refused.
        let mut bad = sth.clone();
        bad.root[0] ^= 1;
        assert!(matches!(
            checked.check_in_log(&bad, &proof),
            Err(ClientError::Receipt(LogError::BadTreeHeadSignature))
        ));
        let wrong = ConsistencyProof { first: proof.first - 1, ..proof.clone() };
        assert!(matches!(checked.check_in_log(&sth, &wrong), Err(ClientError::WrongConsistencyProof { .. })));
        let fp = *c.election().fingerprint();
        let small = SignedTreeHead::sign(&key, fp, 2, [0; 32], 3_000);
        let to_small = ConsistencyProof { first: 4, second: 2, path: vec![] };
        assert!(matches!(
            checked.check_in_log(&small, &to_small),
            Err(ClientError::LogTruncated { receipt: 4, current: 2 })
        ));
    }

    #[test]
    fn the_election_from_canonical_bytes_must_give_the_stated_fingerprint() {
        use protocol::Encode;
        let c = client();
        let m = hex::encode(c.election().manifest().to_bytes());
        let pk = hex::encode(c.election().public_key().to_bytes());
        let fp = c.election().fingerprint().to_hex();
        let again = Client::from_canonical(&m, &pk, &fp).unwrap();
        assert_eq!(again.election().fingerprint(), c.election().fingerprint());
        assert_eq!(again.election().manifest(), c.election().manifest());
        let other = client();
        assert!(matches!(
            Client::from_canonical(&m, &pk, &other.election().fingerprint().to_hex()),
            Err(ClientError::FingerprintMismatch { .. })
        ));
        let other_pk = hex::encode(other.election().public_key().to_bytes());
        assert!(matches!(Client::from_canonical(&m, &other_pk, &fp), Err(ClientError::FingerprintMismatch { .. })));
        assert!(matches!(Client::from_canonical(&format!("{m}00"), &pk, &fp), Err(ClientError::Decode(_))));
        assert!(matches!(Client::from_canonical(&m[..m.len() - 2], &pk, &fp), Err(ClientError::Decode(_))));
        assert!(matches!(Client::from_canonical(&m, &"00".repeat(32), &fp), Err(ClientError::Decode(_))));
        assert!(matches!(Client::from_canonical(&m, &pk, "xyz"), Err(ClientError::Decode(_))));
        // A manifest that decodes but is not valid (§4.3): no contests.
        let mut empty = c.election().manifest().clone();
        empty.contests.clear();
        let empty_fp = empty.fingerprint(c.election().public_key()).to_hex();
        assert!(matches!(
            Client::from_canonical(&hex::encode(empty.to_bytes()), &pk, &empty_fp),
            Err(ClientError::Election(_))
        ));
    }

    #[test]
    fn answers_are_read_from_their_canonical_bytes() {
        let c = client();
        let bytes = |a: &[u8]| a.to_vec();
        // §5.1: `u8(n) ‖ u16(code)ⁿ ‖ [u8(len) ‖ write-in]`, the write-in's code 0xFFFF.
        let good = vec![bytes(&[1, 0, 0]), bytes(&[1, 0, 1]), [&[1, 0xff, 0xff, 3][..], b"Mia"].concat()];
        assert_eq!(c.answers_from_canonical(None, &good).unwrap(), answers());
        // Trailing zeros are padding: the same answer.
        let mut padded = good.clone();
        padded[0].push(0);
        assert_eq!(c.answers_from_canonical(None, &padded).unwrap(), answers());
        let with = |i: usize, a: Vec<u8>| {
            let mut v = good.clone();
            v[i] = a;
            v
        };
        for bad in [
            good[..2].to_vec(),
            with(0, bytes(&[1, 0, 7])),
            with(0, bytes(&[2, 0, 0, 0, 1])),
            with(0, bytes(&[1, 0, 0, 5])),
            with(0, vec![]),
            with(1, vec![1; 31]),
            with(2, [&[1, 0xff, 0xff, 3][..], &[0xc3, 0x28, 0x41]].concat()),
            with(2, bytes(&[1, 0xff, 0xff, 40, b'a'])),
        ] {
            assert!(matches!(c.answers_from_canonical(None, &bad), Err(ClientError::Answers(_))), "{bad:?}");
        }
    }

    /// The page's choices become the protocol's answers, checked by its rules; each refusal is its own error.
    #[test]
    fn answers_are_built_from_the_voters_choices() {
        let c = client();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let o = Selection::Option;
        // The example manifest: single choice of 3; approval 0 to 3 of 4; ranked up to 4 of 4, with a write-in.
        assert_eq!(c.answer_from_choices(0, &s(&["2"]), "").unwrap(), Answer::single(2));
        // Approval: ticked in any order, sorted canonically; a write-in's text is ignored when not chosen.
        assert_eq!(c.answer_from_choices(1, &s(&["3", "0"]), "Mia").unwrap(), Answer { selections: vec![o(0), o(3)] });
        // Ranked: in rank order, empty ranks at the end; the write-in's text trimmed.
        let ranked = c.answer_from_choices(2, &s(&["w", "1", "", ""]), "  Zoë ").unwrap();
        assert_eq!(ranked, Answer { selections: vec![Selection::WriteIn("Zoë".into()), o(1)] });
        // The canonical bytes are §5.1's, and the module's decoder reads them back to the same answers.
        let contests = &c.election().manifest().contests;
        let answers = [Answer::single(2), Answer { selections: vec![o(0), o(3)] }, ranked];
        let bytes: Vec<Vec<u8>> =
            contests.iter().zip(&answers).map(|(k, a)| a.to_canonical_bytes(k).unwrap()).collect();
        assert_eq!(bytes[2], [&[2, 0xff, 0xff, 0, 1, 4][..], "Zoë".as_bytes()].concat());
        assert_eq!(c.answers_from_canonical(None, &bytes).unwrap(), answers);

        let err = |contest: usize, v: &[&str], w: &str| c.answer_from_choices(contest, &s(v), w).unwrap_err();
        assert_eq!(err(3, &["0"], ""), ChoiceError::NoContest { index: 3 });
        for bad in ["x", "-1", "01", "+1", "70000", " 1", ""] {
            assert!(matches!(err(0, &[bad], ""), ChoiceError::NotAChoice { .. }), "{bad:?}");
        }
        assert_eq!(err(2, &["", "1", ""], ""), ChoiceError::RankGap);
        assert_eq!(err(2, &["1", "", "2"], ""), ChoiceError::RankGap);
        assert_eq!(err(2, &["1", "2", "1"], ""), ChoiceError::RankedTwice);
        assert_eq!(err(2, &["w", "w"], "Mia"), ChoiceError::RankedTwice);
        assert_eq!(err(2, &["w"], "   "), ChoiceError::WriteInEmpty);
        assert_eq!(err(0, &[], ""), ChoiceError::Count { n: 0, min: 1, max: 1 });
        assert_eq!(err(0, &["0", "1"], ""), ChoiceError::Count { n: 2, min: 1, max: 1 });
        assert_eq!(c.answer_from_choices(1, &[], "").unwrap(), Answer { selections: vec![] });
        assert_eq!(err(1, &["0", "1", "2", "3"], ""), ChoiceError::Count { n: 4, min: 0, max: 3 });
        assert_eq!(err(2, &["", "", "", ""], ""), ChoiceError::Count { n: 0, min: 1, max: 4 });
        assert_eq!(err(2, &["0", "1", "2", "3", "w"], "Mia"), ChoiceError::Count { n: 5, min: 1, max: 4 });
        // What only the protocol's check refuses: an option that does not exist, a write-in where none is
        // allowed or too long, the same option ticked twice.
        let invalid = |e: ChoiceError| match e {
            ChoiceError::Invalid { reason, .. } => reason,
            other => panic!("not refused by the protocol's check: {other:?}"),
        };
        assert_eq!(invalid(err(0, &["3"], "")), "no option number 3");
        assert_eq!(invalid(err(0, &["w"], "Mia")), "write-ins are not allowed");
        let max = contests[2].write_in.unwrap().max_bytes as usize;
        assert_eq!(invalid(err(2, &["w"], &"é".repeat(max / 2 + 1))), format!("a write-in must have 1 to {max} bytes"));
        assert_eq!(invalid(err(1, &["1", "1"], "")), "selections repeat, or are not in ascending order");
        let codes: Vec<&str> = [
            err(3, &["0"], ""),
            err(0, &["x"], ""),
            err(2, &["", "1"], ""),
            err(2, &["1", "1"], ""),
            err(2, &["w"], ""),
            err(0, &[], ""),
            err(0, &["3"], ""),
            graded_client().answer_from_choices(0, &s(&["1", ""]), "").unwrap_err(),
        ]
        .iter()
        .map(ChoiceError::code)
        .collect();
        assert_eq!(
            codes,
            [
                "no_contest",
                "not_a_choice",
                "rank_gap",
                "ranked_twice",
                "write_in_empty",
                "count",
                "invalid",
                "ungraded"
            ]
        );
    }

    /// A client for a manifest of one graded contest: options Alice and Bob, grades Good and Poor.
    fn graded_client() -> Client {
        use protocol::manifest::ContestKind;
        let mut m = example_manifest();
        m.contests.truncate(1);
        let c = &mut m.contests[0];
        c.kind = ContestKind::Graded;
        c.options.truncate(2);
        c.grades = ["Good", "Poor"].map(|g| m.title.keys().map(|k| (k.clone(), g.to_string())).collect()).to_vec();
        let params = ElectionParameters { manifest: m, public_key: SecretKey::generate(&mut OsRng).public_key() };
        Client::new(&serde_json::to_string(&params).unwrap()).unwrap()
    }

    /// A graded contest (SPEC.md §5.1): the page gives each option's grade, in option order; every option needs one.
    #[test]
    fn graded_answers_give_every_option_a_grade() {
        let c = graded_client();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let a = c.answer_from_choices(0, &s(&["1", "1"]), "").unwrap();
        assert_eq!(a, Answer { selections: vec![Selection::Option(1), Selection::Option(1)] });
        assert_eq!(c.answer_from_choices(0, &s(&["1", "0"]), "").unwrap().selections[1], Selection::Option(0));
        assert_eq!(c.answer_from_choices(0, &s(&["", "0"]), "").unwrap_err(), ChoiceError::Ungraded { option: 0 });
        let e = c.answer_from_choices(0, &s(&["0", "2"]), "").unwrap_err();
        assert_eq!(e, ChoiceError::Invalid { contest: "mayor".into(), reason: "no grade number 2".into() });
        let e = c.answer_from_choices(0, &s(&["0"]), "").unwrap_err();
        assert_eq!(e, ChoiceError::Count { n: 1, min: 2, max: 2 });
        let bytes = a.to_canonical_bytes(&c.election().manifest().contests[0]).unwrap();
        assert_eq!(c.answers_from_canonical(None, &[bytes]).unwrap(), [a]);
    }

    #[test]
    fn qr_codes_render_as_svg() {
        let svg = qr_svg("https://example.org/verify.html#RV2:00").unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<path d=\"M"));
        assert!(qr_svg(&"x".repeat(5000)).is_none());
    }

    #[test]
    fn bad_inputs_give_clear_errors() {
        assert!(matches!(
            parse_credential("not a credential"),
            Err(ClientError::Credential(protocol::credential::CredentialTextError::Length { found: 14, expected: 56 }))
        ));
        assert!(matches!(Client::new("{}"), Err(ClientError::Election(_))));
        let c = client();
        let other = client();
        let cred = Credential::generate(&mut OsRng);
        let bad = vec![Answer::single(9), Answer { selections: vec![] }, Answer { selections: vec![] }];
        assert!(matches!(c.encrypt(&cred.public_key(), None, &bad, &mut OsRng), Err(ClientError::Ballot(_))));
        let (ballot, code) = c.encrypt(&cred.public_key(), None, &answers(), &mut OsRng).unwrap().cast(&cred).unwrap();
        assert!(matches!(other.open_cast(&ballot, &code), Err(ClientError::Ballot(BallotError::WrongElection))));
        let (another, _) = c.encrypt(&cred.public_key(), None, &answers(), &mut OsRng).unwrap().cast(&cred).unwrap();
        assert!(matches!(c.open_cast(&another, &code), Err(ClientError::WrongBallot)));
    }
}
