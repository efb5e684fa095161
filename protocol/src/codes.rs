//! Codes for another device (SPEC.md §8.9) and the second device's fetch proof (§8.10).
//!
//! Both codes carry the ballot's 32-byte seed σ (§8.4) instead of its randomness, and the election fingerprint,
//! so a device pins the election from the code alone:
//!
//! * after casting, [`SecondDeviceCode`]: `RV2:` ‖ HEX(F ‖ ballot id ‖ σ). The device derives the opening from
//!   σ, fetches the ballot by id (proving with [`prove_fetch`] that it holds the code), checks the id and opens it.
//! * after a Benaloh challenge, [`ChallengeCode`]: `RVC2:` ‖ HEX(F ‖ K ‖ σ ‖ [u16(D)] ‖ answers), the district `D`
//!   only in an election with districts. The checker rebuilds the
//!   challenged body from the answers and σ ([`create_ballot_body`]) and shows the answers with the body's
//!   tracker, which the voter compares with the tracker the voting page showed before the challenge. The code
//!   holds no signature and no ciphertext: nothing in it can be cast, and the page never signs a challenged body.
//!
//! Hex is upper-case so that a QR code holds it in alphanumeric mode (5.5 bits a character instead of 8); the
//! parsers accept either case, since people type codes too.

use core::fmt;

use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use crate::ballot::{create_ballot_body, BallotBody, BallotId, BallotOpening, BallotSeed};
use crate::codec::DecodeError;
use crate::credential::CredentialKey;
use crate::election::Election;
use crate::encoding::Answer;
use crate::error::{BallotError, ProofError};
use crate::fingerprint::Fingerprint;
use crate::group::GroupElement;
use crate::proofs::schnorr::{SchnorrProof, SchnorrStatement, SchnorrWitness};
use crate::transcript::{election_transcript, TranscriptProtocol};

/// The prefix of a cast ballot's code (SPEC.md §8.9).
pub const CAST_PREFIX: &str = "RV2:";
/// The prefix of a challenged ballot's code (SPEC.md §8.9).
pub const CHALLENGE_PREFIX: &str = "RVC2:";
/// Domain of the second device's fetch proof (SPEC.md §8.10).
pub const FETCH_DOMAIN: &[u8] = b"rv/second-device-fetch/v1";

/// The text after `prefix` (either case), or the fragment of a link that carries it (`…/verify.html#RV2:…`).
fn strip<'a>(text: &'a str, prefix: &'static str, what: &'static str) -> Result<&'a str, DecodeError> {
    let text = text.trim();
    let text = text.rsplit_once('#').map_or(text, |(_, fragment)| fragment);
    match text.get(..prefix.len()) {
        Some(p) if p.eq_ignore_ascii_case(prefix) => Ok(&text[prefix.len()..]),
        _ => Err(DecodeError::WrongPrefix { what, prefix }),
    }
}

fn unhex(text: &str, what: &'static str) -> Result<Zeroizing<Vec<u8>>, DecodeError> {
    Ok(Zeroizing::new(hex::decode(text).map_err(|_| DecodeError::InvalidHex { what })?))
}

fn take<const N: usize>(bytes: &mut &[u8], what: &'static str) -> Result<[u8; N], DecodeError> {
    let needed = N.saturating_sub(bytes.len());
    let (head, rest) = bytes.split_at_checked(N).ok_or(DecodeError::Truncated { what, needed })?;
    *bytes = rest;
    head.try_into().map_err(|_| DecodeError::Truncated { what, needed })
}

/// What the second device needs after casting (SPEC.md §8.9): the election, the ballot id and the seed. As
/// secret as the vote: not `Clone`, the seed is wiped on drop and the text is returned in a [`Zeroizing`] string.
#[derive(Debug)]
pub struct SecondDeviceCode {
    /// The election fingerprint `F`; the device refuses an election whose eq. (2) gives another.
    pub fingerprint: Fingerprint,
    /// The cast ballot's id (SPEC.md §8.3), which the device fetches.
    pub ballot_id: BallotId,
    /// The ballot's seed σ (SPEC.md §8.4), from which the opening is derived (eq. (8a)).
    pub seed: BallotSeed,
}

impl SecondDeviceCode {
    /// `RV2:` ‖ HEX(F ‖ id ‖ σ): 4 + 192 characters.
    pub fn to_text(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(96));
        bytes.extend_from_slice(self.fingerprint.as_bytes());
        bytes.extend_from_slice(&self.ballot_id.0);
        bytes.extend_from_slice(self.seed.expose_bytes());
        Zeroizing::new(format!("{CAST_PREFIX}{}", hex::encode_upper(&*bytes)))
    }

    /// Parses the code, or a link that carries it as its fragment. A wrong prefix is `WrongPrefix`.
    pub fn parse(text: &str) -> Result<Self, DecodeError> {
        let what = "second-device code";
        let bytes = unhex(strip(text, CAST_PREFIX, what)?, what)?;
        let mut rest: &[u8] = &bytes;
        let fingerprint = Fingerprint(take(&mut rest, what)?);
        let ballot_id = BallotId(take(&mut rest, what)?);
        let seed = BallotSeed::from_bytes(take(&mut rest, what)?);
        if !rest.is_empty() {
            return Err(DecodeError::TrailingBytes { what, count: rest.len() });
        }
        Ok(Self { fingerprint, ballot_id, seed })
    }

    /// The opening of the ballot (SPEC.md §8.4), for `election`'s shape in the fetched ballot's `district`.
    pub fn opening(&self, election: &Election, district: Option<u16>) -> BallotOpening {
        self.seed.opening(election.manifest(), district)
    }
}

/// What a Benaloh challenge reveals (SPEC.md §8.9): the election, the credential key, the seed and the answers,
/// from which the challenged body is rebuilt. Not `Clone`; the seed and answers are wiped on drop and redacted in
/// `Debug`.
pub struct ChallengeCode {
    /// The election fingerprint `F`.
    pub fingerprint: Fingerprint,
    /// The credential key `K` of the challenged body.
    pub credential: CredentialKey,
    /// The ballot's seed σ (SPEC.md §8.4).
    pub seed: BallotSeed,
    /// With districts, `u16(D)` first; then per contest of the ballot, in manifest order: `u16(L) ‖` its answer's
    /// canonical bytes (§5.1, `L` bytes, unpadded).
    answers: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for ChallengeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ChallengeCode({}, {}, <seed and answers redacted>)",
            self.fingerprint.to_hex(),
            self.credential.to_hex()
        )
    }
}

/// A challenge code checked against its election: the body the voting page prepared, and what it encrypts.
#[derive(Debug)]
pub struct CheckedChallenge {
    /// The id of the rebuilt body (SPEC.md §8.3), whose tracker the voter compares with the page's.
    pub ballot_id: BallotId,
    /// The voter's district (its index), in an election with districts.
    pub district: Option<u16>,
    /// The answers the code reveals, per contest of the district in manifest order
    /// ([`Manifest::ballot_contests`](crate::manifest::Manifest::ballot_contests)).
    pub answers: Vec<Answer>,
}

/// Why a challenge code does not check.
#[derive(Debug, thiserror::Error)]
pub enum ChallengeError {
    #[error("the code is for election {code}, not this election ({election})")]
    /// The code's fingerprint is not the election's.
    WrongElection {
        /// The code's fingerprint, in hex.
        code: String,
        /// The election's fingerprint, in hex.
        election: String,
    },
    #[error("the code's answer to contest {contest} is not valid: {reason}")]
    /// C-1: an answer is missing, cut short or not a valid answer to its contest (SPEC.md §5.1).
    Answer {
        /// The contest's id.
        contest: String,
        /// What is wrong with the answer.
        reason: String,
    },
    #[error("the code names no district, and the election has districts")]
    /// The code ends before the district of an election with districts.
    NoDistrict,
    #[error("the code holds {extra} bytes after the last contest's answer")]
    /// Bytes follow the last contest's answer.
    TrailingAnswers {
        /// How many bytes follow.
        extra: usize,
    },
    #[error("the ballot cannot be rebuilt: {0}")]
    /// C-2: the body cannot be rebuilt from the answers and the seed.
    Ballot(#[from] BallotError),
}

impl ChallengeCode {
    /// The code of a challenged ballot made by [`create_ballot_body`] from these inputs.
    pub fn new(
        election: &Election,
        credential: CredentialKey,
        district: Option<u16>,
        answers: &[Answer],
        seed: BallotSeed,
    ) -> Result<Self, BallotError> {
        let manifest = election.manifest();
        crate::ballot::check_district(manifest, district)?;
        let contests = manifest.ballot_contests(district);
        if answers.len() != contests.len() {
            return Err(BallotError::WrongContestCount { expected: contests.len(), got: answers.len() });
        }
        let mut bytes = Zeroizing::new(Vec::new());
        if let Some(d) = district {
            bytes.extend_from_slice(&d.to_be_bytes());
        }
        for (&c, answer) in contests.iter().zip(answers) {
            let a = Zeroizing::new(answer.to_canonical_bytes(&manifest.contests[c])?);
            // At most MAX_CHUNKS · CHUNK_BYTES = 1,920 bytes (the manifest's limits, §4.3): it fits a u16.
            let len = u16::try_from(a.len()).unwrap_or(u16::MAX);
            bytes.extend_from_slice(&len.to_be_bytes());
            bytes.extend_from_slice(&a);
        }
        Ok(Self { fingerprint: *election.fingerprint(), credential, seed, answers: bytes })
    }

    /// `RVC2:` ‖ HEX(F ‖ K ‖ σ ‖ [u16(D)] ‖ answers).
    pub fn to_text(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(96 + self.answers.len()));
        bytes.extend_from_slice(self.fingerprint.as_bytes());
        bytes.extend_from_slice(self.credential.as_bytes());
        bytes.extend_from_slice(self.seed.expose_bytes());
        bytes.extend_from_slice(&self.answers);
        Zeroizing::new(format!("{CHALLENGE_PREFIX}{}", hex::encode_upper(&*bytes)))
    }

    /// Parses the code, or a link that carries it as its fragment. A wrong prefix is `WrongPrefix`.
    pub fn parse(text: &str) -> Result<Self, DecodeError> {
        let what = "challenge code";
        let bytes = unhex(strip(text, CHALLENGE_PREFIX, what)?, what)?;
        let mut rest: &[u8] = &bytes;
        let fingerprint = Fingerprint(take(&mut rest, what)?);
        let credential = CredentialKey::from_bytes(&take(&mut rest, what)?)?;
        let seed = BallotSeed::from_bytes(take(&mut rest, what)?);
        Ok(Self { fingerprint, credential, seed, answers: Zeroizing::new(rest.to_vec()) })
    }

    /// SPEC.md §8.9: the code is for `election`, its answers are valid answers to the election's contests (CC1), and
    /// the body rebuilt (CC2) from them and the seed ([`create_ballot_body`]); its id is what the voter compares with
    /// the tracker the voting page showed.
    pub fn check(&self, election: &Election) -> Result<CheckedChallenge, ChallengeError> {
        if self.fingerprint != *election.fingerprint() {
            return Err(ChallengeError::WrongElection {
                code: self.fingerprint.to_hex(),
                election: election.fingerprint().to_hex(),
            });
        }
        let manifest = election.manifest();
        let mut rest: &[u8] = &self.answers;
        let district = if manifest.has_districts() {
            let (d, after) = rest.split_first_chunk::<2>().ok_or(ChallengeError::NoDistrict)?;
            rest = after;
            Some(u16::from_be_bytes(*d))
        } else {
            None
        };
        crate::ballot::check_district(manifest, district)?;
        let mut answers = Vec::new();
        for contest in manifest.ballot_contests(district).into_iter().map(|c| &manifest.contests[c]) {
            let bad = |reason: String| ChallengeError::Answer { contest: contest.id.clone(), reason };
            let (len, after) = rest.split_first_chunk::<2>().ok_or_else(|| bad("missing".into()))?;
            let len = usize::from(u16::from_be_bytes(*len));
            let (bytes, after) = after.split_at_checked(len).ok_or_else(|| bad("cut short".into()))?;
            answers.push(Answer::from_canonical_bytes(contest, bytes).map_err(|e| bad(e.reason))?);
            rest = after;
        }
        if !rest.is_empty() {
            return Err(ChallengeError::TrailingAnswers { extra: rest.len() });
        }
        let (body, _) = create_ballot_body(election, &self.credential, district, &answers, &self.seed)?;
        Ok(CheckedChallenge { ballot_id: body.id(), district, answers })
    }
}

/// Either code, as a device that reads any QR code of ours gets it.
#[derive(Debug)]
pub enum DeviceCode {
    /// A cast ballot's code (`RV2:`).
    Cast(SecondDeviceCode),
    /// A challenged ballot's code (`RVC2:`).
    Challenge(ChallengeCode),
}

impl DeviceCode {
    /// A cast code (`RV2:`), a challenge code (`RVC2:`), or a link carrying either.
    pub fn parse(text: &str) -> Result<Self, DecodeError> {
        match ChallengeCode::parse(text) {
            Ok(c) => Ok(Self::Challenge(c)),
            Err(DecodeError::WrongPrefix { .. }) => SecondDeviceCode::parse(text).map(Self::Cast),
            Err(e) => Err(e),
        }
    }
}

/// SPEC.md §8.10: the transcript of a fetch proof for ballot `id` of election `fingerprint`.
fn fetch_transcript(fingerprint: &Fingerprint, id: &BallotId) -> merlin::Transcript {
    let mut t = election_transcript(fingerprint);
    t.domain_sep(FETCH_DOMAIN);
    t.append_message(b"ballot-id", &id.0);
    t
}

/// SPEC.md §8.10: a Schnorr proof (§10.4) of knowledge of `r₁`, the randomness of the ballot's first
/// ciphertext (`A₁ = r₁·G`), bound to the election and the ballot id: what the second device shows the
/// collector to fetch its ballot. Only the holder of the code (or of the ballot's randomness) can make one; it
/// reveals nothing about the vote. `None` for an opening with no ciphertext.
pub fn prove_fetch<R: RngCore + CryptoRng>(
    fingerprint: &Fingerprint,
    id: &BallotId,
    opening: &BallotOpening,
    rng: &mut R,
) -> Option<SchnorrProof> {
    let r = opening.first()?;
    let x = GroupElement::new(crate::elgamal::base_mul(r));
    Some(SchnorrProof::prove(
        &mut fetch_transcript(fingerprint, id),
        &SchnorrStatement { x: &x },
        &SchnorrWitness { x: r },
        rng,
    ))
}

/// SPEC.md §8.10: checks a fetch proof against the stored ballot's first `A`.
pub fn check_fetch(body: &BallotBody, proof: &SchnorrProof) -> Result<(), ProofError> {
    let a = body.contests.first().and_then(|c| c.first()).map(|c| &c.a);
    let a = a.ok_or(ProofError::EmptyStatement { proof: "fetch proof" })?;
    proof.verify(&mut fetch_transcript(&body.fingerprint, &body.id()), &SchnorrStatement { x: a })
}

impl fmt::Display for DeviceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cast(c) => write!(f, "the code of cast ballot {}", c.ballot_id.to_hex()),
            Self::Challenge(c) => write!(f, "the code of a challenged ballot of credential {}", c.credential.to_hex()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ballot::{check_ballot, create_ballot, open_ballot};
    use crate::credential::Credential;
    use crate::elgamal::SecretKey;
    use crate::encoding::Selection;
    use crate::manifest::example_manifest;
    use rand::rngs::OsRng;

    fn election() -> Election {
        Election::new(example_manifest(), SecretKey::generate(&mut OsRng).public_key()).unwrap()
    }

    fn answers() -> Vec<Answer> {
        vec![
            Answer::single(1),
            Answer { selections: vec![Selection::Option(0), Selection::Option(3)] },
            Answer { selections: vec![Selection::Option(2), Selection::WriteIn("Ann".into())] },
        ]
    }

    #[test]
    fn the_same_seed_gives_the_same_body_and_another_seed_another() {
        let e = election();
        let k = Credential::generate(&mut OsRng).public_key();
        let seed = BallotSeed::generate(&mut OsRng);
        let (a, _) = create_ballot_body(&e, &k, None, &answers(), &seed).unwrap();
        let (b, _) =
            create_ballot_body(&e, &k, None, &answers(), &BallotSeed::from_bytes(*seed.expose_bytes())).unwrap();
        assert_eq!(a, b);
        let (c, _) = create_ballot_body(&e, &k, None, &answers(), &BallotSeed::generate(&mut OsRng)).unwrap();
        assert_ne!(a.id(), c.id());
    }

    /// A valid contest whose answers exceed 255 bytes (approval of up to 200 of 200 options: 1 + 2·200 bytes)
    /// must still give a code that checks: each answer's length is a `u16`.
    #[test]
    fn a_long_answer_gives_a_code_that_checks() {
        let mut m = example_manifest();
        let c = &mut m.contests[1];
        c.kind = crate::manifest::ContestKind::Approval { min: 0, max: 200 };
        c.options = (0..200)
            .map(|i| crate::manifest::ContestOption {
                id: format!("o{i}"),
                // In every language of the election's title (SPEC.md §4.3 MF3).
                title: ["en", "et", "fr"].map(|l| (l.to_string(), format!("Option {i}"))).into_iter().collect(),
                list: None,
            })
            .collect();
        let e = Election::new(m, SecretKey::generate(&mut OsRng).public_key()).unwrap();
        let mut long = answers();
        long[1] = Answer { selections: (0..200).map(Selection::Option).collect() };
        let cred = Credential::generate(&mut OsRng);
        let seed = BallotSeed::generate(&mut OsRng);
        let (body, _) = create_ballot_body(&e, &cred.public_key(), None, &long, &seed).unwrap();
        let code = ChallengeCode::new(&e, cred.public_key(), None, &long, BallotSeed::from_bytes(*seed.expose_bytes()))
            .unwrap();
        let checked = ChallengeCode::parse(&code.to_text()).unwrap().check(&e).unwrap();
        assert_eq!(checked.ballot_id, body.id());
        assert_eq!(checked.answers, long);
    }

    /// SPEC.md: exercises CC1, CC2.
    #[test]
    fn a_challenge_code_rebuilds_the_body_and_holds_nothing_castable() {
        let e = election();
        let cred = Credential::generate(&mut OsRng);
        let seed = BallotSeed::generate(&mut OsRng);
        let (body, _) = create_ballot_body(&e, &cred.public_key(), None, &answers(), &seed).unwrap();
        let code =
            ChallengeCode::new(&e, cred.public_key(), None, &answers(), BallotSeed::from_bytes(*seed.expose_bytes()))
                .unwrap()
                .to_text();
        assert!(code.starts_with("RVC2:") && code.len() < 260, "{} characters", code.len());
        let parsed = ChallengeCode::parse(&code).unwrap();
        let checked = parsed.check(&e).unwrap();
        assert_eq!(checked.ballot_id, body.id());
        assert_eq!(checked.answers, answers());
        // Lower-case and as a link fragment too.
        let link = format!("https://example.org/verify.html#{}", code.to_lowercase());
        assert_eq!(ChallengeCode::parse(&link).unwrap().check(&e).unwrap().ballot_id, body.id());
        // Another election, or other answers, give an error or another body.
        assert!(matches!(parsed.check(&election()), Err(ChallengeError::WrongElection { .. })));
        let other = ChallengeCode::new(
            &e,
            cred.public_key(),
            None,
            &[Answer::single(0), answers()[1].clone(), answers()[2].clone()],
            BallotSeed::from_bytes(*seed.expose_bytes()),
        )
        .unwrap();
        assert_ne!(other.check(&e).unwrap().ballot_id, body.id());
        // Cut or extended codes are refused.
        assert!(ChallengeCode::parse(&code[..code.len() - 2]).unwrap().check(&e).is_err());
        assert!(matches!(
            ChallengeCode::parse(&format!("{}00", &*code)).unwrap().check(&e),
            Err(ChallengeError::TrailingAnswers { extra: 1 })
        ));
        assert!(ChallengeCode::parse(&code[1..]).is_err());
    }

    #[test]
    fn a_cast_code_opens_the_ballot_and_proves_the_fetch() {
        let e = election();
        let cred = Credential::generate(&mut OsRng);
        let seed = BallotSeed::generate(&mut OsRng);
        let (body, opening) = create_ballot_body(&e, &cred.public_key(), None, &answers(), &seed).unwrap();
        let ballot = body.sign(&cred).unwrap();
        check_ballot(&e, &ballot).unwrap();
        let code = SecondDeviceCode { fingerprint: *e.fingerprint(), ballot_id: ballot.id(), seed };
        let text = code.to_text();
        assert_eq!(text.len(), 4 + 192);
        let parsed = SecondDeviceCode::parse(&text).unwrap();
        assert_eq!(parsed.ballot_id, ballot.id());
        let derived = parsed.opening(&e, None);
        assert_eq!(*derived.expose_bytes(), *opening.expose_bytes());
        let opened = open_ballot(&e, &ballot.body, &derived).unwrap();
        assert_eq!(opened.into_iter().map(Result::unwrap).collect::<Vec<_>>(), answers());
        assert!(matches!(DeviceCode::parse(&text).unwrap(), DeviceCode::Cast(_)));
        assert!(SecondDeviceCode::parse(&text[..text.len() - 2]).is_err());
        assert!(SecondDeviceCode::parse(&format!("{}00", &*text)).is_err());

        // The fetch proof: made from the code, checked against the stored ballot; one made for another ballot,
        // or without the randomness, is refused.
        let proof = prove_fetch(e.fingerprint(), &ballot.id(), &derived, &mut OsRng).unwrap();
        check_fetch(&ballot.body, &proof).unwrap();
        let (other, other_opening) = create_ballot(&e, &cred, None, &answers(), &mut OsRng).unwrap();
        assert!(check_fetch(&other.body, &proof).is_err());
        let wrong = prove_fetch(e.fingerprint(), &ballot.id(), &other_opening, &mut OsRng).unwrap();
        assert!(check_fetch(&ballot.body, &wrong).is_err());
    }

    #[test]
    fn codes_do_not_print_the_vote() {
        let e = election();
        let k = Credential::generate(&mut OsRng).public_key();
        let code = ChallengeCode::new(&e, k, None, &answers(), BallotSeed::from_bytes([3; 32])).unwrap();
        let shown = format!("{code:?}");
        assert!(shown.contains("redacted") && !shown.contains("0303") && !shown.contains("Ann"), "{shown}");
    }

    #[test]
    fn a_body_is_signed_only_by_its_own_credential() {
        let e = election();
        let cred = Credential::generate(&mut OsRng);
        let (body, _) =
            create_ballot_body(&e, &cred.public_key(), None, &answers(), &BallotSeed::generate(&mut OsRng)).unwrap();
        let stranger = Credential::generate(&mut OsRng);
        assert_eq!(body.sign(&stranger).unwrap_err(), BallotError::WrongCredential);
    }
}
