//! Ballots: created by the voter's client, checked by the collector, the tallier and the verifier
//! (SPEC.md §8). [`create_ballot`] and [`check_ballot`] sit side by side; [`check_ballots`] checks many at once.
//!
//! A ballot holds, for every contest of the manifest in order, the contest's fixed number of ciphertexts, and
//! one [`RandomnessProof`] of knowledge of the randomness of all of them, bound to the election fingerprint and
//! the voter's credential key; the whole body is signed with the credential (Ed25519). Copying another voter's ciphertexts under one's own
//! credential therefore fails: the copier cannot produce the proof without the randomness.

use core::fmt;

use curve25519_dalek::Scalar;
use ed25519_dalek::Signature;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::credential::{Credential, CredentialKey};
use crate::election::Election;
use crate::elgamal::Ciphertext;
use crate::encoding::{Answer, InvalidAnswer};
use crate::error::BallotError;
use crate::fingerprint::Fingerprint;
use crate::group::random_scalar;
use crate::limits::{MAX_CHUNKS, MAX_CONTESTS};
use crate::manifest::Manifest;
use crate::proofs::randomness::{RandomnessProof, RandomnessStatement, RandomnessWitness};
use crate::proofs::BatchVerifier;
use crate::transcript::election_transcript;

/// Domain of the ballot signature (SPEC.md §8.2).
pub const SIGNATURE_DOMAIN: &[u8] = b"rv/ballot-signature/v1";
/// Domain of the ballot id (SPEC.md §8.3).
pub const BALLOT_ID_DOMAIN: &[u8] = b"rv/ballot-id/v1";
/// Version byte that starts every ballot body of an election without districts.
pub const BALLOT_VERSION: u8 = 1;
/// Version byte that starts every ballot body of an election with districts: the district follows the key (§8.2).
pub const BALLOT_VERSION_DISTRICT: u8 = 2;

// ---------------------------------------------------------------------------------------------------------
// Ballots

/// What a ballot encrypts and proves, before it is signed (SPEC.md §8.2 `body`); its id is eq. §8.3's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotBody {
    /// The election fingerprint `F` (check B1).
    pub fingerprint: Fingerprint,
    /// The voter's credential key `K`, under which the ballot is signed.
    pub credential: CredentialKey,
    /// The voter's district (its index in the manifest) in an election with districts; `None` without.
    pub district: Option<u16>,
    /// Per contest of the district ([`Manifest::ballot_contests`]), in manifest order, its fixed number of
    /// ciphertexts.
    pub contests: Vec<Vec<Ciphertext>>,
    /// One proof of knowledge of the randomness of every ciphertext.
    pub proof: RandomnessProof,
}

/// A cast ballot: the body and the voter's signature (SPEC.md §8.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    /// What is signed.
    pub body: BallotBody,
    /// Ed25519 signature by the credential over `"rv/ballot-signature/v1" ‖ body` (check B3, `verify_strict`).
    #[serde(with = "crate::group::bytes_hex")]
    pub signature: [u8; 64],
}

/// The 32-byte ballot id: `SHA-256("rv/ballot-id/v1" ‖ body)` (SPEC.md §8.3). It excludes the signature, so a
/// re-signed copy of the same body has the same id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BallotId(#[serde(with = "crate::group::bytes_hex")] pub [u8; 32]);

impl BallotId {
    /// The id in lower-case hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// SPEC.md §8.3: the id of the ballot whose canonical bytes (§8.2) are `ballot`: the hash of its body, the
    /// bytes before its 64-byte signature. How a box's ballots, held as their bytes, give their ids again. `None`
    /// if there are fewer than 64 bytes.
    pub fn of_ballot_bytes(ballot: &[u8]) -> Option<BallotId> {
        ballot.get(..ballot.len().checked_sub(64)?).map(Self::of_body_bytes)
    }

    /// SPEC.md §8.3: the id of the body whose canonical bytes are `body`.
    fn of_body_bytes(body: &[u8]) -> BallotId {
        let mut h = Sha256::new();
        h.update(BALLOT_ID_DOMAIN);
        h.update(body);
        BallotId(h.finalize().into())
    }

    /// The tracker (SPEC.md §8.9): the first 8 bytes of the id, upper-case hex in four groups,
    /// `XXXX-XXXX-XXXX-XXXX`, short enough to read aloud and find in the public log.
    pub fn tracker(&self) -> String {
        let h = hex::encode_upper(&self.0[..8]);
        format!("{}-{}-{}-{}", &h[0..4], &h[4..8], &h[8..12], &h[12..16])
    }
}

impl fmt::Debug for BallotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BallotId({})", self.to_hex())
    }
}

impl Encode for BallotBody {
    fn encode(&self, w: &mut Writer) {
        match self.district {
            None => w.u8(BALLOT_VERSION).raw(self.fingerprint.as_bytes()).put(&self.credential),
            Some(d) => w.u8(BALLOT_VERSION_DISTRICT).raw(self.fingerprint.as_bytes()).put(&self.credential).u16(d),
        };
        w.u32(self.contests.len() as u32);
        for contest in &self.contests {
            w.seq(contest);
        }
        w.put(&self.proof);
    }
}
impl Decode for BallotBody {
    const WHAT: &'static str = "ballot body";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let version = r.u8("ballot.version")?;
        if version != BALLOT_VERSION && version != BALLOT_VERSION_DISTRICT {
            return Err(DecodeError::UnknownTag { what: "ballot.version", tag: version });
        }
        let fingerprint = Fingerprint(r.array("ballot.fingerprint")?);
        let credential = CredentialKey::decode(r)?;
        let district = if version == BALLOT_VERSION_DISTRICT { Some(r.u16("ballot.district")?) } else { None };
        let n = r.u32("ballot.contests")? as usize;
        if n > MAX_CONTESTS {
            return Err(DecodeError::TooLong { what: "ballot.contests", len: n, max: MAX_CONTESTS });
        }
        let contests = (0..n).map(|_| r.seq("ballot.ciphertexts", MAX_CHUNKS)).collect::<Result<_, _>>()?;
        Ok(Self { fingerprint, credential, district, contests, proof: RandomnessProof::decode(r)? })
    }
}

impl Encode for Ballot {
    fn encode(&self, w: &mut Writer) {
        w.put(&self.body).raw(&self.signature);
    }
}
impl Decode for Ballot {
    const WHAT: &'static str = "ballot";
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self { body: BallotBody::decode(r)?, signature: r.array("ballot.signature")? })
    }
}

impl BallotBody {
    /// SPEC.md §8.2: the signed message `"rv/ballot-signature/v1" ‖ body`.
    pub fn signed_message(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(SIGNATURE_DOMAIN).put(self);
        w.finish()
    }

    /// SPEC.md §8.3.
    pub fn id(&self) -> BallotId {
        BallotId::of_body_bytes(&self.to_bytes())
    }
}

impl AsRef<Ballot> for Ballot {
    fn as_ref(&self) -> &Ballot {
        self
    }
}

impl Ballot {
    /// The ballot id (SPEC.md §8.3), over the body only.
    pub fn id(&self) -> BallotId {
        self.body.id()
    }
}

/// The randomness of every ciphertext of a ballot: what a Benaloh challenge reveals and what the second device
/// receives. Wiped on drop; not `Clone`; serialized only through [`expose_bytes`](Self::expose_bytes).
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct BallotOpening {
    randomness: Vec<Vec<Scalar>>,
}

impl fmt::Debug for BallotOpening {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BallotOpening(<redacted>)")
    }
}

impl BallotOpening {
    /// The randomness of the first ciphertext (the second device's fetch proof, SPEC.md §8.10).
    pub fn first(&self) -> Option<&Scalar> {
        self.randomness.first().and_then(|r| r.first())
    }

    /// SPEC.md §8.4: `u32` contests, then per contest a `u32` count and the scalars. Deliberately revealing.
    pub fn expose_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Writer::new();
        w.u32(self.randomness.len() as u32);
        for rs in &self.randomness {
            w.seq(rs);
        }
        Zeroizing::new(w.finish())
    }

    /// Reads the encoding [`expose_bytes`](Self::expose_bytes) writes; it is not checked against any ballot here.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let n = r.u32("opening.contests")? as usize;
        if n > MAX_CONTESTS {
            return Err(DecodeError::TooLong { what: "opening.contests", len: n, max: MAX_CONTESTS });
        }
        let randomness = (0..n).map(|_| r.seq("opening.randomness", MAX_CHUNKS)).collect::<Result<_, _>>()?;
        r.finish("opening")?;
        Ok(Self { randomness })
    }
}

/// Why an opening does not open a ballot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpeningError {
    /// The number of contests or of scalars in a contest is not the ballot's.
    #[error("the opening does not have the ballot's shape")]
    WrongShape,
    #[error("contest {contest}: the revealed randomness does not match ciphertext {index}")]
    /// A revealed scalar `r` does not give the ciphertext's `A = r·G` (SPEC.md §8.7).
    WrongRandomness {
        /// The contest's index in the manifest.
        contest: usize,
        /// The ciphertext's index in the contest.
        index: usize,
    },
}

/// The seed of a ballot (SPEC.md §8.4): 32 secret bytes, fresh for every encryption, from which everything
/// random in the ballot is derived, so that the seed alone opens the ballot (the second device) and, with the
/// answers, rebuilds it byte for byte (a Benaloh challenge). As secret as the vote: wiped on drop, not `Clone`,
/// redacted in `Debug`, never serialized.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct BallotSeed([u8; 32]);

impl fmt::Debug for BallotSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BallotSeed(<redacted>)")
    }
}

impl BallotSeed {
    /// A fresh seed: 32 bytes from `rng`.
    pub fn generate<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        Self(seed)
    }

    /// A seed from its 32 bytes (as a code carries it, SPEC.md §8.9).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Deliberately revealing (the codes of SPEC.md §8.9 carry it).
    pub fn expose_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// SPEC.md §8.4 eq. (8a): the stream `S`, ChaCha20 keyed with σ (as §3.3's streams).
    fn stream(&self) -> rand_chacha::ChaCha20Rng {
        use rand_chacha::rand_core::SeedableRng;
        rand_chacha::ChaCha20Rng::from_seed(self.0)
    }

    /// SPEC.md §8.4 eq. (8a): `r_k` = the wide reduction of bytes `64(k−1) … 64k−1` of `S`, for the `m`
    /// ciphertexts of a ballot of `manifest` for `district` (its contests in order, chunks in order). Returns the
    /// stream after them (eq. (8b) reads on from there).
    fn derive(&self, manifest: &Manifest, district: Option<u16>) -> (BallotOpening, rand_chacha::ChaCha20Rng) {
        let mut s = self.stream();
        let randomness = manifest
            .ballot_contests(district)
            .into_iter()
            .map(|c| (0..manifest.contests[c].chunks()).map(|_| random_scalar(&mut s)).collect())
            .collect();
        (BallotOpening { randomness }, s)
    }

    /// The opening (§8.4) of the ballot made with this seed for `manifest`'s shape in `district`: what the second
    /// device derives from its code and the ballot's district.
    pub fn opening(&self, manifest: &Manifest, district: Option<u16>) -> BallotOpening {
        self.derive(manifest, district).0
    }
}

/// Encodes, encrypts and proves a ballot from its seed (SPEC.md §8.5): the unsigned body and its opening. The
/// body is a function of `(election, credential, answers, seed)` only. It is signed by [`BallotBody::sign`] only
/// when the voter casts it; a challenged body is never signed, so it can never be cast (§8.9).
pub fn create_ballot_body(
    election: &Election,
    credential: &CredentialKey,
    district: Option<u16>,
    answers: &[Answer],
    seed: &BallotSeed,
) -> Result<(BallotBody, BallotOpening), BallotError> {
    let manifest = election.manifest();
    check_district(manifest, district)?;
    let contests = manifest.ballot_contests(district);
    if answers.len() != contests.len() {
        return Err(BallotError::WrongContestCount { expected: contests.len(), got: answers.len() });
    }
    let (opening, mut stream) = seed.derive(manifest, district);
    // Eq. (8b): the embedding start of each chunk (§5.2) from the stream after the randomness.
    let mut points = Zeroizing::new(Vec::new());
    for (&c, answer) in contests.iter().zip(answers) {
        points.extend(answer.to_points(&manifest.contests[c], &mut stream)?);
    }
    // All the ballot's ciphertexts at once, so their `A` components are encoded in one batch.
    let flat = Zeroizing::new(opening.randomness.concat());
    let mut all = election.encryption_key().encrypt_many(&points, &flat).into_iter();
    let ciphertexts: Vec<Vec<Ciphertext>> =
        opening.randomness.iter().map(|rs| all.by_ref().take(rs.len()).collect()).collect();
    let statement = RandomnessStatement { credential: credential.as_bytes(), contests: &ciphertexts };
    // Eq. (8c): the proof's nonce from the seed, so that the same seed gives the same proof.
    let proof = RandomnessProof::prove_seeded(
        &mut election_transcript(election.fingerprint()),
        &statement,
        &RandomnessWitness { randomness: &opening.randomness },
        seed.expose_bytes(),
    )
    .map_err(BallotError::BadProof)?;
    Ok((
        BallotBody {
            fingerprint: *election.fingerprint(),
            credential: *credential,
            district,
            contests: ciphertexts,
            proof,
        },
        opening,
    ))
}

impl BallotBody {
    /// SPEC.md §8.2: signs the body with the credential whose key it holds; another credential is refused.
    pub fn sign(self, credential: &Credential) -> Result<Ballot, BallotError> {
        if credential.public_key() != self.credential {
            return Err(BallotError::WrongCredential);
        }
        let signature = credential.sign(&self.signed_message());
        Ok(Ballot { body: self, signature })
    }
}

/// Creates, proves and signs a ballot (SPEC.md §8.5) with a fresh seed from `rng`: for programs that cast
/// without a challenge (the simulator, tests). The voter's client uses [`create_ballot_body`].
pub fn create_ballot<R: RngCore + CryptoRng>(
    election: &Election,
    credential: &Credential,
    district: Option<u16>,
    answers: &[Answer],
    rng: &mut R,
) -> Result<(Ballot, BallotOpening), BallotError> {
    let seed = BallotSeed::generate(rng);
    let (body, opening) = create_ballot_body(election, &credential.public_key(), district, answers, &seed)?;
    Ok((body.sign(credential)?, opening))
}

/// A ballot that passed every check of SPEC.md §8.6. Only [`check_ballot`] and [`check_ballots`] build one.
#[derive(Debug, Clone, Copy)]
pub struct VerifiedBallot<'a>(&'a Ballot);

impl<'a> VerifiedBallot<'a> {
    /// The ballot that passed.
    pub fn ballot(&self) -> &'a Ballot {
        self.0
    }
}

/// SPEC.md §8.6 B2's first part: a district exactly when the manifest has districts, and one it declares.
pub fn check_district(manifest: &Manifest, district: Option<u16>) -> Result<(), BallotError> {
    match (manifest.has_districts(), district) {
        (false, None) => Ok(()),
        (false, Some(d)) => Err(BallotError::NoSuchDistrict(format!(
            "the ballot names district {d}, but the election has no districts"
        ))),
        (true, None) => Err(BallotError::NoSuchDistrict(format!(
            "the ballot names no district, but the election has {} districts",
            manifest.districts.len()
        ))),
        (true, Some(d)) if usize::from(d) >= manifest.districts.len() => Err(BallotError::NoSuchDistrict(format!(
            "the ballot names district {d}, but the election has {} districts (0 to {})",
            manifest.districts.len(),
            manifest.districts.len() - 1
        ))),
        (true, Some(_)) => Ok(()),
    }
}

/// SPEC.md §8.6 B2, the shape alone (no cryptography: the collector runs it before the registry lookup, in R1's
/// order): a district exactly when the election has districts, and one it declares; the district's contests
/// ([`Manifest::ballot_contests`]), each with its number of ciphertexts.
pub fn check_shape(manifest: &Manifest, body: &BallotBody) -> Result<(), BallotError> {
    check_district(manifest, body.district)?;
    let contests = manifest.ballot_contests(body.district);
    if body.contests.len() != contests.len() {
        return Err(BallotError::WrongContestCount { expected: contests.len(), got: body.contests.len() });
    }
    for (c, &i) in body.contests.iter().zip(&contests) {
        let expected = manifest.contests[i].chunks();
        if c.len() != expected {
            return Err(BallotError::WrongWidth { contest: i, expected, got: c.len() });
        }
    }
    Ok(())
}

/// SPEC.md §8.6 checks B1–B3: the election, the shape and the signature. The proofs (B4) are checked by
/// the callers, alone or in a batch.
fn check_structure_and_signature(election: &Election, ballot: &Ballot) -> Result<(), BallotError> {
    let body = &ballot.body;
    if body.fingerprint != *election.fingerprint() {
        return Err(BallotError::WrongElection);
    }
    check_shape(election.manifest(), body)?;
    let signature = Signature::from_bytes(&ballot.signature);
    body.credential.0.verify_strict(&body.signed_message(), &signature).map_err(|_| BallotError::BadSignature)
}

/// Queues check B4 (the ballot's proof) into `batch`.
fn queue_proof(election: &Election, ballot: &Ballot, batch: &mut BatchVerifier) -> Result<(), BallotError> {
    let body = &ballot.body;
    let statement = RandomnessStatement { credential: body.credential.as_bytes(), contests: &body.contests };
    body.proof
        .verify_into(&mut election_transcript(election.fingerprint()), &statement, batch)
        .map_err(BallotError::BadProof)
}

/// Checks one ballot completely (SPEC.md §8.6, B1–B4).
pub fn check_ballot<'a>(election: &Election, ballot: &'a Ballot) -> Result<VerifiedBallot<'a>, BallotError> {
    check_structure_and_signature(election, ballot)?;
    let body = &ballot.body;
    let statement = RandomnessStatement { credential: body.credential.as_bytes(), contests: &body.contests };
    body.proof.verify(&mut election_transcript(election.fingerprint()), &statement).map_err(BallotError::BadProof)?;
    Ok(VerifiedBallot(ballot))
}

/// Checks many ballots: signatures one by one, the proofs of all ballots in one multiscalar multiplication.
/// If the batch fails, the failing ballots are found by checking them alone, so the result is exactly that of
/// [`check_ballot`] on each.
///
/// `ballots` may be ballots or anything holding one (`AsRef<Ballot>`, e.g. the tally's logged ballots), so that no
/// caller copies ballots to check them.
pub fn check_ballots<'a, B: AsRef<Ballot>, R: RngCore + CryptoRng>(
    election: &Election,
    ballots: &'a [B],
    rng: &mut R,
) -> Vec<Result<VerifiedBallot<'a>, BallotError>> {
    let mut batch = BatchVerifier::new(rng);
    let mut results: Vec<Result<(), BallotError>> = ballots
        .iter()
        .map(|b| {
            let b = b.as_ref();
            check_structure_and_signature(election, b).and_then(|()| queue_proof(election, b, &mut batch))
        })
        .collect();
    if !batch.verify() {
        for (b, r) in ballots.iter().zip(results.iter_mut()) {
            if r.is_ok() {
                *r = check_ballot(election, b.as_ref()).map(|_| ());
            }
        }
    }
    ballots.iter().zip(results).map(|(b, r)| r.map(|()| VerifiedBallot(b.as_ref()))).collect()
}

/// Opens a ballot with its revealed randomness (Benaloh challenge, second device): checks that every `Aⱼ = rⱼ·G`,
/// then decodes each contest's answer (SPEC.md §8.7). An answer that does not decode is reported as invalid.
pub fn open_ballot(
    election: &Election,
    body: &BallotBody,
    opening: &BallotOpening,
) -> Result<Vec<Result<Answer, InvalidAnswer>>, OpeningError> {
    let manifest = election.manifest();
    if check_district(manifest, body.district).is_err() {
        return Err(OpeningError::WrongShape);
    }
    let contests = manifest.ballot_contests(body.district);
    if opening.randomness.len() != body.contests.len() || body.contests.len() != contests.len() {
        return Err(OpeningError::WrongShape);
    }
    let y = election.public_key();
    let mut answers = Vec::with_capacity(body.contests.len());
    for ((c, rs), &i) in body.contests.iter().zip(&opening.randomness).zip(&contests) {
        let contest = &manifest.contests[i];
        if rs.len() != c.len() {
            return Err(OpeningError::WrongShape);
        }
        let points = c
            .iter()
            .zip(rs)
            .enumerate()
            .map(|(j, (ct, r))| {
                ct.open_with_randomness(y, r).ok_or(OpeningError::WrongRandomness { contest: i, index: j })
            })
            .collect::<Result<Vec<_>, _>>()?;
        answers.push(Answer::from_points(contest, &points));
    }
    Ok(answers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elgamal::SecretKey;
    use crate::encoding::Selection;
    use crate::error::ProofError;
    use crate::group::GroupElement;
    use crate::manifest::example_manifest;
    use rand::rngs::OsRng;

    /// SPEC.md §8.2 `body₂`, B2 and §8.9 with districts: a north ballot holds north's contests, round-trips as
    /// version 2, passes B1–B4, opens with its seed for its district, and its challenge code rebuilds it; a ballot
    /// naming no district, or one that does not exist, fails B2.
    #[test]
    fn a_district_ballot_holds_its_districts_contests() {
        let sk = SecretKey::generate(&mut OsRng);
        let e = Election::new(crate::manifest::example_manifest_districts(), sk.public_key()).unwrap();
        let cred = Credential::generate(&mut OsRng);
        let answers = vec![Answer::single(4), Answer::single(1)];
        let seed = BallotSeed::generate(&mut OsRng);
        let same = BallotSeed::from_bytes(*seed.expose_bytes());
        let (body, _) = create_ballot_body(&e, &cred.public_key(), Some(0), &answers, &seed).unwrap();
        let bytes = body.to_bytes();
        assert_eq!(bytes[0], BALLOT_VERSION_DISTRICT);
        assert_eq!(&bytes[65..67], &[0, 0]);
        assert_eq!(BallotBody::from_bytes(&bytes).unwrap(), body);
        let ballot = body.clone().sign(&cred).unwrap();
        assert_eq!(BallotId::of_ballot_bytes(&ballot.to_bytes()), Some(ballot.id()));
        assert_eq!(BallotId::of_ballot_bytes(&[0; 63]), None);
        check_ballot(&e, &ballot).unwrap();
        let opened = open_ballot(&e, &body, &seed.opening(e.manifest(), Some(0))).unwrap();
        assert_eq!(opened, vec![Ok(Answer::single(4)), Ok(Answer::single(1))]);
        let code = crate::codes::ChallengeCode::new(&e, cred.public_key(), Some(0), &answers, same).unwrap();
        let checked = crate::codes::ChallengeCode::parse(&code.to_text()).unwrap().check(&e).unwrap();
        assert_eq!((checked.ballot_id, checked.district), (body.id(), Some(0)));
        // Three answers are not north's two contests; district 3 does not exist; no district is not allowed.
        let three = vec![Answer::single(0), Answer::single(0), Answer::single(0)];
        assert!(matches!(
            create_ballot(&e, &cred, Some(0), &three, &mut OsRng),
            Err(BallotError::WrongContestCount { expected: 2, got: 3 })
        ));
        assert!(matches!(create_ballot(&e, &cred, Some(3), &answers, &mut OsRng), Err(BallotError::NoSuchDistrict(_))));
        let mut moved = ballot.clone();
        moved.body.district = None;
        let moved = moved.body.sign(&cred).unwrap();
        assert!(matches!(check_ballot(&e, &moved), Err(BallotError::NoSuchDistrict(_))));
        // A centre body (same shape: one council, the referendum) is another district's ballot, and B2 accepts
        // its shape: the registry decides (R1 `wrong_district`).
        let (centre, _) = create_ballot(&e, &cred, Some(1), &answers, &mut OsRng).unwrap();
        check_ballot(&e, &centre).unwrap();
    }

    pub(crate) fn answers() -> Vec<Answer> {
        vec![
            Answer::single(1),
            Answer { selections: vec![Selection::Option(0), Selection::Option(3)] },
            Answer { selections: vec![Selection::Option(2), Selection::WriteIn("Ann".into())] },
        ]
    }

    fn setup() -> (Election, SecretKey, Credential) {
        let sk = SecretKey::generate(&mut OsRng);
        let e = Election::new(example_manifest(), sk.public_key()).unwrap();
        (e, sk, Credential::generate(&mut OsRng))
    }

    #[test]
    fn create_check_open_decrypt() {
        let (e, sk, cred) = setup();
        let (ballot, opening) = create_ballot(&e, &cred, None, &answers(), &mut OsRng).unwrap();
        check_ballot(&e, &ballot).unwrap();
        assert_eq!(Ballot::from_bytes(&ballot.to_bytes()).unwrap(), ballot);
        let json = serde_json::to_string(&ballot).unwrap();
        assert_eq!(serde_json::from_str::<Ballot>(&json).unwrap(), ballot);
        let opened =
            open_ballot(&e, &ballot.body, &BallotOpening::from_bytes(&opening.expose_bytes()).unwrap()).unwrap();
        assert_eq!(opened, answers().into_iter().map(Ok).collect::<Vec<_>>());
        for (c, (ec, a)) in e.manifest().contests.iter().zip(ballot.body.contests.iter().zip(answers())) {
            let pts: Vec<_> = ec.iter().map(|ct| sk.decrypt(ct)).collect();
            assert_eq!(Answer::from_points(c, &pts), Ok(a));
        }
    }

    /// SPEC.md: exercises B1, B2, B3, B4.
    #[test]
    fn tampered_ballots_fail_with_the_expected_error() {
        let (e, _sk, cred) = setup();
        let (ballot, _) = create_ballot(&e, &cred, None, &answers(), &mut OsRng).unwrap();

        // Another election (other key, same manifest).
        let other = Election::new(example_manifest(), SecretKey::generate(&mut OsRng).public_key()).unwrap();
        assert_eq!(check_ballot(&other, &ballot).unwrap_err(), BallotError::WrongElection);

        // A wrong signature.
        let mut b = ballot.clone();
        b.signature[5] ^= 1;
        assert_eq!(check_ballot(&e, &b).unwrap_err(), BallotError::BadSignature);

        // Ciphertexts copied under another credential, re-signed by that credential: the proof fails.
        let thief = Credential::generate(&mut OsRng);
        let mut b = ballot.clone();
        b.body.credential = thief.public_key();
        b.signature = thief.sign(&b.body.signed_message());
        assert!(matches!(check_ballot(&e, &b).unwrap_err(), BallotError::BadProof(_)));

        // A flipped response and a swapped ciphertext, re-signed by the owner.
        let resign = |b: &mut Ballot| b.signature = cred.sign(&b.body.signed_message());
        let mut b = ballot.clone();
        b.body.proof.response += Scalar::ONE;
        resign(&mut b);
        assert_eq!(
            check_ballot(&e, &b).unwrap_err(),
            BallotError::BadProof(ProofError::EquationFailed { proof: "encryption-randomness proof" })
        );
        let mut b = ballot.clone();
        let c1 = b.body.contests[1][0];
        b.body.contests[1][0] = b.body.contests[0][0];
        b.body.contests[0][0] = c1;
        resign(&mut b);
        assert!(matches!(check_ballot(&e, &b).unwrap_err(), BallotError::BadProof(_)));
        let mut b = ballot.clone();
        b.body.contests[1][0].b = GroupElement::new(b.body.contests[1][0].b.point() + crate::group::G);
        resign(&mut b);
        assert!(matches!(check_ballot(&e, &b).unwrap_err(), BallotError::BadProof(_)));

        // Shape.
        let mut b = ballot.clone();
        b.body.contests.pop();
        resign(&mut b);
        assert_eq!(check_ballot(&e, &b).unwrap_err(), BallotError::WrongContestCount { expected: 3, got: 2 });
        let mut b = ballot.clone();
        let first = b.body.contests[0][0];
        b.body.contests[0].push(first);
        resign(&mut b);
        assert_eq!(check_ballot(&e, &b).unwrap_err(), BallotError::WrongWidth { contest: 0, expected: 1, got: 2 });

        // Truncated and non-canonical bytes.
        let bytes = ballot.to_bytes();
        for cut in [0, 1, 40, bytes.len() - 1] {
            assert!(Ballot::from_bytes(&bytes[..cut]).is_err());
        }
        let mut bad = bytes.clone();
        let a_at = 1 + 32 + 32 + 4 + 4; // first ciphertext's A
        bad[a_at..a_at + 32].copy_from_slice(&[0xff; 32]);
        assert_eq!(Ballot::from_bytes(&bad).unwrap_err(), DecodeError::NonCanonicalPoint { what: "ciphertext.a" });
    }

    #[test]
    fn batch_check_equals_single_check() {
        let (e, _sk, cred) = setup();
        let mut ballots: Vec<Ballot> =
            (0..6).map(|_| create_ballot(&e, &cred, None, &answers(), &mut OsRng).unwrap().0).collect();
        assert!(check_ballots(&e, &ballots, &mut OsRng).iter().all(Result::is_ok));
        ballots[1].body.proof.response += Scalar::ONE;
        ballots[1].signature = cred.sign(&ballots[1].body.signed_message());
        ballots[4].signature[0] ^= 1;
        let got: Vec<_> = check_ballots(&e, &ballots, &mut OsRng).into_iter().map(|r| r.map(|_| ())).collect();
        let want: Vec<_> = ballots.iter().map(|b| check_ballot(&e, b).map(|_| ())).collect();
        assert_eq!(got, want);
        assert!(got[1].is_err() && got[4].is_err() && got.iter().filter(|r| r.is_ok()).count() == 4);
    }

    #[test]
    fn openings_with_wrong_randomness_are_refused() {
        let (e, _sk, cred) = setup();
        let (ballot, _) = create_ballot(&e, &cred, None, &answers(), &mut OsRng).unwrap();
        let (_, other) = create_ballot(&e, &cred, None, &answers(), &mut OsRng).unwrap();
        assert_eq!(open_ballot(&e, &ballot.body, &other), Err(OpeningError::WrongRandomness { contest: 0, index: 0 }));
    }

    /// SPEC.md: exercises B0.
    #[test]
    fn weak_credential_keys_are_refused() {
        // The identity point (small order) as an Ed25519 key.
        let mut id = [0u8; 32];
        id[0] = 1;
        assert!(CredentialKey::from_bytes(&id).is_err());
    }

    #[test]
    fn second_device_code_round_trips_and_refuses_bad_text() {
        use crate::codes::SecondDeviceCode;
        let (election, _, cred) = setup();
        let seed = BallotSeed::generate(&mut OsRng);
        let (body, _) = create_ballot_body(&election, &cred.public_key(), None, &answers(), &seed).unwrap();
        let ballot = body.sign(&cred).unwrap();
        let code = SecondDeviceCode { fingerprint: *election.fingerprint(), ballot_id: ballot.id(), seed };
        let text = code.to_text();
        for t in [
            text.to_string(),
            format!("  {}\n", *text),
            format!("https://vote.example/verify.html#{}", *text),
            text.to_lowercase(),
        ] {
            let back = SecondDeviceCode::parse(&t).unwrap();
            assert_eq!(back.ballot_id, ballot.id());
            assert_eq!(open_ballot(&election, &ballot.body, &back.opening(&election, None)).unwrap().len(), 3);
        }
        assert!(matches!(SecondDeviceCode::parse("rv1:00:00"), Err(DecodeError::WrongPrefix { .. })));
        assert!(matches!(SecondDeviceCode::parse("RV2:00"), Err(DecodeError::Truncated { .. })));
        assert!(matches!(SecondDeviceCode::parse("RV2:ZZ"), Err(DecodeError::InvalidHex { .. })));
        let truncated = &text[..text.len() - 2];
        assert!(SecondDeviceCode::parse(truncated).is_err());
    }
}
