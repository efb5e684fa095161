//! The public checks of a ceremony (SPEC.md §10.5–§10.7, §10.10; checks C4–C11, C1–C3 through the roster):
//! a dealing, a share and a complaint (C5–C7); what rounds 1–3 decide, [`Qualification`] (C4–C8); the officials'
//! close and the files it names (C9), [`ClosedCeremony`]; reveals and recoveries (C10, C11); and
//! [`verify_ceremony`], which derives the [`CeremonyOutcome`] from the public files alone.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::{Identity, VartimeMultiscalarMul};
use curve25519_dalek::Scalar;
use ed25519_dalek::{Signature, Signer, SigningKey};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::files::CeremonyFiles;
use super::messages::{
    complaint_transcript, dealings_digest, file_digest, pedersen_h, reveal_transcript, Announcement, Close, Complaint,
    Confirmation, Dealing, EncryptedShare, FileRef, Recovery, Reveal, SignedClose, CLOSE_KIND,
};
use super::poly::{eval_commitments, interpolate};
use super::roster::{index_messages, list_trustees, Roster};
use crate::codec::Writer;
use crate::elgamal::{base_mul, PublicKey};
use crate::group::{GroupElement, G};
use crate::proofs::dleq::DleqStatement;
use crate::proofs::opening::OpeningStatement;
use crate::threshold::share::open;
use crate::threshold::{
    CeremonyMessage, CeremonyParams, Signed, ThresholdError, TrusteeVerifyingKey, SIGNATURE_DOMAIN,
};

// ---------------------------------------------------------------------------------------------------------
// Public checks of a dealing, a share, a complaint

/// Check C5 of a dealing: made for this roster, `t` commitments, one share for each other trustee of the
/// roster, in order.
pub fn check_dealing(params: &CeremonyParams, roster: &Roster, dealing: &Dealing) -> Result<(), ThresholdError> {
    let dealer = dealing.trustee;
    let recipients: Vec<u16> = roster.members().into_iter().filter(|&j| j != dealer).collect();
    if &dealing.roster != roster.digest() {
        let mut theirs: Vec<u16> = dealing.shares.iter().map(|s| s.recipient).collect();
        theirs.push(dealer);
        theirs.sort_unstable();
        return Err(ThresholdError::RosterMismatch {
            trustee: dealer,
            theirs: list_trustees(&theirs),
            ours: list_trustees(&roster.members()),
        });
    }
    let expected = usize::from(params.t);
    if dealing.commitments.len() != expected {
        return Err(ThresholdError::WrongCoefficientCount { dealer, expected, got: dealing.commitments.len() });
    }
    // The identity as an ephemeral key `R` would make the recipient's complaint unprovable (its DLEQ has
    // `g₂ = R`); the decoders refuse it, and so does this check of a dealing built in memory.
    if !dealing.shares.iter().map(|s| s.recipient).eq(recipients)
        || dealing.shares.iter().any(|s| s.ephemeral.is_identity())
    {
        return Err(ThresholdError::MalformedShares { dealer });
    }
    Ok(())
}

/// SPEC.md §10 eq. (K8), check C6: `s_{i,j}·G + s'_{i,j}·H = Σ_k j^k·P_{i,k}`.
pub fn check_share(dealing: &Dealing, recipient: u16, share: &Scalar, blinding: &Scalar) -> Result<(), ThresholdError> {
    let lhs = RistrettoPoint::vartime_multiscalar_mul([*share, *blinding], [G, *pedersen_h().point()]);
    if lhs != eval_commitments(&dealing.commitments, recipient) {
        return Err(ThresholdError::ShareInconsistent { dealer: dealing.trustee, recipient });
    }
    Ok(())
}

pub(super) fn share_for(dealing: &Dealing, recipient: u16) -> Result<&EncryptedShare, ThresholdError> {
    dealing
        .shares
        .iter()
        .find(|s| s.recipient == recipient)
        .ok_or(ThresholdError::MalformedShares { dealer: dealing.trustee })
}

/// A share pair, wiped on drop.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(super) struct SharePair {
    pub(super) share: Scalar,
    pub(super) blinding: Scalar,
}

/// Opens and checks the share pair for `recipient` under the DH point `shared`.
pub(super) fn open_and_check(
    params: &CeremonyParams,
    dealing: &Dealing,
    recipient: u16,
    recipient_key: &GroupElement,
    shared: &GroupElement,
) -> Result<SharePair, ThresholdError> {
    let dealer = dealing.trustee;
    let enc = share_for(dealing, recipient)?;
    let (share, blinding) = open(shared, &params.digest, dealer, recipient, &enc.ephemeral, recipient_key, &enc.sealed)
        .ok_or(ThresholdError::ShareUndecryptable { dealer, recipient })?;
    let pair = SharePair { share, blinding };
    check_share(dealing, recipient, &pair.share, &pair.blinding)?;
    Ok(pair)
}

/// Check C7: a complaint's DLEQ proof (`log_G E_j = log_R K`); then the disputed share is opened with `K`.
/// `Ok(Some(reason))`: the complaint is upheld and the dealer disqualified for `reason`. `Ok(None)`: the
/// share was good, the complaint false.
pub fn judge_complaint(
    params: &CeremonyParams,
    roster: &Roster,
    complainer: u16,
    complaint: &Complaint,
    dealing: &Dealing,
) -> Result<Option<ThresholdError>, ThresholdError> {
    let dealer = dealing.trustee;
    let bad = ThresholdError::BadComplaintProof { complainer, dealer };
    let enc = share_for(dealing, complainer).map_err(|_| bad.clone())?;
    let key = roster.encryption_key(complainer)?;
    let g = GroupElement::new(G);
    let st = DleqStatement {
        g1: &g,
        h1: key,
        g2: core::slice::from_ref(&enc.ephemeral),
        h2: core::slice::from_ref(&complaint.shared),
    };
    complaint.proof.verify(&mut complaint_transcript(params, dealer, complainer), &st).map_err(|_| bad)?;
    match open_and_check(params, dealing, complainer, key, &complaint.shared) {
        Ok(_) => Ok(None),
        Err(e) => Ok(Some(e)),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Rounds 1–3 and the close

/// What rounds 1–3 decide (SPEC.md §10.6): the roster, QUAL and why the others are out. Computed by the officials
/// before they close, and by everyone from the closed files.
#[derive(Debug, Clone)]
pub struct Qualification {
    /// The roster: the trustees who announced (check C4).
    pub roster: Roster,
    /// QUAL, ascending.
    pub qualified: Vec<u16>,
    /// Dealers of the roster left out of QUAL, each with the reason.
    pub disqualified: Vec<(u16, ThresholdError)>,
    /// Complaints that were void (bad proof) or false (the share was good).
    pub rejected_complaints: Vec<ThresholdError>,
    /// Trustees of the roster whose confirmation is not among the files (they made no complaint).
    pub unconfirmed: Vec<u16>,
    /// The Pedersen commitments of every dealer of QUAL (`None` for the others).
    commitments: Vec<Option<Vec<GroupElement>>>,
}

impl Qualification {
    /// Checks C4–C8 on the files of rounds 1–3 (only these: the caller chose which count).
    pub fn check(
        params: &CeremonyParams,
        announcements: &[Signed<Announcement>],
        dealings: &[Signed<Dealing>],
        confirmations: &[Signed<Confirmation>],
    ) -> Result<Self, ThresholdError> {
        let roster = Roster::new(params, announcements)?;
        let deals = index_messages(params, &roster, dealings, "dealing")?;
        let confirms = index_messages(params, &roster, confirmations, "confirmation")?;

        let mut disqualified = Vec::new();
        let mut valid: Vec<Option<&Dealing>> = vec![None; usize::from(params.n)];
        for i in roster.members() {
            let slot = usize::from(i) - 1;
            match deals[slot] {
                None => disqualified.push((i, ThresholdError::Missing { kind: "dealing", trustee: i })),
                Some(d) => match check_dealing(params, &roster, &d.message) {
                    Ok(()) => valid[slot] = Some(&d.message),
                    Err(e) => disqualified.push((i, e)),
                },
            }
        }

        let all_deals: Vec<&Signed<Dealing>> = deals.iter().flatten().copied().collect();
        let dealers: Vec<u16> = all_deals.iter().map(|d| d.message.trustee).collect();
        let digest = dealings_digest(&all_deals);
        let mut rejected_complaints = Vec::new();
        let mut unconfirmed = Vec::new();
        for j in roster.members() {
            let Some(conf) = confirms[usize::from(j) - 1] else {
                unconfirmed.push(j);
                continue;
            };
            if conf.message.dealings != digest || conf.message.dealers != dealers {
                return Err(ThresholdError::ConfirmationMismatch {
                    trustee: j,
                    theirs: list_trustees(&conf.message.dealers),
                    ours: list_trustees(&dealers),
                });
            }
            for complaint in &conf.message.complaints {
                let dealer = complaint.dealer;
                params.check_index(dealer)?;
                let Some(dealing) = valid[usize::from(dealer) - 1] else { continue };
                match judge_complaint(params, &roster, j, complaint, dealing) {
                    Ok(Some(reason)) => {
                        valid[usize::from(dealer) - 1] = None;
                        disqualified.push((dealer, reason));
                    }
                    Ok(None) => rejected_complaints.push(ThresholdError::FalseComplaint { complainer: j, dealer }),
                    Err(e) => rejected_complaints.push(e),
                }
            }
        }
        disqualified.sort_by_key(|d| d.0);
        let qualified: Vec<u16> = (1..=params.n).filter(|&i| valid[usize::from(i) - 1].is_some()).collect();
        if qualified.len() < usize::from(params.t) {
            return Err(ThresholdError::TooFewQualified {
                qualified: qualified.len(),
                needed: usize::from(params.t),
                reasons: disqualified.iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join("; "),
            });
        }
        let commitments = valid.iter().map(|d| d.map(|d| d.commitments.clone())).collect();
        Ok(Self { roster, qualified, disqualified, rejected_complaints, unconfirmed, commitments })
    }

    pub(super) fn commitments(&self, dealer: u16) -> Option<&[GroupElement]> {
        self.commitments.get(usize::from(dealer).checked_sub(1)?)?.as_deref()
    }
}

fn file_refs<M: CeremonyMessage>(messages: &[Signed<M>]) -> Vec<FileRef> {
    let mut refs: Vec<FileRef> =
        messages.iter().map(|m| FileRef { trustee: m.message.trustee(), digest: file_digest(m) }).collect();
    refs.sort_by_key(|r| r.trustee);
    refs
}

impl SignedClose {
    /// The officials' close of rounds 1–3 (SPEC.md §10.6): checks them ([`Qualification::check`]) and signs the
    /// digests of exactly these files with the manifest's officials key.
    pub fn sign(
        params: &CeremonyParams,
        officials: &SigningKey,
        announcements: &[Signed<Announcement>],
        dealings: &[Signed<Dealing>],
        confirmations: &[Signed<Confirmation>],
    ) -> Result<(Self, Qualification), ThresholdError> {
        if officials.verifying_key() != *params.officials.verifying_key() {
            return Err(ThresholdError::NotOfficialsKey);
        }
        let qualification = Qualification::check(params, announcements, dealings, confirmations)?;
        let message = Close {
            election: params.digest,
            announcements: file_refs(announcements),
            dealings: file_refs(dealings),
            confirmations: file_refs(confirmations),
        };
        let signature = officials.sign(&close_signed_bytes(&message)).to_bytes();
        Ok((Self { message, signature }, qualification))
    }

    /// The digest reveals and recoveries name: `SHA-256(FILE_DOMAIN ‖ enc(signed close))`.
    pub fn digest(&self) -> [u8; 32] {
        file_digest(self)
    }

    /// C9: for this election and signed by the manifest's officials key.
    pub fn verify(&self, params: &CeremonyParams) -> Result<(), ThresholdError> {
        if self.message.election != params.digest {
            return Err(ThresholdError::CloseWrongElection);
        }
        params
            .officials
            .verifying_key()
            .verify_strict(&close_signed_bytes(&self.message), &Signature::from_bytes(&self.signature))
            .map_err(|_| ThresholdError::BadCloseSignature)
    }
}

fn close_signed_bytes(close: &Close) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(SIGNATURE_DOMAIN).bytes(CLOSE_KIND).put(close);
    w.finish()
}

/// The files of one kind that the close names, in its order; a named file that is absent or differs is an
/// error, a file it does not name is *late* (ignored, and listed).
/// Each named file is first checked as a message (C1–C3, by `authentic`), so that a file of another election or
/// with a bad signature is reported as such rather than only as changed.
fn closed_files<'a, M: CeremonyMessage>(
    kind: &'static str,
    refs: &[FileRef],
    files: &'a [Signed<M>],
    late: &mut Vec<(&'static str, u16)>,
    authentic: &dyn Fn(&Signed<M>) -> Result<(), ThresholdError>,
) -> Result<Vec<Signed<M>>, ThresholdError>
where
    Signed<M>: Clone,
{
    let mut out = Vec::with_capacity(refs.len());
    for r in refs {
        let mut candidates = files.iter().filter(|f| f.message.trustee() == r.trustee);
        let Some(file) = candidates.next() else {
            return Err(ThresholdError::ClosedFileMissing { kind, trustee: r.trustee });
        };
        if candidates.next().is_some() {
            return Err(ThresholdError::Duplicate { kind, trustee: r.trustee });
        }
        if file_digest(file) != r.digest {
            authentic(file)?;
            return Err(ThresholdError::ClosedFileChanged { kind, trustee: r.trustee });
        }
        out.push(file.clone());
    }
    for f in files {
        let trustee = f.message.trustee();
        if !refs.iter().any(|r| r.trustee == trustee) {
            late.push((kind, trustee));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------------
// The whole transcript and its outcome

/// Rounds 1–3 as the officials closed them, checked: what reveals and recoveries are made against.
#[derive(Debug, Clone)]
pub struct ClosedCeremony {
    /// What the closed files of rounds 1–3 decide (checks C4–C8).
    pub qualification: Qualification,
    /// The close's digest (eq. (K11')).
    pub close: [u8; 32],
    /// Files of rounds 1–3 present but not named by the close: ignored.
    pub late: Vec<(&'static str, u16)>,
}

impl ClosedCeremony {
    /// C9 (the close, and every file it names present and unchanged), then C4–C8 on those files.
    pub fn check(params: &CeremonyParams, files: &CeremonyFiles) -> Result<Self, ThresholdError> {
        let close = files.close.as_ref().ok_or(ThresholdError::NotClosed)?;
        close.verify(params)?;
        let mut late = Vec::new();
        let own_key = |a: &Signed<Announcement>| -> Result<(), ThresholdError> {
            let trustee = a.message.trustee;
            if a.message.election != params.digest {
                return Err(ThresholdError::WrongElection { trustee });
            }
            let key = TrusteeVerifyingKey::from_bytes(&a.message.signing_key)
                .map_err(|_| ThresholdError::BadSigningKey { trustee })?;
            a.verify(params, &key).map(|_| ())
        };
        let a = closed_files("announcement", &close.message.announcements, &files.announcements, &mut late, &own_key)?;
        let roster = Roster::new(params, &a)?;
        let d = closed_files("dealing", &close.message.dealings, &files.dealings, &mut late, &|m| {
            roster.verify(params, m).map(|_| ())
        })?;
        let c = closed_files("confirmation", &close.message.confirmations, &files.confirmations, &mut late, &|m| {
            roster.verify(params, m).map(|_| ())
        })?;
        let qualification = Qualification::check(params, &a, &d, &c)?;
        Ok(Self { qualification, close: close.digest(), late })
    }
}

/// What the ceremony's public files determine (SPEC.md §10.7).
#[derive(Debug, Clone)]
pub struct CeremonyOutcome {
    /// The parameters it was checked under.
    pub params: CeremonyParams,
    /// The roster: the trustees who announced (check C4).
    pub roster: Roster,
    /// QUAL, ascending.
    pub qualified: Vec<u16>,
    /// Dealers left out of QUAL, each with the reason.
    pub disqualified: Vec<(u16, ThresholdError)>,
    /// Complaints that were void (bad proof) or false (the share was good).
    pub rejected_complaints: Vec<ThresholdError>,
    /// Trustees who sent no announcement: they took no part (C4).
    pub absent: Vec<u16>,
    /// Trustees of the roster whose confirmation the close does not name.
    pub unconfirmed: Vec<u16>,
    /// Files present but not named by the close (rounds 1–3), or not needed (reveals, recoveries): ignored.
    pub late: Vec<(&'static str, u16)>,
    /// QUAL trustees whose contribution was rebuilt from the others' recoveries (their reveal missing or wrong).
    pub recovered: Vec<u16>,
    /// Reveals and recovered shares that failed, each naming its author.
    pub rejected: Vec<ThresholdError>,
    /// eq. (K9).
    pub election_key: PublicKey,
    /// eq. (K10): `verification_keys[j − 1] = Y_j`.
    pub verification_keys: Vec<GroupElement>,
}

impl CeremonyOutcome {
    /// `Y_j` of eq. (K10) for trustee `j`; [`ThresholdError::UnknownTrustee`] outside `1..=n`.
    pub fn verification_key(&self, trustee: u16) -> Result<&GroupElement, ThresholdError> {
        usize::from(trustee)
            .checked_sub(1)
            .and_then(|i| self.verification_keys.get(i))
            .ok_or(ThresholdError::UnknownTrustee { trustee })
    }
}

/// Checks a reveal (C10): from a QUAL dealer, under this close, `t` values, and the opening proof.
pub fn check_reveal(
    params: &CeremonyParams,
    closed: &ClosedCeremony,
    reveal: &Signed<Reveal>,
) -> Result<Vec<GroupElement>, ThresholdError> {
    let q = &closed.qualification;
    let m = q.roster.verify(params, reveal)?;
    let dealer = m.trustee;
    let pedersen = q.commitments(dealer).ok_or(ThresholdError::NotQualified { trustee: dealer })?;
    if m.close != closed.close {
        return Err(ThresholdError::WrongClose { kind: "reveal", trustee: dealer });
    }
    let h = pedersen_h();
    let st = OpeningStatement { h: &h, pedersen, feldman: &m.values };
    m.proof
        .verify(&mut reveal_transcript(params, dealer, &closed.close), &st)
        .map_err(|_| ThresholdError::BadReveal { dealer })?;
    Ok(m.values.clone())
}

/// Rebuilds dealer `i`'s Feldman values from the recovered shares (C11): each checked by (K8) against its
/// author's index; the `t` valid ones of the smallest indices interpolate `f_i` and `f'_i`, which must open every
/// `P_{i,k}` (they do unless someone knows `log_G H`).
fn recover(
    params: &CeremonyParams,
    closed: &ClosedCeremony,
    dealer: u16,
    recoveries: &[&Recovery],
    rejected: &mut Vec<ThresholdError>,
) -> Result<Vec<GroupElement>, ThresholdError> {
    let pedersen = closed.qualification.commitments(dealer).ok_or(ThresholdError::NotQualified { trustee: dealer })?;
    let probe = Dealing {
        election: params.digest,
        trustee: dealer,
        roster: [0; 32],
        commitments: pedersen.to_vec(),
        shares: vec![],
    };
    let mut points: Vec<(u16, Scalar, Scalar)> = Vec::new();
    for r in recoveries {
        for s in r.shares.iter().filter(|s| s.dealer == dealer) {
            if r.trustee == dealer {
                continue;
            }
            match check_share(&probe, r.trustee, &s.share, &s.blinding) {
                Ok(()) => points.push((r.trustee, s.share, s.blinding)),
                Err(_) => rejected.push(ThresholdError::BadRecoveredShare { dealer, recipient: r.trustee }),
            }
        }
    }
    points.sort_by_key(|p| p.0);
    points.dedup_by_key(|p| p.0);
    let t = usize::from(params.t);
    if points.len() < t {
        return Err(ThresholdError::Unrevealed { dealer, recovered: points.len(), needed: t });
    }
    points.truncate(t);
    let a = Zeroizing::new(interpolate(&points.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>()));
    let b = Zeroizing::new(interpolate(&points.iter().map(|p| (p.0, p.2)).collect::<Vec<_>>()));
    let h = pedersen_h();
    for ((p, a), b) in pedersen.iter().zip(a.iter()).zip(b.iter()) {
        if RistrettoPoint::vartime_multiscalar_mul([*a, *b], [G, *h.point()]) != *p.point() {
            return Err(ThresholdError::Unrevealed { dealer, recovered: 0, needed: t });
        }
    }
    Ok(a.iter().map(|a| GroupElement::new(base_mul(a))).collect())
}

/// Checks the whole ceremony (checks C1–C11) and derives its outcome from its files alone.
///
/// Files that are not authentic (another election, a bad signature, a duplicate) are errors: the operator must
/// find the right file. An authentic dealing that fails a check, or against which a complaint is upheld, only
/// takes its dealer out of QUAL. After the close nothing takes a QUAL trustee out: a missing or wrong reveal is
/// replaced by the recovered contribution, and the ceremony fails (*Unrevealed*) until `t` recoveries are in.
pub fn verify_ceremony(params: &CeremonyParams, files: &CeremonyFiles) -> Result<CeremonyOutcome, ThresholdError> {
    let closed = ClosedCeremony::check(params, files)?;
    let q = &closed.qualification;
    let reveals = index_messages(params, &q.roster, &files.reveals, "reveal")?;
    let recoveries = index_messages(params, &q.roster, &files.recoveries, "recovery")?;
    let mut late = closed.late.clone();
    let mut rejected = Vec::new();
    let mut valid_recoveries = Vec::new();
    for r in recoveries.iter().flatten() {
        if r.message.close == closed.close {
            valid_recoveries.push(&r.message);
        } else {
            rejected.push(ThresholdError::WrongClose { kind: "recovery", trustee: r.message.trustee });
        }
    }
    let mut values: Vec<Vec<GroupElement>> = Vec::with_capacity(q.qualified.len());
    let mut recovered = Vec::new();
    for (i, reveal) in reveals.iter().enumerate() {
        let dealer = i as u16 + 1;
        if reveal.is_some() && !q.qualified.contains(&dealer) {
            late.push(("reveal", dealer));
        }
    }
    for &i in &q.qualified {
        let revealed = match reveals[usize::from(i) - 1] {
            Some(r) => match check_reveal(params, &closed, r) {
                Ok(v) => Some(v),
                Err(e) => {
                    rejected.push(e);
                    None
                }
            },
            None => None,
        };
        match revealed {
            Some(v) => values.push(v),
            None => {
                values.push(recover(params, &closed, i, &valid_recoveries, &mut rejected)?);
                recovered.push(i);
            }
        }
    }
    // Aggregate A_k = Σ_{i∈QUAL} A_{i,k}; then Y = A_0 and Y_j = Σ_k j^k·A_k.
    let mut aggregate = vec![RistrettoPoint::identity(); usize::from(params.t)];
    for v in &values {
        for (a, c) in aggregate.iter_mut().zip(v) {
            *a += c.point();
        }
    }
    let aggregate: Vec<GroupElement> = aggregate.into_iter().map(GroupElement::new).collect();
    let election_key = PublicKey::from_element(aggregate[0])?;
    let verification_keys = (1..=params.n).map(|j| GroupElement::new(eval_commitments(&aggregate, j))).collect();
    Ok(CeremonyOutcome {
        params: *params,
        absent: q.roster.absent(),
        roster: q.roster.clone(),
        qualified: q.qualified.clone(),
        disqualified: q.disqualified.clone(),
        rejected_complaints: q.rejected_complaints.clone(),
        unconfirmed: q.unconfirmed.clone(),
        late,
        recovered,
        rejected,
        election_key,
        verification_keys,
    })
}
