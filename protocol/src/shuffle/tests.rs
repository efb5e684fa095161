//! Completeness, soundness against every listed attack, strict decoding, property tests.

use super::*;
use crate::codec::{Decode, Encode};
use crate::elgamal::{Ciphertext, EncryptionKey, SecretKey};
use crate::group::GroupElement;
use crate::transcript::election_transcript;
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;

const FP: Fingerprint = Fingerprint([9; 32]);
const CONTEST: u32 = 2;
const STAGE: u32 = 1;

struct Fixture {
    sk: SecretKey,
    key: EncryptionKey,
    input: CiphertextList,
    plaintexts: Vec<RistrettoPoint>,
}

fn fixture(n: usize, w: usize, seed: u8) -> Fixture {
    let mut rng = ChaCha20Rng::from_seed([seed; 32]);
    let sk = SecretKey::generate(&mut rng);
    let key = EncryptionKey::new(sk.public_key());
    let plaintexts: Vec<RistrettoPoint> = (0..n * w).map(|_| crate::group::random_point(&mut rng)).collect();
    let input = CiphertextList::from_flat(w, key.encrypt_vector(&plaintexts, &mut rng).0).unwrap();
    Fixture { sk, key, input, plaintexts }
}

fn statement<'a>(f: &'a Fixture, output: &'a CiphertextList) -> ShuffleStatement<'a> {
    ShuffleStatement {
        fingerprint: &FP,
        public_key: f.key.public_key(),
        contest: CONTEST,
        stage: STAGE,
        input: &f.input,
        output,
    }
}

fn stage(f: &Fixture) -> Stage<'_> {
    Stage { fingerprint: &FP, key: &f.key, contest: CONTEST, stage: STAGE }
}

fn mix(f: &Fixture, seed: u8) -> (CiphertextList, ShuffleProof) {
    shuffle_and_prove(&stage(f), &f.input, &mut ChaCha20Rng::from_seed([seed; 32])).unwrap()
}

/// The streamed prover over lists in memory, with a given witness and chunk size.
fn mix_with(
    f: &Fixture,
    witness: &ShuffleWitness,
    chunk: usize,
    rng: &mut ChaCha20Rng,
) -> Result<(CiphertextList, ShuffleProof), ShuffleError> {
    prove::prove_in_memory(&stage(f), &f.input, witness, chunk, rng)
}

/// The streamed prover with generators of the caller's choice.
fn mix_with_generators(
    f: &Fixture,
    witness: &ShuffleWitness,
    rng: &mut ChaCha20Rng,
    generator: &(dyn Fn(u64) -> RistrettoPoint + Sync),
) -> (CiphertextList, ShuffleProof) {
    let (output, proof) = (stream::MemorySink::new(), stream::MemorySink::new());
    let files = prove::Files { input: &f.input.to_bytes(), output: &output, proof: &proof };
    let label = generator_label(CONTEST, STAGE);
    prove::prove_with_generators(&stage(f), files, witness, 64, rng, (&label, generator)).unwrap();
    (CiphertextList::from_bytes(&output.into_inner()).unwrap(), ShuffleProof::from_bytes(&proof.into_inner()).unwrap())
}

fn check(proof: &ShuffleProof, st: &ShuffleStatement<'_>) -> Result<(), ShuffleError> {
    proof.verify(&mut election_transcript(st.fingerprint), st)
}

fn failed(which: Check) -> Result<(), ShuffleError> {
    Err(ShuffleError::EquationFailed { which })
}

/// The output decrypts to a permutation of the input's rows.
fn assert_same_multiset(f: &Fixture, output: &CiphertextList) {
    let w = f.input.width();
    let decrypt_row = |row: &[Ciphertext]| row.iter().map(|c| f.sk.decrypt(c).compress().to_bytes()).collect();
    let mut a: Vec<Vec<[u8; 32]>> =
        f.plaintexts.chunks(w).map(|r| r.iter().map(|m| m.compress().to_bytes()).collect()).collect();
    let mut b: Vec<Vec<[u8; 32]>> = output.rows().map(decrypt_row).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

/// SPEC.md: exercises MX1, MX2, MX3, MX4, MX5, MX6, MX7, MX8, MX14.
#[test]
fn completeness_small_sizes_all_widths() {
    for w in 1..=4 {
        for n in [1, 2, 3, 100] {
            let f = fixture(n, w, (n + w) as u8);
            let (output, proof) = mix(&f, 1);
            assert_same_multiset(&f, &output);
            assert_eq!(check(&proof, &statement(&f, &output)), Ok(()), "n = {n}, w = {w}");
            let bytes = proof.to_bytes();
            assert_eq!(bytes.len(), proof::encoded_len(n, w).unwrap());
            assert_eq!(ShuffleProof::from_bytes(&bytes).unwrap(), proof);
            assert_eq!(CiphertextList::from_bytes(&output.to_bytes()).unwrap(), output);
        }
    }
}

fn completeness_ten_thousand(w: usize) {
    let f = fixture(10_000, w, 77);
    let (output, proof) = mix(&f, 2);
    assert_eq!(check(&proof, &statement(&f, &output)), Ok(()));
}

#[test]
fn completeness_ten_thousand_w1() {
    completeness_ten_thousand(1);
}
#[test]
fn completeness_ten_thousand_w2() {
    completeness_ten_thousand(2);
}
#[test]
fn completeness_ten_thousand_w3() {
    completeness_ten_thousand(3);
}
#[test]
fn completeness_ten_thousand_w4() {
    completeness_ten_thousand(4);
}

#[test]
fn witness_is_redacted_and_checked() {
    let f = fixture(3, 1, 5);
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    let witness = ShuffleWitness::random(3, &mut rng);
    assert_eq!(format!("{witness:?}"), "ShuffleWitness(<redacted>)");
    // Not a permutation of the 3 rows, or explicit scalars of another count than N·w.
    for (perm, scalars) in
        [(vec![0, 0, 1], 3), (vec![0, 1, 3], 3), (vec![0, 1], 2), (vec![0, 1, 2, 3], 4), (vec![0, 1, 2], 2)]
    {
        let bad = ShuffleWitness::from_parts(perm, vec![Scalar::ONE; scalars]);
        assert_eq!(mix_with(&f, &bad, 64, &mut rng).err(), Some(ShuffleError::InvalidWitness));
    }
    // A random witness of another size.
    let other = ShuffleWitness::random(4, &mut rng);
    assert_eq!(mix_with(&f, &other, 64, &mut rng).err(), Some(ShuffleError::InvalidWitness));
    // A valid witness that is not the one the output was made with: its proof is made but does not verify.
    let (output, proof) = mix_with(&f, &witness, 64, &mut rng).unwrap();
    assert_eq!(check(&proof, &statement(&f, &output)), Ok(()));
    let wrong = ShuffleWitness::from_parts(vec![0, 1, 2], vec![Scalar::ONE; 3]);
    let (other_output, proof) = mix_with(&f, &wrong, 64, &mut rng).unwrap();
    assert_eq!(check(&proof, &statement(&f, &other_output)), Ok(()));
    assert!(matches!(check(&proof, &statement(&f, &output)), Err(ShuffleError::EquationFailed { .. })));
}

/// SPEC.md: exercises SV0 (wrong shape), SV4.
#[test]
fn output_replaced_duplicated_dropped_added_reordered() {
    let f = fixture(6, 2, 11);
    let (output, proof) = mix(&f, 3);
    assert_eq!(check(&proof, &statement(&f, &output)), Ok(()));
    let w = output.width();

    // One output ciphertext replaced by a fresh encryption.
    let mut replaced = output.clone();
    replaced.cells_mut()[3 * w + 1] = f.key.encrypt(&crate::group::random_point(&mut OsRngLike::rng()), &Scalar::ONE);
    assert!(matches!(check(&proof, &statement(&f, &replaced)), Err(ShuffleError::EquationFailed { .. })));

    // One output row duplicated over another.
    let mut duplicated = output.clone();
    let row0: Vec<Ciphertext> = duplicated.row(0).to_vec();
    duplicated.cells_mut()[w..2 * w].copy_from_slice(&row0);
    assert!(matches!(check(&proof, &statement(&f, &duplicated)), Err(ShuffleError::EquationFailed { .. })));

    // A row dropped, a row added.
    let mut dropped = output.clone();
    dropped.cells_mut().truncate(5 * w);
    assert_eq!(
        check(&proof, &statement(&f, &dropped)),
        Err(ShuffleError::WrongShape { what: "output list (rows)", expected: 6, found: 5 })
    );
    let mut added = output.clone();
    added.cells_mut().extend(row0);
    assert_eq!(
        check(&proof, &statement(&f, &added)),
        Err(ShuffleError::WrongShape { what: "output list (rows)", expected: 6, found: 7 })
    );

    // Two output rows swapped after proving.
    let mut reordered = output.clone();
    let (first, second) = (reordered.row(0).to_vec(), reordered.row(4).to_vec());
    reordered.cells_mut()[..w].copy_from_slice(&second);
    reordered.cells_mut()[4 * w..5 * w].copy_from_slice(&first);
    assert!(matches!(check(&proof, &statement(&f, &reordered)), Err(ShuffleError::EquationFailed { .. })));
}

/// A replaced output, with the transcript held fixed (a prover that could choose the outputs after the
/// challenges), fails exactly the re-encryption check SV4.
#[test]
fn replaced_output_fails_check_v4_specifically() {
    let f = fixture(4, 1, 12);
    let (output, proof) = mix(&f, 4);
    let st = statement(&f, &output);
    let label = generator_label(CONTEST, STAGE);
    let mut t = election_transcript(&FP);
    proof::append_statement(&mut t, &st, &label);
    let u = proof::challenges_u(&mut t, &proof.c);
    let ch = proof::challenge_c(&mut t, &proof.c_hat, &proof.t_hat, [&proof.t1, &proof.t2, &proof.t3], &proof.t4);
    let mut replaced = output.clone();
    replaced.cells_mut()[2] = f.key.reencrypt(&replaced.cells()[2], &Scalar::ONE);
    let st2 = statement(&f, &replaced);
    let eval = proof::Evaluation { proof: &proof, st: &st2, u: &u, ch, label: &label };
    let z = proof::Weights::new([5; 32], 4, 1);
    assert!(!eval.combined(&z).is_identity_point());
    assert!(!eval.combined(&z.only(Check::V4Reencryption)).is_identity_point());
    for other in [Check::V1CommitmentSum, Check::V2ChainProduct, Check::V3PermutedChallenges, Check::V5ChainLinks] {
        assert!(eval.combined(&z.only(other)).is_identity_point(), "{other}");
    }
}

/// Moving an error between the `G` terms of two checks (ŝᵢ + δ in SV5, s₁ − z₅ᵢδ/z₁ in SV1) cancels in MX14 for the
/// weights of the untampered proof; because the responses are bound before the weights are drawn, the tampered
/// proof gets other weights and fails.
#[test]
fn responses_are_bound_before_the_batch_weights() {
    let f = fixture(4, 1, 19);
    let (output, proof) = mix(&f, 9);
    let st = statement(&f, &output);
    let label = generator_label(CONTEST, STAGE);
    let mut t = election_transcript(&FP);
    proof::append_statement(&mut t, &st, &label);
    let u = proof::challenges_u(&mut t, &proof.c);
    let ch = proof::challenge_c(&mut t, &proof.c_hat, &proof.t_hat, [&proof.t1, &proof.t2, &proof.t3], &proof.t4);
    let z = proof::Weights::new(proof::batch_seed(&mut t, &proof), 4, 1);
    let delta = Scalar::from(12345u32);
    let mut q = proof.clone();
    q.s_hat[2] += delta;
    q.s1 -= z.z5[2] * delta * z.z1.invert();
    let eval = proof::Evaluation { proof: &q, st: &st, u: &u, ch, label: &label };
    assert!(eval.combined(&z).is_identity_point(), "the compensation cancels under the old weights");
    assert!(!eval.combined(&z.only(Check::V1CommitmentSum)).is_identity_point());
    assert_eq!(check(&q, &st), failed(Check::V1CommitmentSum));
}

/// SPEC.md: exercises SV0 (statement mismatch).
#[test]
fn proof_for_another_statement_fails() {
    let f = fixture(5, 1, 13);
    let (output, proof) = mix(&f, 5);
    let st = statement(&f, &output);
    assert_eq!(check(&proof, &st), Ok(()));

    // Another input list (same size).
    let g = fixture(5, 1, 14);
    let st_other_input = ShuffleStatement { input: &g.input, ..st };
    assert!(matches!(check(&proof, &st_other_input), Err(ShuffleError::EquationFailed { .. })));

    // Another key.
    let st_other_key = ShuffleStatement { public_key: g.key.public_key(), ..st };
    assert!(matches!(check(&proof, &st_other_key), Err(ShuffleError::EquationFailed { .. })));

    // Another election (fingerprint, hence generators and transcript).
    let other_fp = Fingerprint([10; 32]);
    let st_other_fp = ShuffleStatement { fingerprint: &other_fp, ..st };
    assert!(matches!(check(&proof, &st_other_fp), Err(ShuffleError::EquationFailed { .. })));

    // Another stage or contest: the header says so; with the header rewritten, the equations fail.
    let st_stage = ShuffleStatement { stage: STAGE + 1, ..st };
    assert_eq!(
        check(&proof, &st_stage),
        Err(ShuffleError::StatementMismatch { field: "stage", expected: STAGE + 1, found: STAGE })
    );
    let mut relabelled = proof.clone();
    relabelled.stage = STAGE + 1;
    assert!(matches!(check(&relabelled, &st_stage), Err(ShuffleError::EquationFailed { .. })));
    let st_contest = ShuffleStatement { contest: CONTEST + 1, ..st };
    assert_eq!(
        check(&proof, &st_contest),
        Err(ShuffleError::StatementMismatch { field: "contest", expected: CONTEST + 1, found: CONTEST })
    );
    let mut relabelled = proof.clone();
    relabelled.contest = CONTEST + 1;
    assert!(matches!(check(&relabelled, &st_contest), Err(ShuffleError::EquationFailed { .. })));

    // Width mismatch between the lists.
    let h = fixture(5, 2, 15);
    let st_width = ShuffleStatement { output: &h.input, ..st };
    assert!(matches!(check(&proof, &st_width), Err(ShuffleError::WrongShape { what: "output list (width)", .. })));
}

/// SPEC.md: exercises MX0.
#[test]
fn generators_not_derived_from_the_seed_fail() {
    let f = fixture(8, 1, 16);
    let mut rng = ChaCha20Rng::from_seed([6; 32]);
    let witness = ShuffleWitness::random(8, &mut rng);
    let label = generator_label(CONTEST, STAGE);
    // The derived generators, through the same entry: the proof verifies.
    let (output, proof) = mix_with_generators(&f, &witness, &mut rng, &|i| shuffle_generator(&FP, &label, i));
    let st = statement(&f, &output);
    assert_eq!(check(&proof, &st), Ok(()));
    // Generators the prover chose itself (here: of another seed; with a trapdoor it could cheat).
    let own = |i| derive_generator(b"prover's own seed", &label, i);
    let (same_output, proof) = mix_with_generators(&f, &witness, &mut rng, &own);
    assert_eq!(same_output, output);
    assert!(matches!(check(&proof, &st), Err(ShuffleError::EquationFailed { .. })));
    // Only h₀ changed: the chain checks fail.
    let h0_is_g = |i| if i == 0 { crate::group::G } else { shuffle_generator(&FP, &label, i) };
    let (_, proof) = mix_with_generators(&f, &witness, &mut rng, &h0_is_g);
    assert!(matches!(check(&proof, &st), Err(ShuffleError::EquationFailed { .. })));
}

/// SPEC.md: exercises SV1, SV2, SV3, SV4, SV5, MX9, MX10, MX11, MX12, MX13.
#[test]
fn every_scalar_and_point_of_the_proof_is_checked() {
    let f = fixture(3, 2, 17);
    let (output, proof) = mix(&f, 7);
    let st = statement(&f, &output);
    let bump_p = |p: &mut GroupElement| *p = GroupElement::new(p.point() + crate::group::G);
    let bump_s = |s: &mut Scalar| *s += Scalar::ONE;
    let mut tampered: Vec<(String, ShuffleProof)> = Vec::new();
    for i in 0..3 {
        for (name, field) in [("c", 0), ("c_hat", 1), ("t_hat", 2)] {
            let mut q = proof.clone();
            bump_p(&mut [&mut q.c, &mut q.c_hat, &mut q.t_hat][field][i]);
            tampered.push((format!("{name}[{i}]"), q));
        }
        let mut q = proof.clone();
        bump_s(&mut q.s_hat[i]);
        tampered.push((format!("s_hat[{i}]"), q));
        let mut q = proof.clone();
        bump_s(&mut q.s_prime[i]);
        tampered.push((format!("s_prime[{i}]"), q));
    }
    for k in 0..2 {
        let mut q = proof.clone();
        bump_p(&mut q.t4[k].a);
        tampered.push((format!("t4[{k}].a"), q));
        let mut q = proof.clone();
        bump_p(&mut q.t4[k].b);
        tampered.push((format!("t4[{k}].b"), q));
        let mut q = proof.clone();
        bump_s(&mut q.s4[k]);
        tampered.push((format!("s4[{k}]"), q));
    }
    for (name, field) in [("t1", 0), ("t2", 1), ("t3", 2)] {
        let mut q = proof.clone();
        bump_p([&mut q.t1, &mut q.t2, &mut q.t3][field]);
        tampered.push((name.into(), q));
    }
    for (name, field) in [("s1", 0), ("s2", 1), ("s3", 2)] {
        let mut q = proof.clone();
        bump_s([&mut q.s1, &mut q.s2, &mut q.s3][field]);
        tampered.push((name.into(), q));
    }
    assert_eq!(tampered.len(), 3 * 5 + 2 * 3 + 6);
    for (name, q) in &tampered {
        assert!(matches!(check(q, &st), Err(ShuffleError::EquationFailed { .. })), "{name} tampered but accepted");
    }
    // A response changed without touching the transcript fails the check it appears in.
    let mut q = proof.clone();
    q.s1 += Scalar::ONE;
    assert_eq!(check(&q, &st), failed(Check::V1CommitmentSum));
    let mut q = proof.clone();
    q.s2 += Scalar::ONE;
    assert_eq!(check(&q, &st), failed(Check::V2ChainProduct));
    let mut q = proof.clone();
    q.s3 += Scalar::ONE;
    assert_eq!(check(&q, &st), failed(Check::V3PermutedChallenges));
    let mut q = proof.clone();
    q.s4[1] += Scalar::ONE;
    assert_eq!(check(&q, &st), failed(Check::V4Reencryption));
    let mut q = proof.clone();
    q.s_hat[2] += Scalar::ONE;
    assert_eq!(check(&q, &st), failed(Check::V5ChainLinks));
    // Swapped rows of the proof.
    let mut q = proof.clone();
    q.s_prime.swap(0, 1);
    assert!(check(&q, &st).is_err());
    let mut q = proof.clone();
    q.c.swap(0, 2);
    assert!(check(&q, &st).is_err());
    // Wrong sizes.
    let mut q = proof.clone();
    q.s_hat.pop();
    assert!(matches!(check(&q, &st), Err(ShuffleError::WrongShape { what: "proof rows (s-hat)", .. })));
    let mut q = proof.clone();
    q.t4.pop();
    assert!(matches!(check(&q, &st), Err(ShuffleError::WrongShape { what: "proof width (t4)", .. })));
}

#[test]
fn strict_decoding_of_proofs_and_lists() {
    let f = fixture(3, 1, 18);
    let (output, proof) = mix(&f, 8);
    let bytes = proof.to_bytes();
    // Every truncation fails to decode.
    for cut in [0, 3, 15, 16, 17, bytes.len() / 2, bytes.len() - 1] {
        assert!(matches!(ShuffleProof::from_bytes(&bytes[..cut]), Err(DecodeError::Truncated { .. })), "cut at {cut}");
    }
    let mut long = bytes.clone();
    long.push(0);
    assert!(matches!(ShuffleProof::from_bytes(&long), Err(DecodeError::TrailingBytes { .. })));
    // A non-canonical point at each place a point sits; a non-canonical scalar at each place a scalar sits.
    let n_points = 3 * 3 + 3 + 2;
    for k in 0..n_points {
        let mut b = bytes.clone();
        b[16 + 32 * k..16 + 32 * k + 32].copy_from_slice(&[0xff; 32]);
        assert!(matches!(ShuffleProof::from_bytes(&b), Err(DecodeError::NonCanonicalPoint { .. })), "point {k}");
        // s = 1 with a negative sign bit: the canonical-encoding check of RFC 9496 refuses it.
        b[16 + 32 * k..16 + 32 * k + 32].copy_from_slice(&{
            let mut x = [0u8; 32];
            x[0] = 1;
            x
        });
        assert!(matches!(ShuffleProof::from_bytes(&b), Err(DecodeError::NonCanonicalPoint { .. })), "point {k}");
    }
    for k in 0..(3 + 1 + 2 * 3) {
        let mut b = bytes.clone();
        let at = 16 + 32 * n_points + 32 * k;
        b[at..at + 32].copy_from_slice(&[0xff; 32]);
        assert!(matches!(ShuffleProof::from_bytes(&b), Err(DecodeError::NonCanonicalScalar { .. })), "scalar {k}");
    }
    // Header: N = 0, w = 0, huge N (refused before any allocation).
    for (at, v) in [(8, 0u32), (12, 0), (12, 5000), (8, u32::MAX)] {
        let mut b = bytes.clone();
        b[at..at + 4].copy_from_slice(&v.to_be_bytes());
        assert!(ShuffleProof::from_bytes(&b).is_err());
    }
    // Lists.
    let lb = output.to_bytes();
    assert!(matches!(CiphertextList::from_bytes(&lb[..lb.len() - 1]), Err(DecodeError::Truncated { .. })));
    let mut b = lb.clone();
    b[8..40].copy_from_slice(&[0xff; 32]);
    assert!(matches!(CiphertextList::from_bytes(&b), Err(DecodeError::NonCanonicalPoint { .. })));
    let mut b = lb.clone();
    b[4..8].copy_from_slice(&0u32.to_be_bytes());
    assert!(CiphertextList::from_bytes(&b).is_err());
    // More than MAX_CIPHERTEXTS ciphertexts (N = 2^26 + 1, w = 2): refused from the header, before reading the rows.
    let mut b = lb.clone();
    b[0..4].copy_from_slice(&((1u32 << 26) + 1).to_be_bytes());
    b[4..8].copy_from_slice(&2u32.to_be_bytes());
    assert!(matches!(
        CiphertextList::from_bytes(&b),
        Err(DecodeError::TooLong { len, max: crate::limits::MAX_CIPHERTEXTS, .. }) if len == (1 << 27) + 2
    ));
    // Exactly MAX_CIPHERTEXTS is within the bound: what is missing is the rows.
    b[0..4].copy_from_slice(&(1u32 << 26).to_be_bytes());
    assert!(matches!(CiphertextList::from_bytes(&b), Err(DecodeError::Truncated { .. })));
}

/// Fresh randomness for tampering, without the OS.
struct OsRngLike;
impl OsRngLike {
    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::from_seed([0xab; 32])
    }
}

trait IsIdentityPoint {
    fn is_identity_point(&self) -> bool;
}
impl IsIdentityPoint for RistrettoPoint {
    fn is_identity_point(&self) -> bool {
        use curve25519_dalek::traits::IsIdentity;
        self.is_identity()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn any_permutation_proves_and_verifies(
        perm in (1usize..12).prop_flat_map(|n| Just((0..n as u32).collect::<Vec<u32>>()).prop_shuffle()),
        identity in any::<bool>(),
        w in 1usize..3,
        seed in any::<[u8; 32]>(),
    ) {
        let n = perm.len();
        let perm = if identity { (0..n as u32).collect() } else { perm };
        let f = fixture(n, w, seed[0]);
        let mut rng = ChaCha20Rng::from_seed(seed);
        let rerand: Vec<Scalar> = (0..n * w).map(|_| random_scalar(&mut rng)).collect();
        let cells: Vec<Ciphertext> = (0..n * w)
            .map(|k| f.key.reencrypt(&f.input.row(perm[k / w] as usize)[k % w], &rerand[k]))
            .collect();
        let output = CiphertextList::from_flat(w, cells).unwrap();
        let witness = ShuffleWitness::from_parts(perm, rerand);
        let (streamed, proof) = mix_with(&f, &witness, 4, &mut rng).unwrap();
        prop_assert_eq!(&streamed, &output);
        let st = statement(&f, &output);
        prop_assert_eq!(check(&proof, &st), Ok(()));
        prop_assert_eq!(ShuffleProof::from_bytes(&proof.to_bytes()).unwrap(), proof);
    }
}

/// The streamed prover (SPEC.md §9.7) at the chunks' boundaries: for N = 1, 2, 100 and chunks of 1, 3 and 64
/// rows (and one chunk of all rows), w = 1 and 3, the proof verifies, the output decrypts to the input's rows, and the bytes of the output and
/// of the proof do not depend on the chunk size (the same witness and nonces give the same files).
#[test]
fn streamed_proofs_verify_at_every_chunk_boundary() {
    for w in [1, 3] {
        for n in [1, 2, 100] {
            let f = fixture(n, w, (3 * n + w) as u8);
            let witness = ShuffleWitness::random(n, &mut ChaCha20Rng::from_seed([1; 32]));
            let mut first: Option<(Vec<u8>, Vec<u8>)> = None;
            for chunk in [1, 3, 64, usize::MAX] {
                let (output, proof) = mix_with(&f, &witness, chunk, &mut ChaCha20Rng::from_seed([2; 32])).unwrap();
                assert_eq!(check(&proof, &statement(&f, &output)), Ok(()), "n = {n}, w = {w}, chunk = {chunk}");
                assert_same_multiset(&f, &output);
                let files = (output.to_bytes(), proof.to_bytes());
                match &first {
                    None => first = Some(files),
                    Some(files_1) => assert!(files_1 == &files, "n = {n}, w = {w}: chunk {chunk} changes the files"),
                }
            }
        }
    }
}

/// A seeded witness's scalars are derived at any row: the rows of a range are those of the whole list, and the
/// whole list's are the stream's scalars in order (SPEC.md §9.3.1: `r̃ᵢₖ` is scalar `i·w + k`).
#[test]
fn seeded_rerandomization_is_read_at_any_row() {
    let witness = ShuffleWitness::random(10, &mut ChaCha20Rng::from_seed([3; 32]));
    let all = witness.factors(0..10, 3);
    assert_eq!(all.len(), 30);
    assert_eq!(witness.factors(4..7, 3)[..], all[12..21]);
    assert_eq!(witness.factors(9..10, 3)[..], all[27..]);
    let distinct: std::collections::BTreeSet<[u8; 32]> = all.iter().map(|s| s.to_bytes()).collect();
    assert_eq!(distinct.len(), 30);
    // Another witness (another seed) has other scalars; the same seed, the same.
    assert_ne!(ShuffleWitness::random(10, &mut ChaCha20Rng::from_seed([4; 32])).factors(0..1, 3)[..], all[..3]);
    assert_eq!(ShuffleWitness::random(10, &mut ChaCha20Rng::from_seed([3; 32])).factors(0..10, 3)[..], all[..]);
}

/// A source that fails its reads from an offset on, as a disk that fails.
struct FailingSource {
    bytes: Vec<u8>,
    from: u64,
}
impl stream::ByteSource for FailingSource {
    fn size(&self) -> u64 {
        self.bytes.len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        if offset + buf.len() as u64 > self.from {
            return Err(std::io::Error::other("disk error"));
        }
        self.bytes.read_at(offset, buf)
    }
}

/// A sink that refuses writes at or after an offset, as a full disk.
struct FullSink {
    from: u64,
}
impl stream::ByteSink for FullSink {
    fn write_at(&self, offset: u64, bytes: &[u8]) -> std::io::Result<()> {
        if offset + bytes.len() as u64 > self.from {
            return Err(std::io::Error::other("no space left"));
        }
        Ok(())
    }
}

/// The input list is checked as its decoder checks it, and every error names what is wrong: a truncated or
/// over-long file, an empty list, a width out of range, a non-canonical point, a failing read or write.
#[test]
fn streamed_stage_refuses_bad_inputs_with_a_clear_error() {
    use stream::ByteSource;
    let f = fixture(5, 2, 21);
    let bytes = f.input.to_bytes();
    let witness = ShuffleWitness::random(5, &mut ChaCha20Rng::from_seed([1; 32]));
    let run = |input: &dyn ByteSource, output: &dyn stream::ByteSink, proof: &dyn stream::ByteSink| {
        mix_stage(&stage(&f), input, &witness, output, proof, 2, &mut ChaCha20Rng::from_seed([2; 32]))
    };
    let sinks = || (stream::MemorySink::new(), stream::MemorySink::new());
    let with = |input: &[u8]| {
        let (o, p) = sinks();
        run(&input.to_vec(), &o, &p)
    };
    let ok = with(&bytes).unwrap();
    assert_eq!(ok, StageInfo { rows: 5, width: 2, output_bytes: bytes.len() as u64, proof_bytes: 16 + 32 * 37 });

    let truncated = with(&bytes[..bytes.len() - 1]).unwrap_err();
    assert_eq!(truncated, ShuffleError::Decode(DecodeError::Truncated { what: "list.rows", needed: 1 }));
    assert_eq!(truncated.to_string(), "shuffle proof: list.rows: input truncated (1 more bytes needed)");
    // The same errors as the list's own decoder.
    let whole = |b: &[u8]| ShuffleError::Decode(CiphertextList::from_bytes(b).unwrap_err());
    assert_eq!(truncated, whole(&bytes[..bytes.len() - 1]));
    assert_eq!(
        with(&bytes[..5]).unwrap_err(),
        ShuffleError::Decode(DecodeError::Truncated { what: "list.w", needed: 3 })
    );
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(
        with(&long).unwrap_err(),
        ShuffleError::Decode(DecodeError::TrailingBytes { what: "ciphertext list", count: 1 })
    );
    assert_eq!(with(&long).unwrap_err(), whole(&long));
    assert_eq!(with(&bytes[..5]).unwrap_err(), whole(&bytes[..5]));
    assert_eq!(with(&[0, 0, 0, 0, 0, 0, 0, 2]).unwrap_err(), ShuffleError::EmptyList);
    let mut wide = bytes.clone();
    wide[4..8].copy_from_slice(&1025u32.to_be_bytes());
    assert!(matches!(with(&wide).unwrap_err(), ShuffleError::Decode(DecodeError::TooLong { len: 1025, .. })));
    // A witness for another N than the header's.
    let mut more = bytes.clone();
    more[0..4].copy_from_slice(&4u32.to_be_bytes());
    more.truncate(8 + 64 * 2 * 4);
    assert_eq!(with(&more).unwrap_err(), ShuffleError::InvalidWitness);
    // A non-canonical point in the last row (B of its second ciphertext).
    let mut bad = bytes.clone();
    let at = bytes.len() - 32;
    bad[at..].copy_from_slice(&[0xff; 32]);
    assert_eq!(
        with(&bad).unwrap_err(),
        ShuffleError::Decode(DecodeError::NonCanonicalPoint { what: "input list.rows[].b" })
    );
    // A read that fails half-way through the rows.
    let (o, p) = sinks();
    let failing = FailingSource { bytes: bytes.clone(), from: bytes.len() as u64 / 2 };
    let err = run(&failing, &o, &p).unwrap_err();
    assert!(matches!(&err, ShuffleError::Io { part: "reading the input list", .. }), "{err}");
    assert!(err.to_string().contains("disk error"), "{err}");
    // A full disk under the output list, then under the proof (in its last section).
    let (o, p) = sinks();
    let full = FullSink { from: 100 };
    let err = run(&bytes, &full, &p).unwrap_err();
    assert!(matches!(&err, ShuffleError::Io { part: "writing the output list", .. }), "{err}");
    let full = FullSink { from: stream::ProofLayout { n: 5, w: 2 }.s_prime(1) };
    let err = run(&bytes, &o, &full).unwrap_err();
    assert!(matches!(&err, ShuffleError::Io { part: "writing the proof", .. }), "{err}");
    assert!(err.to_string().contains("no space left"), "{err}");
}

/// Through files, as the tallier runs it: the input read with positional reads, the output list and the proof
/// written at their offsets; the files decode and the proof verifies.
#[cfg(unix)]
#[test]
fn streamed_stage_through_files() {
    let f = fixture(50, 2, 22);
    let dir = std::env::temp_dir().join(format!("rv-shuffle-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (input_path, output_path, proof_path) = (dir.join("in.list"), dir.join("out.list"), dir.join("out.proof"));
    std::fs::write(&input_path, f.input.to_bytes()).unwrap();
    let input = std::fs::File::open(&input_path).unwrap();
    let output = std::fs::File::create(&output_path).unwrap();
    let proof = std::fs::File::create(&proof_path).unwrap();
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    let witness = ShuffleWitness::random(50, &mut rng);
    let info = mix_stage(&stage(&f), &input, &witness, &output, &proof, 7, &mut rng).unwrap();
    drop((output, proof));
    let output = CiphertextList::from_bytes(&std::fs::read(&output_path).unwrap()).unwrap();
    let proof_bytes = std::fs::read(&proof_path).unwrap();
    assert_eq!(info.proof_bytes, proof_bytes.len() as u64);
    let proof = ShuffleProof::from_bytes(&proof_bytes).unwrap();
    assert_eq!(check(&proof, &statement(&f, &output)), Ok(()));
    assert_same_multiset(&f, &output);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Known answers (SPEC.md §9.6): the generators of fingerprint `09…09`, contest 2, stage 1, and the SHA-256
/// of a proof made from fixed seeds, so that no change of derivation, transcript or encoding goes unnoticed.
#[test]
fn known_answers() {
    let label = generator_label(CONTEST, STAGE);
    let hex = |p: RistrettoPoint| hex::encode(p.compress().as_bytes());
    let f = fixture(3, 2, 42);
    let (output, proof) = mix(&f, 43);
    let digest = |b: &[u8]| {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(b))
    };
    let got = [
        hex(shuffle_generator(&FP, &label, 0)),
        hex(shuffle_generator(&FP, &label, 1)),
        digest(&output.to_bytes()),
        digest(&proof.to_bytes()),
    ];
    assert_eq!(got, KNOWN);
}

const KNOWN: [&str; 4] = [
    "96a429b5aec384afb998e01d3cf4d5d24f58c932b5b68c3718159a5135bdb20a",
    "04284756514d704e9ae46497b68af2232aef368a38ced1634a210bf3073c560f",
    "56fc9425cf375047cd2c923385fe3d3723b3d0694ed3ed75c3b16240023f7898",
    "d3d56d248b44b0c6ccd5363e31bb42d08007dda6d09a38388deab8021d253fd2",
];
