#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns
//! The key ceremony and threshold decryption, end to end, and every attack of the issue.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::Scalar;
use protocol::codec::{Decode, Encode};
use protocol::elgamal::{EncryptionKey, SecretKey};
use protocol::group::GroupElement;
use protocol::manifest::Fingerprint;
use protocol::threshold::ceremony::{check_share, Roster};
use protocol::threshold::simulation::SimulatedCeremony;
use protocol::threshold::{
    combine, verify_ceremony, verify_partial_decryptions, Announcement, CeremonyOutcome, CeremonyParams,
    CiphertextList, Commitment, Confirmation, Dealing, PartialDecryption, Signed, ThresholdError, TrusteeSecret,
};
use rand::rngs::OsRng;

const N: u16 = 5;
const T: u16 = 3;

fn params() -> CeremonyParams {
    CeremonyParams::new([9; 32], N, T).unwrap()
}

struct Ceremony {
    params: CeremonyParams,
    secrets: Vec<TrusteeSecret>,
    announcements: Vec<Signed<Announcement>>,
    commitments: Vec<Signed<Commitment>>,
    dealings: Vec<Signed<Dealing>>,
    confirmations: Vec<Signed<Confirmation>>,
}

impl Ceremony {
    fn roster(&self) -> Roster {
        Roster::new(&self.params, &self.announcements).unwrap()
    }
    fn verify(&self) -> Result<CeremonyOutcome, ThresholdError> {
        verify_ceremony(&self.params, &self.announcements, &self.commitments, &self.dealings, &self.confirmations)
    }
    /// Round 4 again for everyone (after tampering with a dealing).
    fn reconfirm(&mut self) -> Vec<Vec<ThresholdError>> {
        let roster = self.roster();
        let mut problems = Vec::new();
        self.confirmations.clear();
        for s in &mut self.secrets {
            let (c, p) = s.confirm(&self.params, &roster, &self.commitments, &self.dealings, &mut OsRng).unwrap();
            self.confirmations.push(c);
            problems.push(p);
        }
        problems
    }
}

fn run_until_dealings(params: CeremonyParams) -> Ceremony {
    let secrets: Vec<TrusteeSecret> =
        (1..=params.n).map(|i| TrusteeSecret::generate(&params, i, &mut OsRng).unwrap()).collect();
    let announcements: Vec<_> = secrets.iter().map(|s| s.announcement(&params, &mut OsRng)).collect();
    let roster = Roster::new(&params, &announcements).unwrap();
    let commitments: Vec<_> = secrets.iter().map(|s| s.commitment(&params, &roster).unwrap()).collect();
    let dealings = secrets.iter().map(|s| s.dealing(&params, &roster, &commitments, &mut OsRng).unwrap()).collect();
    Ceremony { params, secrets, announcements, commitments, dealings, confirmations: Vec::new() }
}

fn run() -> Ceremony {
    let mut c = run_until_dealings(params());
    let problems = c.reconfirm();
    assert!(problems.iter().all(Vec::is_empty), "{problems:?}");
    c
}

fn sample_list(key: &protocol::PublicKey, rows: usize, width: usize) -> (CiphertextList, Vec<RistrettoPoint>) {
    let ek = EncryptionKey::new(*key);
    let ms: Vec<RistrettoPoint> = (0..rows * width).map(|_| protocol::group::random_point(&mut OsRng)).collect();
    let (ciphertexts, _) = ek.encrypt_vector(&ms, &mut OsRng);
    (CiphertextList::from_flat(width, ciphertexts).unwrap(), ms)
}

fn partials(
    c: &Ceremony,
    outcome: &CeremonyOutcome,
    fp: &Fingerprint,
    list: &CiphertextList,
    who: &[u16],
) -> Vec<Signed<PartialDecryption>> {
    who.iter()
        .map(|&j| {
            let s = &c.secrets[usize::from(j) - 1];
            let share = s.key_share(outcome).unwrap();
            PartialDecryption::create(&c.params, fp, j, &share, &s.signing_key(), list, &mut OsRng).unwrap()
        })
        .collect()
}

fn subsets(n: u16, t: usize) -> Vec<Vec<u16>> {
    let mut out = Vec::new();
    for mask in 0u32..(1 << n) {
        if mask.count_ones() as usize == t {
            out.push((1..=n).filter(|i| mask & (1 << (i - 1)) != 0).collect());
        }
    }
    out
}

#[test]
fn every_three_of_five_decrypts_and_two_cannot() {
    let c = run();
    let outcome = c.verify().unwrap();
    assert_eq!(outcome.qualified, vec![1, 2, 3, 4, 5]);
    assert!(outcome.disqualified.is_empty() && outcome.rejected_complaints.is_empty());
    let fp = Fingerprint([1; 32]);
    let (list, ms) = sample_list(&outcome.election_key, 4, 2);
    let all = partials(&c, &outcome, &fp, &list, &[1, 2, 3, 4, 5]);
    let roster = c.roster();
    let subsets = subsets(N, usize::from(T));
    assert_eq!(subsets.len(), 10);
    for s in subsets {
        let chosen: Vec<_> = s.iter().map(|&j| all[usize::from(j) - 1].clone()).collect();
        let v = verify_partial_decryptions(&c.params, &fp, &roster, &outcome, &list, chosen, &mut OsRng).unwrap();
        assert!(v.rejected.is_empty());
        let plain = combine(&c.params, &v, &list).unwrap();
        let got: Vec<RistrettoPoint> = plain.points.iter().map(|p| *p.point()).collect();
        assert_eq!(got, ms, "subset {s:?}");
    }
    // t − 1 partial decryptions are refused...
    let two = all[..2].to_vec();
    let v = verify_partial_decryptions(&c.params, &fp, &roster, &outcome, &list, two.clone(), &mut OsRng).unwrap();
    assert_eq!(combine(&c.params, &v, &list), Err(ThresholdError::NotEnoughShares { needed: 3, got: 2 }));
    // ...and interpolating them anyway gives garbage: two shares say nothing about the key.
    let idx = [1u16, 2];
    let mut shares = Vec::new();
    for &j in &idx {
        shares.push(*c.secrets[usize::from(j) - 1].key_share(&outcome).unwrap().expose_scalar());
    }
    let lam = |j: u16| protocol::threshold::lagrange_at_zero(j, &idx);
    let x2 = lam(1) * shares[0] + lam(2) * shares[1];
    assert_ne!(GroupElement::new(protocol::elgamal::base_mul(&x2)), *outcome.election_key.element());
    let k = SecretKey::from_scalar(x2);
    assert_ne!(k.decrypt(&list.cells()[0]), ms[0]);
    // The full key interpolated from any 3 matches the election key.
    let idx = [2u16, 4, 5];
    let x: Scalar = idx
        .iter()
        .map(|&j| {
            protocol::threshold::lagrange_at_zero(j, &idx)
                * c.secrets[usize::from(j) - 1].key_share(&outcome).unwrap().expose_scalar()
        })
        .sum();
    assert_eq!(GroupElement::new(protocol::elgamal::base_mul(&x)), *outcome.election_key.element());
}

/// A whole ceremony in which the trustees in `absent` never announce (round 1) and so take no part.
fn run_without(absent: &[u16]) -> Ceremony {
    let SimulatedCeremony { params, secrets, announcements, commitments, dealings, confirmations, .. } =
        SimulatedCeremony::run(&params(), absent, &mut OsRng).unwrap();
    Ceremony { params, secrets, announcements, commitments, dealings, confirmations }
}

#[test]
fn a_trustee_absent_from_round_one_is_left_out_and_any_three_of_the_others_decrypt() {
    let c = run_without(&[4]);
    let roster = c.roster();
    assert_eq!((roster.members(), roster.absent()), (vec![1, 2, 3, 5], vec![4]));
    let outcome = c.verify().unwrap();
    assert_eq!(outcome.absent, vec![4]);
    assert_eq!(outcome.qualified, vec![1, 2, 3, 5]);
    assert!(outcome.disqualified.is_empty() && outcome.unconfirmed.is_empty(), "{outcome:?}");
    // Each dealing carries one share for each other trustee of the roster, none for the absent one.
    for d in &c.dealings {
        let to: Vec<u16> = d.message.shares.iter().map(|s| s.recipient).collect();
        assert_eq!(to, roster.members().into_iter().filter(|&j| j != d.message.trustee).collect::<Vec<_>>());
    }
    let fp = Fingerprint([3; 32]);
    let (list, ms) = sample_list(&outcome.election_key, 3, 2);
    let present = [1u16, 2, 3, 5];
    let all = partials(&c, &outcome, &fp, &list, &present);
    for s in subsets(N, usize::from(T)).into_iter().filter(|s| !s.contains(&4)) {
        let chosen: Vec<_> = all.iter().filter(|p| s.contains(&p.message.trustee)).cloned().collect();
        let v = verify_partial_decryptions(&c.params, &fp, &roster, &outcome, &list, chosen, &mut OsRng).unwrap();
        let got: Vec<RistrettoPoint> =
            combine(&c.params, &v, &list).unwrap().points.iter().map(|p| *p.point()).collect();
        assert_eq!(got, ms, "subset {s:?}");
    }
    // The absent trustee cannot join later: it holds no key share, its commitment is refused, and so is any file
    // it signs.
    let late = &c.secrets[3];
    assert_eq!(late.key_share(&outcome).unwrap_err(), ThresholdError::Absent { trustee: 4 });
    assert_eq!(late.commitment(&c.params, &roster).unwrap_err(), ThresholdError::Absent { trustee: 4 });
    let mut commits = c.commitments.clone();
    commits.push(late.signing_key().sign(Commitment { trustee: 4, ..c.commitments[0].message.clone() }));
    assert_eq!(
        verify_ceremony(&c.params, &c.announcements, &commits, &c.dealings, &c.confirmations).unwrap_err(),
        ThresholdError::Absent { trustee: 4 }
    );
    let share = c.secrets[0].key_share(&outcome).unwrap();
    let forged = PartialDecryption::create(&c.params, &fp, 4, &share, &late.signing_key(), &list, &mut OsRng).unwrap();
    let v = verify_partial_decryptions(&c.params, &fp, &roster, &outcome, &list, vec![forged], &mut OsRng).unwrap();
    assert_eq!(v.rejected, vec![ThresholdError::Absent { trustee: 4 }]);
}

#[test]
fn a_trustee_silent_after_announcing_is_disqualified_as_dealer_but_still_decrypts() {
    // Trustee 3 announces, then commits nothing and deals nothing: it is out of QUAL, named; the others deal to it
    // all the same (it is in the roster), so it still holds a key share and may decrypt.
    let params = params();
    let mut secrets: Vec<TrusteeSecret> =
        (1..=N).map(|i| TrusteeSecret::generate(&params, i, &mut OsRng).unwrap()).collect();
    let announcements: Vec<_> = secrets.iter().map(|s| s.announcement(&params, &mut OsRng)).collect();
    let roster = Roster::new(&params, &announcements).unwrap();
    let others = |s: &&TrusteeSecret| s.trustee() != 3;
    let commitments: Vec<_> = secrets.iter().filter(others).map(|s| s.commitment(&params, &roster).unwrap()).collect();
    let dealings: Vec<_> =
        secrets.iter().filter(others).map(|s| s.dealing(&params, &roster, &commitments, &mut OsRng).unwrap()).collect();
    assert_eq!(
        secrets[2].dealing(&params, &roster, &commitments, &mut OsRng).unwrap_err(),
        ThresholdError::Missing { kind: "commitment", trustee: 3 }
    );
    let mut confirmations = Vec::new();
    for s in &mut secrets {
        let (conf, problems) = s.confirm(&params, &roster, &commitments, &dealings, &mut OsRng).unwrap();
        let expected: Vec<ThresholdError> =
            if s.trustee() == 3 { vec![] } else { vec![ThresholdError::Missing { kind: "dealing", trustee: 3 }] };
        assert_eq!(problems, expected);
        confirmations.push(conf);
    }
    let outcome = verify_ceremony(&params, &announcements, &commitments, &dealings, &confirmations).unwrap();
    assert_eq!(outcome.disqualified, vec![(3, ThresholdError::Missing { kind: "commitment", trustee: 3 })]);
    assert_eq!(outcome.qualified, vec![1, 2, 4, 5]);
    let c = Ceremony { params, secrets, announcements, commitments, dealings, confirmations };
    let fp = Fingerprint([5; 32]);
    let (list, ms) = sample_list(&outcome.election_key, 2, 1);
    let chosen = partials(&c, &outcome, &fp, &list, &[2, 3, 5]);
    let v = verify_partial_decryptions(&c.params, &fp, &roster, &outcome, &list, chosen, &mut OsRng).unwrap();
    let got: Vec<RistrettoPoint> = combine(&c.params, &v, &list).unwrap().points.iter().map(|p| *p.point()).collect();
    assert_eq!(got, ms);
}

#[test]
fn fewer_than_t_announcements_stop_the_ceremony() {
    let params = params();
    let anns: Vec<_> = [2u16, 5]
        .iter()
        .map(|&i| TrusteeSecret::generate(&params, i, &mut OsRng).unwrap().announcement(&params, &mut OsRng))
        .collect();
    assert_eq!(Roster::new(&params, &anns).unwrap_err(), ThresholdError::TooFewAnnounced { announced: 2, needed: 3 });
}

#[test]
fn a_commitment_made_for_other_announcements_is_refused_and_its_trustee_named() {
    let mut c = run_until_dealings(params());
    // Trustee 2 committed before trustee 5's announcement reached it: its roster lacks trustee 5.
    let partial = Roster::new(&c.params, &c.announcements[..4]).unwrap();
    c.commitments[1] = c.secrets[1].commitment(&c.params, &partial).unwrap();
    let roster = c.roster();
    assert_eq!(
        c.secrets[0].dealing(&c.params, &roster, &c.commitments, &mut OsRng).unwrap_err(),
        ThresholdError::RosterMismatch { trustee: 2 }
    );
    // In the transcript, the dealer whose commitment names another roster is out of QUAL, named.
    let problems = c.reconfirm();
    assert_eq!(problems[0], vec![ThresholdError::RosterMismatch { trustee: 2 }]);
    let outcome = c.verify().unwrap();
    assert_eq!(outcome.disqualified, vec![(2, ThresholdError::RosterMismatch { trustee: 2 })]);
    assert_eq!(outcome.qualified, vec![1, 3, 4, 5]);
}

#[test]
fn messages_round_trip_in_binary_and_json() {
    let c = run();
    for a in &c.announcements {
        assert_eq!(&Signed::<Announcement>::from_bytes(&a.to_bytes()).unwrap(), a);
        assert_eq!(&serde_json::from_str::<Signed<Announcement>>(&serde_json::to_string(a).unwrap()).unwrap(), a);
    }
    for d in &c.dealings {
        assert_eq!(&Signed::<Dealing>::from_bytes(&d.to_bytes()).unwrap(), d);
        assert_eq!(&serde_json::from_str::<Signed<Dealing>>(&serde_json::to_string(d).unwrap()).unwrap(), d);
    }
    for f in &c.confirmations {
        assert_eq!(&Signed::<Confirmation>::from_bytes(&f.to_bytes()).unwrap(), f);
    }
    let s = &c.secrets[0];
    let back = TrusteeSecret::from_secret_bytes(&s.to_secret_bytes()).unwrap();
    assert_eq!(back.to_secret_bytes(), s.to_secret_bytes());
    assert!(format!("{s:?}").contains("redacted"));
}

/// A dealing by a second, different polynomial for trustee `dealer`, whose shares are sealed to the real
/// recipients' keys: splicing its entries into the real dealing yields authentic-looking but wrong shares.
fn rogue_dealing(c: &Ceremony, dealer: u16) -> Dealing {
    let rogue = TrusteeSecret::generate(&c.params, dealer, &mut OsRng).unwrap();
    let slot = usize::from(dealer) - 1;
    let mut anns = c.announcements.clone();
    anns[slot] = rogue.announcement(&c.params, &mut OsRng);
    let roster = Roster::new(&c.params, &anns).unwrap();
    let commits: Vec<_> = (0..c.secrets.len())
        .map(|k| if k == slot { &rogue } else { &c.secrets[k] }.commitment(&c.params, &roster).unwrap())
        .collect();
    rogue.dealing(&c.params, &roster, &commits, &mut OsRng).unwrap().message
}

#[test]
fn share_inconsistent_with_commitments_is_detected_and_dealer_named() {
    let mut c = run_until_dealings(params());
    // Dealer 2 gives trustee 4 a share that is not on its committed polynomial.
    let rogue = rogue_dealing(&c, 2);
    let mut d = c.dealings[1].message.clone();
    let idx = d.shares.iter().position(|s| s.recipient == 4).unwrap();
    d.shares[idx] = rogue.shares[idx].clone();
    c.dealings[1] = c.secrets[1].signing_key().sign(d);
    let problems = c.reconfirm();
    assert_eq!(problems[3], vec![ThresholdError::ShareInconsistent { dealer: 2, recipient: 4 }]);
    assert_eq!(c.confirmations[3].message.complaints.len(), 1);
    let outcome = c.verify().unwrap();
    assert_eq!(outcome.qualified, vec![1, 3, 4, 5]);
    assert_eq!(outcome.disqualified, vec![(2, ThresholdError::ShareInconsistent { dealer: 2, recipient: 4 })]);
    // The election still ends: decryption with trustees 1, 4, 5.
    let fp = Fingerprint([2; 32]);
    let (list, ms) = sample_list(&outcome.election_key, 3, 1);
    let ps = partials(&c, &outcome, &fp, &list, &[1, 4, 5]);
    let v = verify_partial_decryptions(&c.params, &fp, &c.roster(), &outcome, &list, ps, &mut OsRng).unwrap();
    let got: Vec<RistrettoPoint> = combine(&c.params, &v, &list).unwrap().points.iter().map(|p| *p.point()).collect();
    assert_eq!(got, ms);
}

#[test]
fn undecryptable_share_is_detected_and_dealer_named() {
    let mut c = run_until_dealings(params());
    let mut d = c.dealings[0].message.clone();
    d.shares[2].sealed[5] ^= 0x40; // the share for trustee 4
    c.dealings[0] = c.secrets[0].signing_key().sign(d);
    let problems = c.reconfirm();
    assert_eq!(problems[3], vec![ThresholdError::ShareUndecryptable { dealer: 1, recipient: 4 }]);
    let outcome = c.verify().unwrap();
    assert_eq!(outcome.disqualified, vec![(1, ThresholdError::ShareUndecryptable { dealer: 1, recipient: 4 })]);
}

#[test]
fn false_or_void_complaints_are_rejected_and_dealer_stays() {
    let mut c = run();
    let roster = c.roster();
    // Trustee 3 complains about dealer 1's good share, disclosing its DH key honestly: the share opens fine.
    let honest = c.secrets[2].complaint_against(&c.params, &roster, &c.dealings[0].message, &mut OsRng).unwrap();
    // And about dealer 2 with a made-up key and proof.
    let void = protocol::threshold::Complaint {
        dealer: 2,
        shared: GroupElement::new(protocol::group::random_point(&mut OsRng)),
        proof: protocol::proofs::dleq::DleqProof {
            t1: GroupElement::new(protocol::group::random_point(&mut OsRng)),
            t2: GroupElement::new(protocol::group::random_point(&mut OsRng)),
            s: Scalar::ONE,
        },
    };
    let mut m = c.confirmations[2].message.clone();
    m.complaints = vec![honest, void];
    c.confirmations[2] = c.secrets[2].signing_key().sign(m);
    let outcome = c.verify().unwrap();
    assert_eq!(outcome.qualified, vec![1, 2, 3, 4, 5]);
    assert_eq!(
        outcome.rejected_complaints,
        vec![
            ThresholdError::FalseComplaint { complainer: 3, dealer: 1 },
            ThresholdError::BadComplaintProof { complainer: 3, dealer: 2 }
        ]
    );
}

#[test]
fn revealed_commitments_not_matching_the_hash_are_detected() {
    let mut c = run_until_dealings(params());
    // Dealer 5 changes its polynomial after seeing the others' commitments (the key-biasing attack).
    let swapped = rogue_dealing(&c, 5);
    let mut d = c.dealings[4].message.clone();
    d.coefficients = swapped.coefficients;
    d.proof = swapped.proof;
    c.dealings[4] = c.secrets[4].signing_key().sign(d);
    let problems = c.reconfirm();
    assert_eq!(problems[0], vec![ThresholdError::RevealMismatch { dealer: 5 }]);
    let outcome = c.verify().unwrap();
    assert_eq!(outcome.disqualified, vec![(5, ThresholdError::RevealMismatch { dealer: 5 })]);
    assert_eq!(outcome.qualified, vec![1, 2, 3, 4]);
}

#[test]
fn bad_proof_of_knowledge_is_detected() {
    let mut c = run_until_dealings(params());
    // Dealer 3 commits to a reveal whose proof is bad (it copied another trustee's C_0 and cannot prove it).
    let mut d = c.dealings[2].message.clone();
    d.proof.s += Scalar::ONE;
    let hash = protocol::threshold::ceremony::reveal_hash(&c.params, 3, &d.coefficients, &d.proof);
    c.commitments[2] = c.secrets[2].signing_key().sign(Commitment {
        roster: c.commitments[2].message.roster,
        reveal_hash: hash,
        ..c.commitments[2].message
    });
    c.dealings[2] = c.secrets[2].signing_key().sign(d);
    let problems = c.reconfirm();
    assert_eq!(problems[0], vec![ThresholdError::BadKnowledgeProof { dealer: 3 }]);
    let outcome = c.verify().unwrap();
    assert_eq!(outcome.disqualified, vec![(3, ThresholdError::BadKnowledgeProof { dealer: 3 })]);
    // Too many cheaters: the ceremony fails, naming the count.
    let mut d = c.dealings[3].message.clone();
    d.coefficients.pop();
    c.dealings[3] = c.secrets[3].signing_key().sign(d);
    let mut d = c.dealings[4].message.clone();
    d.shares.pop();
    c.dealings[4] = c.secrets[4].signing_key().sign(d);
    c.reconfirm();
    assert_eq!(c.verify().unwrap_err(), ThresholdError::TooFewQualified { qualified: 2, needed: 3 });
}

#[test]
fn wrong_signer_altered_file_and_replay_are_refused() {
    let c = run();
    // Signed by trustee 1's key but claiming to be from trustee 2.
    let mut commits = c.commitments.clone();
    commits[1] = c.secrets[0].signing_key().sign(commits[1].message.clone());
    assert_eq!(
        verify_ceremony(&c.params, &c.announcements, &commits, &c.dealings, &c.confirmations).unwrap_err(),
        ThresholdError::BadSignature { trustee: 2 }
    );
    // Altered after signing.
    let mut deals = c.dealings.clone();
    deals[3].message.shares[0].sealed[0] ^= 1;
    assert_eq!(
        verify_ceremony(&c.params, &c.announcements, &c.commitments, &deals, &c.confirmations).unwrap_err(),
        ThresholdError::BadSignature { trustee: 4 }
    );
    let mut anns = c.announcements.clone();
    anns[2].message.encryption_key = anns[3].message.encryption_key;
    assert_eq!(Roster::new(&c.params, &anns).unwrap_err(), ThresholdError::BadSignature { trustee: 3 });
    // A file from another election, validly signed there.
    let other = CeremonyParams::new([10; 32], N, T).unwrap();
    let mut commits = c.commitments.clone();
    commits[4] = c.secrets[4].commitment(&other, &c.roster()).unwrap();
    assert_eq!(
        verify_ceremony(&c.params, &c.announcements, &commits, &c.dealings, &c.confirmations).unwrap_err(),
        ThresholdError::WrongElection { trustee: 5 }
    );
    // Even with its digest rewritten, the signature no longer holds.
    commits[4].message.election = c.params.digest;
    assert_eq!(
        verify_ceremony(&c.params, &c.announcements, &commits, &c.dealings, &c.confirmations).unwrap_err(),
        ThresholdError::BadSignature { trustee: 5 }
    );
    // Equivocation: a trustee who confirmed different dealings.
    let mut deals = c.dealings.clone();
    deals.pop();
    assert_eq!(
        verify_ceremony(&c.params, &c.announcements, &c.commitments, &deals, &c.confirmations).unwrap_err(),
        ThresholdError::ConfirmationMismatch { trustee: 1 }
    );
    // Duplicates.
    let mut deals = c.dealings.clone();
    deals.push(deals[0].clone());
    assert_eq!(
        verify_ceremony(&c.params, &c.announcements, &c.commitments, &deals, &c.confirmations).unwrap_err(),
        ThresholdError::Duplicate { kind: "dealing", trustee: 1 }
    );
}

#[test]
fn bad_partial_decryption_is_rejected_and_trustee_named() {
    let c = run();
    let outcome = c.verify().unwrap();
    let fp = Fingerprint([5; 32]);
    let (list, ms) = sample_list(&outcome.election_key, 6, 2);
    let mut ps = partials(&c, &outcome, &fp, &list, &[1, 2, 3, 4]);
    // Trustee 2 lies about one partial decryption and re-signs its file.
    let mut p = ps[1].message.clone();
    p.shares[7] = GroupElement::new(p.shares[7].point() + protocol::group::G);
    ps[1] = c.secrets[1].signing_key().sign(p);
    // Trustee 3's proof is altered (and re-signed).
    let mut p = ps[2].message.clone();
    p.proof.s += Scalar::ONE;
    ps[2] = c.secrets[2].signing_key().sign(p);
    let roster = c.roster();
    let v = verify_partial_decryptions(&c.params, &fp, &roster, &outcome, &list, ps.clone(), &mut OsRng).unwrap();
    let names: Vec<u16> = v
        .rejected
        .iter()
        .map(|e| match e {
            ThresholdError::BadPartialDecryption { trustee, .. } => *trustee,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, vec![2, 3]);
    assert_eq!(v.trustees(), vec![1, 4]);
    assert_eq!(combine(&c.params, &v, &list), Err(ThresholdError::NotEnoughShares { needed: 3, got: 2 }));
    // With trustee 5 as well, the election still ends.
    ps.extend(partials(&c, &outcome, &fp, &list, &[5]));
    let v = verify_partial_decryptions(&c.params, &fp, &roster, &outcome, &list, ps.clone(), &mut OsRng).unwrap();
    let got: Vec<RistrettoPoint> = combine(&c.params, &v, &list).unwrap().points.iter().map(|p| *p.point()).collect();
    assert_eq!(got, ms);
    // Another list, another election fingerprint, a forged signature: each refused with its reason.
    let (other_list, _) = sample_list(&outcome.election_key, 6, 2);
    let v = verify_partial_decryptions(&c.params, &fp, &roster, &outcome, &other_list, ps[..1].to_vec(), &mut OsRng)
        .unwrap();
    assert_eq!(v.rejected, vec![ThresholdError::WrongList { trustee: 1 }]);
    let v = verify_partial_decryptions(
        &c.params,
        &Fingerprint([6; 32]),
        &roster,
        &outcome,
        &list,
        ps[..1].to_vec(),
        &mut OsRng,
    )
    .unwrap();
    assert!(matches!(v.rejected[..], [ThresholdError::BadPartialDecryption { trustee: 1, .. }]));
    let mut forged = ps[0].clone();
    forged.message.trustee = 4;
    let v = verify_partial_decryptions(&c.params, &fp, &roster, &outcome, &list, vec![forged], &mut OsRng).unwrap();
    assert_eq!(v.rejected, vec![ThresholdError::BadSignature { trustee: 4 }]);
    // Binary round trip of a partial decryption and of the list.
    assert_eq!(Signed::<PartialDecryption>::from_bytes(&ps[0].to_bytes()).unwrap(), ps[0]);
    assert_eq!(CiphertextList::from_bytes(&list.to_bytes()).unwrap(), list);
}

/// C13 (SPEC.md §10.8): a partial decryption binds its list by `L = H(list)`. Against a list one ciphertext
/// apart (same length and width; the changed ciphertext even decrypts to the same point) every one is refused as
/// `WrongList`, naming its trustee, and shares verified for one list are not combined with the other.
#[test]
fn partial_decryption_is_refused_for_a_list_one_ciphertext_apart() {
    let c = run();
    let outcome = c.verify().unwrap();
    let fp = Fingerprint([3; 32]);
    let (list, ms) = sample_list(&outcome.election_key, 5, 2);
    let ps = partials(&c, &outcome, &fp, &list, &[1, 3, 4]);
    let roster = c.roster();
    let ek = EncryptionKey::new(outcome.election_key);
    let mut changed = list.clone();
    changed.cells_mut()[7] = ek.reencrypt(&list.cells()[7], &Scalar::from(5u8));
    let mut swapped = list.clone();
    swapped.cells_mut().swap(0, 1);
    let wrong = |trustee| ThresholdError::WrongList { trustee };
    for other in [&changed, &swapped] {
        assert_ne!(other.digest(), list.digest());
        let v = verify_partial_decryptions(&c.params, &fp, &roster, &outcome, other, ps.clone(), &mut OsRng).unwrap();
        assert_eq!(v.rejected, vec![wrong(1), wrong(3), wrong(4)]);
        assert!(v.trustees().is_empty());
    }
    let v = verify_partial_decryptions(&c.params, &fp, &roster, &outcome, &list, ps, &mut OsRng).unwrap();
    assert!(v.rejected.is_empty());
    assert_eq!(combine(&c.params, &v, &changed), Err(wrong(1)));
    assert_eq!(combine(&c.params, &v, &swapped), Err(wrong(1)));
    // A list of another length is refused before any share is used.
    let (longer, _) = sample_list(&outcome.election_key, 6, 2);
    assert_eq!(combine(&c.params, &v, &longer), Err(wrong(1)));
    let got: Vec<RistrettoPoint> = combine(&c.params, &v, &list).unwrap().points.iter().map(|p| *p.point()).collect();
    assert_eq!(got, ms);
}

/// An empty list has nothing to decrypt: refused by the trustee and by the checker (`EmptyList`).
#[test]
fn empty_list_is_refused() {
    let c = run();
    let outcome = c.verify().unwrap();
    let fp = Fingerprint([4; 32]);
    let empty = CiphertextList::from_flat(2, Vec::new()).unwrap();
    let s = &c.secrets[0];
    let share = s.key_share(&outcome).unwrap();
    let made = PartialDecryption::create(&c.params, &fp, 1, &share, &s.signing_key(), &empty, &mut OsRng);
    assert_eq!(made.unwrap_err(), ThresholdError::EmptyList);
    let checked = verify_partial_decryptions(&c.params, &fp, &c.roster(), &outcome, &empty, Vec::new(), &mut OsRng);
    assert_eq!(checked.unwrap_err(), ThresholdError::EmptyList);
}

#[test]
fn feldman_check_matches_shares() {
    let c = run();
    let outcome = c.verify().unwrap();
    for j in 1..=N {
        let share = c.secrets[usize::from(j) - 1].key_share(&outcome).unwrap();
        assert_eq!(
            GroupElement::new(protocol::elgamal::base_mul(share.expose_scalar())),
            *outcome.verification_key(j).unwrap()
        );
    }
    assert!(check_share(&c.dealings[0].message, 2, &Scalar::ONE).is_err());
}

/// Known-answer vector: a 2-of-3 ceremony and two partial decryptions from a fixed seed; the digests of every
/// canonical message are pinned in `tests/vectors/threshold.json`, so a change of any format is never silent.
/// `REGENERATE_VECTORS=1 cargo test -p protocol --test threshold known_answer` rewrites the file.
#[test]
fn known_answer_vectors() {
    use rand_chacha::rand_core::SeedableRng;
    use sha2::{Digest, Sha256};
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([42; 32]);
    let params = CeremonyParams::new([7; 32], 3, 2).unwrap();
    let c = SimulatedCeremony::run(&params, &[], &mut rng).unwrap();
    let (secrets, outcome) = (&c.secrets, &c.outcome);
    let (anns, commits, deals, confs) = (&c.announcements, &c.commitments, &c.dealings, &c.confirmations);
    let ek = EncryptionKey::new(outcome.election_key);
    let ms: Vec<RistrettoPoint> = (0..4).map(|_| protocol::group::random_point(&mut rng)).collect();
    let list = CiphertextList::from_flat(2, ek.encrypt_vector(&ms, &mut rng).0).unwrap();
    let fp = Fingerprint([8; 32]);
    let ps: Vec<_> = [1u16, 3]
        .iter()
        .map(|&j| {
            let s = &secrets[usize::from(j) - 1];
            PartialDecryption::create(
                &params,
                &fp,
                j,
                &s.key_share(outcome).unwrap(),
                &s.signing_key(),
                &list,
                &mut rng,
            )
            .unwrap()
        })
        .collect();
    // L (SPEC.md §10.8) is H of §9.2: SHA-512 of the list's §9.1.1 encoding, computed without building it.
    assert_eq!(list.digest(), <[u8; 64]>::from(sha2::Sha512::digest(list.to_bytes())));
    let digest = |parts: Vec<Vec<u8>>| -> String {
        let mut h = Sha256::new();
        for p in parts {
            h.update((p.len() as u32).to_be_bytes());
            h.update(p);
        }
        hex::encode(h.finalize())
    };
    let got = serde_json::json!({
        "generator": "protocol/tests/threshold.rs known_answer_vectors (ChaCha20 seed [42; 32], digest [7; 32], n = 3, t = 2)",
        "announcement_1": serde_json::to_value(&anns[0]).unwrap(),
        "announcements_sha256": digest(anns.iter().map(Encode::to_bytes).collect()),
        "commitments_sha256": digest(commits.iter().map(Encode::to_bytes).collect()),
        "dealings_sha256": digest(deals.iter().map(Encode::to_bytes).collect()),
        "confirmations_sha256": digest(confs.iter().map(Encode::to_bytes).collect()),
        "election_key": hex::encode(outcome.election_key.element().to_bytes()),
        "verification_keys": outcome.verification_keys.iter().map(|k| hex::encode(k.to_bytes())).collect::<Vec<_>>(),
        "list_sha256": digest(vec![list.to_bytes()]),
        "list_digest_l": hex::encode(list.digest()),
        "partial_decryptions_sha256": digest(ps.iter().map(Encode::to_bytes).collect()),
    });
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/threshold.json");
    if std::env::var("REGENERATE_VECTORS").is_ok() {
        std::fs::write(&path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
    }
    let want: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(got, want, "a threshold message format changed; if intended, regenerate the vectors");
}
