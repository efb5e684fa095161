//! A chain of mix stages verified in chunks of rows (SPEC.md §9.4, §9.7): memory is one chunk of every list and
//! proof of the chain, whatever the number of rows, and each list is decompressed once (as one stage's output and
//! the next stage's input).
//!
//! Two passes over the files:
//!
//! 1. **Hash** each file once, sequentially: SHA-256 of every list and proof (the mix servers' signatures, §9.5.1),
//!    SHA-512 of every list (`H(list)`, §9.2 step 9) and of each proof's `c`, `ĉ`, `t̂` sections (steps 10, 12,
//!    13) and of its responses (step 17); decode the headers, the fixed part `t₁ … s₄` and every response scalar.
//!    That fixes each stage's transcript, so its challenges `u`, `c` and its weights `z`.
//! 2. **Evaluate** MX14 over chunks of rows, all stages together: each chunk's rows of every list and proof are
//!    decompressed once, `uᵢ` and `z₅ᵢ` drawn in order from their streams, and each stage's part of the multiscalar
//!    multiplication added to its running sum. Row `i`'s term for `ĉᵢ` needs row `i + 1`'s `z₅` and `s′`: the
//!    chunk draws one weight ahead and reads one scalar ahead.
//!
//! The verdict is the whole decoder's and the in-memory verifier's, error for error: a list's error is the one of
//! its lowest failing point (or its header, or trailing bytes), a proof's the first in its encoding's order (row
//! points `c`, `ĉ`, `t̂` by section, then the fixed part and the scalars, then trailing bytes), the shape checks
//! (SV0) before the equation, and a failing MX14 is evaluated check by check (one more pass over that stage's rows
//! for each) to name the first check that fails. The tests hold the two to the same answers.

use std::borrow::Cow;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::{Identity, IsIdentity};
use curve25519_dalek::Scalar;
use sha2::{Digest, Sha256, Sha512};

use super::list::{decode_header as decode_list_header, decode_points};
use super::proof::{
    append_statement_head, challenge_c_of_digests, challenge_stream_u, decode_header as decode_proof_header,
    fixed_terms, Constants, FixedPart, Rows, WeightStream,
};
use super::stream::{ByteSource, ListLayout, ProofLayout};
use super::{generator_label, par, Check, ShuffleError};
use crate::codec::{DecodeError, Reader};
use crate::elgamal::{Ciphertext, PublicKey};
use crate::fingerprint::Fingerprint;
use crate::group::{decode_scalar, GroupElement};
use crate::roles::StageDigests;
use crate::transcript::{election_transcript, ChallengeStream};

/// Bytes read at a time in the hashing pass.
const READ_BLOCK: usize = 1 << 20;

/// The chain's statement: the election, the unit (the statement's `contest`, §9.1.2) and the unit's width.
#[derive(Debug, Clone, Copy)]
pub struct ChainStatement<'a> {
    /// The election fingerprint.
    pub fingerprint: &'a Fingerprint,
    /// The election public key.
    pub public_key: &'a PublicKey,
    /// The unit's index: the statements' `contest`.
    pub contest: u32,
    /// The width every list must have (the contest's chunks).
    pub width: usize,
}

/// Why a list of the chain fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListFailure {
    /// The bytes could not be read.
    Unreadable(String),
    /// The list does not decode (SPEC.md §9.1.1).
    Decode(DecodeError),
    /// The list decodes with another width than the unit's.
    WrongWidth {
        /// Its width.
        found: usize,
    },
}

/// Why a stage's proof fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageFailure {
    /// The proof's bytes could not be read.
    Unreadable(String),
    /// The proof does not decode (SPEC.md §9.3.3).
    Decode(DecodeError),
    /// The proof decodes and does not verify (SPEC.md §9.4).
    Fails(ShuffleError),
}

/// What a streamed chain check found.
#[derive(Debug)]
pub struct ChainVerdict {
    /// SHA-256 of each list (index 0: the input), when it could be read.
    pub list_sha256: Vec<Option<[u8; 32]>>,
    /// SHA-256 of each stage's proof, when it could be read.
    pub proof_sha256: Vec<Option<[u8; 32]>>,
    /// The first list that fails, in chain order, and why. Stages from it on are not verified.
    pub failed_list: Option<(usize, ListFailure)>,
    /// Stage `k`'s verdict at index `k − 1`: `None` when not verified (verified beforehand, or at or after the
    /// failed list).
    pub stages: Vec<Option<Result<(), StageFailure>>>,
    /// The rows of the input list (0 if it does not decode).
    pub rows: usize,
    /// The last list's rows and `H(list)` (SPEC.md §9.2: what a partial decryption binds as `L`), when asked for
    /// and every list decoded: every point of it was decoded, and the bytes read twice were the same. The
    /// decryption reads the list again and must find this digest (§10.12); no list is held.
    pub last: Option<(usize, [u8; 64])>,
}

impl ChainVerdict {
    /// Stage `k`'s digests for its signature (§9.5.1), when its three files could be read.
    pub fn digests(&self, k: usize) -> Option<StageDigests> {
        Some(StageDigests {
            input: (*self.list_sha256.get(k - 1)?)?,
            output: (*self.list_sha256.get(k)?)?,
            proof: (*self.proof_sha256.get(k - 1)?)?,
        })
    }
}

/// Whether stage `k` with these digests was verified beforehand.
pub type VerifiedBefore<'a> = dyn Fn(u16, &StageDigests) -> bool + Sync + 'a;

/// How to run the check.
pub struct ChainOptions<'a> {
    /// Rows per chunk (at least 1): memory is about `rows · (lists + proofs) · 1 KB`.
    pub chunk_rows: usize,
    /// Whether stage `k` with these digests was verified beforehand (then its proof is not read again, nor its
    /// lists decoded but the last); `None`: verify every stage.
    pub verified: Option<&'a VerifiedBefore<'a>>,
    /// Whether to decode every point of the last list (even when its stage was verified before) and return its
    /// digest ([`ChainVerdict::last`]).
    pub check_last: bool,
    /// Called with the rows done so far after each chunk.
    pub progress: &'a (dyn Fn(usize) + Sync),
}

impl core::fmt::Debug for ChainOptions<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ChainOptions")
            .field("chunk_rows", &self.chunk_rows)
            .field("verified", &self.verified.is_some())
            .field("check_last", &self.check_last)
            .finish_non_exhaustive()
    }
}

/// The hashing pass's result for a list.
struct ListScan {
    sha256: Option<[u8; 32]>,
    sha512: [u8; 64],
    layout: Option<ListLayout>,
    /// A failure known before the points are decoded (header, truncation, unreadable) …
    early: Option<ListFailure>,
    /// … or after them, if no point fails (trailing bytes, then the width).
    late: Option<ListFailure>,
    /// The first point that fails to decode.
    point: Option<DecodeError>,
    /// SHA-512 of the bytes pass 2 read (the header, then the rows in order): it must be pass 1's, or the file
    /// changed between the reads (and the challenges, drawn from pass 1's bytes, would not bind pass 2's points).
    reread: Sha512,
}

impl ListScan {
    fn failure(&self) -> Option<ListFailure> {
        self.early.clone().or_else(|| self.point.clone().map(ListFailure::Decode)).or_else(|| self.late.clone())
    }
}

/// The hashing pass's result for a proof.
struct ProofScan {
    sha256: Option<[u8; 32]>,
    header: Option<(u32, u32, ProofLayout)>,
    c: [u8; 64],
    c_hat: [u8; 64],
    t_hat: [u8; 64],
    responses: [u8; 64],
    /// SHA-512 of the `ŝ` and `s′` sections (pass 2 compares them with what it reads).
    s_hat: [u8; 64],
    s_prime: [u8; 64],
    /// SHA-512 of each row section as pass 2 read it: `c`, `ĉ`, `t̂`, `ŝ`, `s′`.
    reread: [Sha512; 5],
    fixed: Option<FixedScalars>,
    early: Option<StageFailure>,
    /// The first failing row point of sections `c`, `ĉ`, `t̂`.
    rows: [Option<DecodeError>; 3],
    /// The first failure of the fixed part or a scalar, then trailing bytes.
    late: Option<StageFailure>,
}

impl ProofScan {
    fn failure(&self) -> Option<StageFailure> {
        self.early
            .clone()
            .or_else(|| self.rows.iter().flatten().next().cloned().map(StageFailure::Decode))
            .or_else(|| self.late.clone())
    }
}

struct FixedScalars {
    t: [GroupElement; 3],
    t4: Vec<Ciphertext>,
    s: [Scalar; 3],
    s4: Vec<Scalar>,
}

fn unreadable(e: std::io::Error) -> String {
    e.to_string()
}

/// Reads `len` bytes from `offset` in blocks, giving each block to `f`.
fn read_blocks(src: &dyn ByteSource, offset: u64, len: u64, mut f: impl FnMut(&[u8])) -> Result<(), String> {
    let mut buf = vec![0u8; READ_BLOCK];
    let mut done = 0u64;
    while done < len {
        let take = (len - done).min(READ_BLOCK as u64) as usize;
        src.read_at(offset + done, &mut buf[..take]).map_err(unreadable)?;
        f(&buf[..take]);
        done += take as u64;
    }
    Ok(())
}

/// Pass 1 for a list: SHA-256 and SHA-512 of the bytes, the header and the checks on its length.
fn scan_list(src: &dyn ByteSource, width: usize) -> ListScan {
    let size = src.size();
    let mut scan = ListScan {
        sha256: None,
        sha512: [0; 64],
        layout: None,
        early: None,
        late: None,
        point: None,
        reread: Sha512::new(),
    };
    let (mut h256, mut h512) = (Sha256::new(), Sha512::new());
    if let Err(e) = read_blocks(src, 0, size, |b| {
        h256.update(b);
        h512.update(b);
    }) {
        scan.early = Some(ListFailure::Unreadable(e));
        return scan;
    }
    scan.sha256 = Some(h256.finalize().into());
    scan.sha512 = h512.finalize().into();
    let mut head = vec![0u8; size.min(8) as usize];
    if let Err(e) = src.read_at(0, &mut head) {
        scan.early = Some(ListFailure::Unreadable(unreadable(e)));
        return scan;
    }
    let layout = match decode_list_header(&mut Reader::new(&head)) {
        Ok(layout) => layout,
        Err(e) => {
            scan.early = Some(ListFailure::Decode(e));
            return scan;
        }
    };
    let (needed, have) = (layout.len(), size);
    if have < needed {
        let needed = usize::try_from(needed - have).unwrap_or(usize::MAX);
        scan.early = Some(ListFailure::Decode(DecodeError::Truncated { what: "list.rows", needed }));
        return scan;
    }
    if have > needed {
        let count = usize::try_from(have - needed).unwrap_or(usize::MAX);
        scan.late = Some(ListFailure::Decode(DecodeError::TrailingBytes { what: "ciphertext list", count }));
    } else if layout.w != width {
        scan.late = Some(ListFailure::WrongWidth { found: layout.w });
    }
    scan.reread.update(head);
    scan.layout = Some(layout);
    scan
}

/// Pass 1 for a proof: SHA-256 of the bytes, SHA-512 of the sections the transcript binds, the header, the fixed
/// part and every response scalar decoded.
fn scan_proof(src: &dyn ByteSource) -> ProofScan {
    let size = src.size();
    let mut scan = ProofScan {
        sha256: None,
        header: None,
        c: [0; 64],
        c_hat: [0; 64],
        t_hat: [0; 64],
        responses: [0; 64],
        s_hat: [0; 64],
        s_prime: [0; 64],
        reread: Default::default(),
        fixed: None,
        early: None,
        rows: [None, None, None],
        late: None,
    };
    let mut h256 = Sha256::new();
    if let Err(e) = read_blocks(src, 0, size, |b| h256.update(b)) {
        scan.early = Some(StageFailure::Unreadable(e));
        return scan;
    }
    scan.sha256 = Some(h256.finalize().into());
    let mut head = vec![0u8; size.min(16) as usize];
    if let Err(e) = src.read_at(0, &mut head) {
        scan.early = Some(StageFailure::Unreadable(unreadable(e)));
        return scan;
    }
    let (contest, stage, layout) = match decode_proof_header(&mut Reader::new(&head)) {
        Ok(h) => h,
        Err(e) => {
            scan.early = Some(StageFailure::Decode(e));
            return scan;
        }
    };
    if size < layout.len() {
        let needed = usize::try_from(layout.len() - size).unwrap_or(usize::MAX);
        scan.early = Some(StageFailure::Decode(DecodeError::Truncated { what: "shuffle proof", needed }));
        return scan;
    }
    let n = layout.n as u64;
    let section = |start: u64, len: u64| -> Result<[u8; 64], String> {
        let mut h = Sha512::new();
        read_blocks(src, start, len, |b| h.update(b))?;
        Ok(h.finalize().into())
    };
    let sections = section(layout.c(0), 32 * n)
        .and_then(|c| Ok((c, section(layout.c_hat(0), 32 * n)?, section(layout.t_hat(0), 32 * n)?)));
    match sections {
        Ok((c, c_hat, t_hat)) => (scan.c, scan.c_hat, scan.t_hat) = (c, c_hat, t_hat),
        Err(e) => {
            scan.early = Some(StageFailure::Unreadable(e));
            return scan;
        }
    }
    // The fixed part, decoded in the encoding's order.
    let w = layout.w;
    let mut fixed = vec![0u8; (layout.s_hat(0) - layout.t()) as usize];
    if let Err(e) = src.read_at(layout.t(), &mut fixed) {
        scan.early = Some(StageFailure::Unreadable(unreadable(e)));
        return scan;
    }
    let mut r = Reader::new(&fixed);
    let decoded = (|| -> Result<FixedScalars, DecodeError> {
        let t = [r.element("shuffle proof.t1")?, r.element("shuffle proof.t2")?, r.element("shuffle proof.t3")?];
        let t4 = (0..w)
            .map(|_| Ok(Ciphertext { a: r.element("shuffle proof.t4.a")?, b: r.element("shuffle proof.t4.b")? }))
            .collect::<Result<Vec<_>, DecodeError>>()?;
        let s = [r.scalar("shuffle proof.s1")?, r.scalar("shuffle proof.s2")?, r.scalar("shuffle proof.s3")?];
        let s4 = (0..w).map(|_| r.scalar("shuffle proof.s4")).collect::<Result<Vec<_>, _>>()?;
        Ok(FixedScalars { t, t4, s, s4 })
    })();
    let mut late = None;
    match decoded {
        Ok(f) => scan.fixed = Some(f),
        Err(e) => late = Some(StageFailure::Decode(e)),
    }
    // The responses: hashed from `s₁` to the end of `s′`, each row scalar checked canonical.
    let mut h = Sha512::new();
    h.update(&fixed[(layout.s() - layout.t()) as usize..]);
    let mut index = 0u64;
    let (mut h_hat, mut h_prime) = (Sha512::new(), Sha512::new());
    let read = read_blocks(src, layout.s_hat(0), 64 * n, |b| {
        h.update(b);
        // A block may straddle the two sections.
        let split = usize::try_from(n.saturating_sub(index).saturating_mul(32)).unwrap_or(usize::MAX).min(b.len());
        h_hat.update(&b[..split]);
        h_prime.update(&b[split..]);
        for s in b.chunks_exact(32) {
            if late.is_none() {
                let what = if index < n { "shuffle proof.s-hat" } else { "shuffle proof.s-prime" };
                let mut bytes = [0u8; 32];
                bytes.copy_from_slice(s);
                if let Err(e) = decode_scalar(&bytes, what) {
                    late = Some(StageFailure::Decode(e));
                }
            }
            index += 1;
        }
    });
    if let Err(e) = read {
        scan.early = Some(StageFailure::Unreadable(e));
        return scan;
    }
    scan.responses = h.finalize().into();
    scan.s_hat = h_hat.finalize().into();
    scan.s_prime = h_prime.finalize().into();
    if late.is_none() && size > layout.len() {
        let count = usize::try_from(size - layout.len()).unwrap_or(usize::MAX);
        late = Some(StageFailure::Decode(DecodeError::TrailingBytes { what: "shuffle proof", count }));
    }
    scan.late = late;
    scan.header = Some((contest, stage, layout));
    scan
}

/// SV0 (SPEC.md §9.4.1) from the headers: the lists' shapes, then the proof's statement and shape, in the order
/// the in-memory verifier checks them.
fn shape(
    input: ListLayout,
    output: ListLayout,
    proof: (u32, u32, ProofLayout),
    contest: u32,
    stage: u32,
) -> Result<(), ShuffleError> {
    let (n, w) = (input.n, input.w);
    if n == 0 {
        return Err(ShuffleError::EmptyList);
    }
    if output.n != n {
        return Err(ShuffleError::WrongShape { what: "output list (rows)", expected: n, found: output.n });
    }
    if output.w != w {
        return Err(ShuffleError::WrongShape { what: "output list (width)", expected: w, found: output.w });
    }
    let (p_contest, p_stage, p) = proof;
    if p_contest != contest {
        return Err(ShuffleError::StatementMismatch { field: "contest", expected: contest, found: p_contest });
    }
    if p_stage != stage {
        return Err(ShuffleError::StatementMismatch { field: "stage", expected: stage, found: p_stage });
    }
    if p.n != n {
        return Err(ShuffleError::WrongShape { what: "proof rows (c)", expected: n, found: p.n });
    }
    if p.w != w {
        return Err(ShuffleError::WrongShape { what: "proof width (t4)", expected: w, found: p.w });
    }
    Ok(())
}

/// One stage's running evaluation of MX14 in pass 2.
struct Running<'a> {
    k: Constants<'a>,
    public_key: &'a PublicKey,
    u: ChallengeStream,
    z: WeightStream,
    /// `z₅` of the chunk's first row, drawn with the previous chunk.
    pending_z5: Option<Scalar>,
    /// `(z₅,₁, s′₁)` for `h₀`'s scalar.
    first: Option<(Scalar, Scalar)>,
    sum: RistrettoPoint,
    g: Scalar,
    u_prod: Scalar,
}

/// A stage's transcript replayed from pass 1: the challenge stream `u`, the challenge `c` and the weights' seed.
fn replay(
    st: &ChainStatement<'_>,
    stage: u32,
    label: &[u8],
    lists: (&ListScan, &ListScan),
    p: &ProofScan,
) -> Option<(ChallengeStream, Scalar, [u8; 32])> {
    let (_, _, layout) = p.header?;
    let fixed = p.fixed.as_ref()?;
    let mut t = election_transcript(st.fingerprint);
    append_statement_head(&mut t, (st.contest, stage, layout.w, layout.n), st.public_key, st.fingerprint, label);
    t.append_message(b"inputs", &lists.0.sha512);
    t.append_message(b"outputs", &lists.1.sha512);
    let u = challenge_stream_u(&mut t, &p.c);
    let ch = challenge_c_of_digests(&mut t, &p.c_hat, &p.t_hat, [&fixed.t[0], &fixed.t[1], &fixed.t[2]], &fixed.t4);
    t.append_message(b"responses", &p.responses);
    let mut seed = [0u8; 32];
    t.challenge_bytes(b"batch-weights", &mut seed);
    Some((u, ch, seed))
}

fn new_running<'a>(
    st: &ChainStatement<'a>,
    label: &'a [u8],
    (u, ch, seed): (ChallengeStream, Scalar, [u8; 32]),
    w: usize,
    only: Option<Check>,
) -> Running<'a> {
    let z = WeightStream::new(seed, w);
    let k = Constants::new(&z.head, only, ch, st.fingerprint, label);
    Running {
        k,
        public_key: st.public_key,
        u,
        z,
        pending_z5: None,
        first: None,
        sum: RistrettoPoint::identity(),
        g: Scalar::ZERO,
        u_prod: Scalar::ONE,
    }
}

/// Decoded rows `a … b − 1` of a list: its ciphertexts, row-major (empty past its end).
fn list_rows(
    src: &dyn ByteSource,
    layout: ListLayout,
    (a, b): (usize, usize),
    reread: Option<&mut Sha512>,
) -> Result<Vec<Ciphertext>, ListFailure> {
    let b = b.min(layout.n);
    if a >= b {
        return Ok(Vec::new());
    }
    let mut bytes = vec![0u8; (b - a) * layout.row_bytes()];
    src.read_at(layout.row(a), &mut bytes).map_err(|e| ListFailure::Unreadable(unreadable(e)))?;
    if let Some(h) = reread {
        h.update(&bytes);
    }
    let points = decode_points(&bytes, "list.rows[].a/b").map_err(ListFailure::Decode)?;
    Ok(points.chunks_exact(2).map(|p| Ciphertext { a: p[0], b: p[1] }).collect())
}

/// Rows `a … b − 1` of a list in pass 2. A list of another width than the unit's fails (late: a point that does
/// not decode comes first) and no stage uses its rows: it is decoded in pieces of the unit's row size, so that a
/// header claiming a wider list cannot make a chunk larger, and its rows are not kept.
fn chunk_of_list(
    src: &dyn ByteSource,
    layout: ListLayout,
    (a, b): (usize, usize),
    reread: &mut Sha512,
    width: usize,
) -> Result<Option<Vec<Ciphertext>>, ListFailure> {
    if layout.w == width {
        return list_rows(src, layout, (a, b), Some(reread)).map(Some);
    }
    let piece = (b.saturating_sub(a) * width / layout.w).max(1);
    let mut start = a;
    while start < b {
        let end = (start + piece).min(b);
        list_rows(src, layout, (start, end), Some(&mut *reread))?;
        start = end;
    }
    Ok(None)
}

/// A proof's decoded rows `a … b − 1` (and `s′_b` when `b < N`).
struct ProofRows {
    c: Vec<GroupElement>,
    c_hat: Vec<GroupElement>,
    t_hat: Vec<GroupElement>,
    s_hat: Vec<Scalar>,
    s_prime: Vec<Scalar>,
    next_s_prime: Option<Scalar>,
}

fn read_section(src: &dyn ByteSource, offset: u64, rows: usize) -> Result<Vec<u8>, StageFailure> {
    let mut bytes = vec![0u8; 32 * rows];
    src.read_at(offset, &mut bytes).map_err(|e| StageFailure::Unreadable(unreadable(e)))?;
    Ok(bytes)
}

/// Scalars already checked canonical in pass 1 (a stage with a non-canonical one is not evaluated).
fn scalars(bytes: &[u8]) -> Vec<Scalar> {
    bytes
        .chunks_exact(32)
        .map(|s| {
            let mut b = [0u8; 32];
            b.copy_from_slice(s);
            Scalar::from_bytes_mod_order(b)
        })
        .collect()
}

/// Reads and decodes a proof's rows `a … b − 1`; a point that fails is recorded in `errors` (its section's first)
/// and the rows are then not returned.
fn proof_rows(
    src: &dyn ByteSource,
    layout: ProofLayout,
    (a, b): (usize, usize),
    errors: &mut [Option<DecodeError>; 3],
    mut reread: Option<&mut [Sha512; 5]>,
) -> Result<Option<ProofRows>, StageFailure> {
    let b = b.min(layout.n);
    if a >= b {
        return Ok(None);
    }
    let rows = b - a;
    let mut points = Vec::with_capacity(3);
    let sections = [
        (layout.c(a), "shuffle proof.c"),
        (layout.c_hat(a), "shuffle proof.c-hat"),
        (layout.t_hat(a), "shuffle proof.t-hat"),
    ];
    for (s, (offset, what)) in sections.into_iter().enumerate() {
        let bytes = read_section(src, offset, rows)?;
        if let Some(h) = reread.as_deref_mut() {
            h[s].update(&bytes);
        }
        match decode_points(&bytes, what) {
            Ok(p) => points.push(p),
            Err(e) => {
                if errors[s].is_none() {
                    errors[s] = Some(e);
                }
            }
        }
    }
    if points.len() < 3 {
        return Ok(None);
    }
    let s_hat_bytes = read_section(src, layout.s_hat(a), rows)?;
    let with_next = if b < layout.n { rows + 1 } else { rows };
    let s_prime_bytes = read_section(src, layout.s_prime(a), with_next)?;
    if let Some(h) = reread {
        h[3].update(&s_hat_bytes);
        h[4].update(&s_prime_bytes[..32 * rows]);
    }
    let s_hat = scalars(&s_hat_bytes);
    let mut s_prime = scalars(&s_prime_bytes);
    let next_s_prime = if b < layout.n { s_prime.pop() } else { None };
    let t_hat = points.pop().unwrap_or_default();
    let c_hat = points.pop().unwrap_or_default();
    let c = points.pop().unwrap_or_default();
    Ok(Some(ProofRows { c, c_hat, t_hat, s_hat, s_prime, next_s_prime }))
}

/// Adds rows `a … b − 1` of one stage to its running evaluation.
fn add_rows(
    run: &mut Running<'_>,
    p: &ProofRows,
    input: &[Ciphertext],
    output: &[Ciphertext],
    a: usize,
    n: usize,
    w: usize,
) {
    let rows = p.c.len();
    let u: Vec<Scalar> = (0..rows).map(|_| run.u.next_scalar()).collect();
    run.u_prod = u.iter().fold(run.u_prod, |acc, u| acc * u);
    let mut z5 = Vec::with_capacity(rows);
    z5.push(run.pending_z5.take().unwrap_or_else(|| run.z.next_z5()));
    while z5.len() < rows {
        z5.push(run.z.next_z5());
    }
    let next = match p.next_s_prime {
        Some(s) if a + rows < n => {
            let z = run.z.next_z5();
            run.pending_z5 = Some(z);
            Some((z, s))
        }
        _ => None,
    };
    if a == 0 {
        run.first = Some((z5[0], p.s_prime[0]));
    }
    let view = Rows {
        first: a,
        c: &p.c,
        c_hat: &p.c_hat,
        t_hat: &p.t_hat,
        s_hat: &p.s_hat,
        s_prime: &p.s_prime,
        input,
        output,
        u: &u,
        z5: &z5,
        next,
    };
    let k = &run.k;
    for (point, g) in par::map_chunks(rows, par::CHUNK, |range| view.sub(range, w).terms(k)) {
        run.sum += point;
        run.g += g;
    }
}

/// Verifies the chain `lists[0] → lists[1] → …` with `proofs[k − 1]` the proof of stage `k` (SPEC.md §9.4), in
/// chunks of rows. Signatures are the caller's (with [`ChainVerdict::digests`]).
pub fn verify_chain(
    st: &ChainStatement<'_>,
    lists: &[&dyn ByteSource],
    proofs: &[&dyn ByteSource],
    options: &ChainOptions<'_>,
) -> ChainVerdict {
    let stages = proofs.len().min(lists.len().saturating_sub(1));
    // Pass 1, every file on its own (in parallel).
    let list_scans: Vec<ListScan> = par::map_chunks(lists.len(), 1, |m| scan_list(lists[m.start], st.width));
    let mut verdict = ChainVerdict {
        list_sha256: list_scans.iter().map(|s| s.sha256).collect(),
        proof_sha256: vec![None; stages],
        failed_list: None,
        stages: vec![None; stages],
        rows: list_scans.first().and_then(|s| s.layout).map_or(0, |l| l.n),
        last: None,
    };
    // Which stages to verify: those not verified beforehand (asked only of a caller that may have some).
    let proof_sha256 = |k: usize| {
        let mut h = Sha256::new();
        read_blocks(proofs[k], 0, proofs[k].size(), |b| h.update(b)).ok().map(|_| <[u8; 32]>::from(h.finalize()))
    };
    let skip: Vec<bool> = (0..stages)
        .map(|k| {
            let Some(verified) = options.verified else { return false };
            match (list_scans[k].sha256, list_scans[k + 1].sha256, proof_sha256(k)) {
                (Some(input), Some(output), Some(proof)) => {
                    verified(k as u16 + 1, &StageDigests { input, output, proof })
                }
                _ => false,
            }
        })
        .collect();
    let mut proof_scans: Vec<Option<ProofScan>> =
        par::map_chunks(stages, 1, |k| if skip[k.start] { None } else { Some(scan_proof(proofs[k.start])) });
    for (k, scan) in proof_scans.iter().enumerate() {
        verdict.proof_sha256[k] = match scan {
            Some(s) => s.sha256,
            None => proof_sha256(k),
        };
    }
    // The lists pass 2 decodes: every list of a stage verified now, and the last.
    let last = lists.len().saturating_sub(1);
    let needed: Vec<bool> = (0..lists.len())
        .map(|m| (options.check_last && m == last) || (m > 0 && !skip[m - 1]) || (m < stages && !skip[m]))
        .collect();
    let mut list_scans = list_scans;
    let labels: Vec<Vec<u8>> = (1..=stages).map(|k| generator_label(st.contest, k as u32)).collect();
    // The stages evaluated: shapes fine, both lists and the proof without a failure known now.
    let early_ok = |m: usize, scans: &[ListScan]| scans[m].early.is_none() && scans[m].late.is_none();
    let mut running: Vec<Option<Running<'_>>> = (0..stages)
        .map(|k| {
            let p = proof_scans[k].as_ref()?;
            if p.early.is_some() || p.late.is_some() || !early_ok(k, &list_scans) || !early_ok(k + 1, &list_scans) {
                return None;
            }
            let (input, output) = (list_scans[k].layout?, list_scans[k + 1].layout?);
            shape(input, output, p.header?, st.contest, k as u32 + 1).ok()?;
            let replayed = replay(st, k as u32 + 1, &labels[k], (&list_scans[k], &list_scans[k + 1]), p)?;
            Some(new_running(st, &labels[k], replayed, input.w, None))
        })
        .collect();
    // Pass 2.
    let total = list_scans
        .iter()
        .filter_map(|s| s.layout.map(|l| l.n))
        .chain(proof_scans.iter().flatten().filter_map(|p| p.header.map(|h| h.2.n)))
        .max()
        .unwrap_or(0);
    let chunk = options.chunk_rows.max(1);
    let mut a = 0;
    while a < total {
        let b = (a + chunk).min(total);
        let mut rows: Vec<Option<Cow<'_, [Ciphertext]>>> = Vec::with_capacity(lists.len());
        for m in 0..lists.len() {
            let scan = &mut list_scans[m];
            let decoded = match (needed[m], scan.layout, scan.early.is_none() && scan.point.is_none()) {
                (true, Some(layout), true) => match chunk_of_list(lists[m], layout, (a, b), &mut scan.reread, st.width)
                {
                    Ok(cells) => cells.map(Cow::Owned),
                    Err(ListFailure::Decode(e)) => {
                        scan.point = Some(e);
                        None
                    }
                    Err(e) => {
                        scan.early = Some(e);
                        None
                    }
                },
                _ => None,
            };
            rows.push(decoded);
        }
        for k in 0..stages {
            let Some(scan) = proof_scans[k].as_mut() else { continue };
            let Some((_, _, layout)) = scan.header else { continue };
            if scan.early.is_some() {
                continue;
            }
            let decoded = match proof_rows(proofs[k], layout, (a, b), &mut scan.rows, Some(&mut scan.reread)) {
                Ok(p) => p,
                Err(e) => {
                    scan.early = Some(e);
                    None
                }
            };
            let usable = scan.rows.iter().all(Option::is_none);
            match (decoded, &rows[k], &rows[k + 1], running[k].as_mut()) {
                (Some(p), Some(input), Some(output), Some(run)) if usable => {
                    add_rows(run, &p, input, output, a, layout.n, layout.w);
                }
                _ => running[k] = None,
            }
        }
        (options.progress)(b);
        a = b;
    }
    // Pass 2 read what pass 1 hashed (a file that changed between the reads fails, as unreadable).
    let changed = "the file changed while it was verified: its bytes differ between two reads. Verify a copy that \
                   nothing writes to";
    for (m, scan) in list_scans.iter_mut().enumerate() {
        if needed[m] && scan.failure().is_none() {
            let reread: [u8; 64] = std::mem::take(&mut scan.reread).finalize().into();
            if reread != scan.sha512 {
                scan.early = Some(ListFailure::Unreadable(changed.into()));
            }
        }
    }
    for scan in proof_scans.iter_mut().flatten() {
        if scan.failure().is_none() {
            let reread: Vec<[u8; 64]> =
                std::mem::take(&mut scan.reread).into_iter().map(|h| h.finalize().into()).collect();
            if reread != [scan.c, scan.c_hat, scan.t_hat, scan.s_hat, scan.s_prime] {
                scan.early = Some(StageFailure::Unreadable(changed.into()));
            }
        }
    }
    // Verdicts, in chain order: stages before the first failing list.
    for m in 0..lists.len() {
        if !needed[m] {
            continue;
        }
        if let Some(f) = list_scans[m].failure() {
            verdict.failed_list = Some((m, f));
            break;
        }
    }
    let verified_up_to = verdict.failed_list.as_ref().map_or(stages, |(m, _)| m.saturating_sub(1).min(stages));
    for k in 0..verified_up_to {
        let Some(scan) = &proof_scans[k] else { continue };
        let result = if let Some(f) = scan.failure() {
            Err(f)
        } else if let Err(e) = match (list_scans[k].layout, list_scans[k + 1].layout, scan.header) {
            (Some(i), Some(o), Some(h)) => shape(i, o, h, st.contest, k as u32 + 1),
            _ => Ok(()),
        } {
            Err(StageFailure::Fails(e))
        } else {
            match running[k].take() {
                Some(run) if finish(&run, scan).is_identity() => Ok(()),
                _ => Err(StageFailure::Fails(ShuffleError::EquationFailed {
                    which: first_failing_check(st, &labels[k], (&list_scans, k), (lists, proofs[k]), scan, chunk),
                })),
            }
        };
        verdict.stages[k] = Some(result);
    }
    if options.check_last && verdict.failed_list.is_none() {
        verdict.last = list_scans[last].layout.map(|l| (l.n, list_scans[last].sha512));
    }
    verdict
}

/// MX14's sum: the rows' part and the fixed part.
fn finish(run: &Running<'_>, p: &ProofScan) -> RistrettoPoint {
    let (Some(fixed), Some(first)) = (&p.fixed, run.first) else {
        return RistrettoPoint::identity() + crate::group::G;
    };
    let part = FixedPart {
        t1: fixed.t[0],
        t2: fixed.t[1],
        t3: fixed.t[2],
        t4: fixed.t4.clone(),
        s1: fixed.s[0],
        s2: fixed.s[1],
        s3: fixed.s[2],
        s4: fixed.s4.clone(),
        public_key: run.public_key,
    };
    run.sum + fixed_terms(&run.k, &part, run.g, run.u_prod, first)
}

/// SPEC.md §9.4.2: MX14 failed; evaluates each check alone (one pass over the stage's rows each) and names the
/// first that fails.
fn first_failing_check(
    st: &ChainStatement<'_>,
    label: &[u8],
    (list_scans, k): (&[ListScan], usize),
    (lists, proof): (&[&dyn ByteSource], &dyn ByteSource),
    scan: &ProofScan,
    chunk: usize,
) -> Check {
    const ORDER: [Check; 5] = [
        Check::V1CommitmentSum,
        Check::V2ChainProduct,
        Check::V3PermutedChallenges,
        Check::V4Reencryption,
        Check::V5ChainLinks,
    ];
    let (Some(input), Some(output), Some((_, _, layout))) =
        (list_scans[k].layout, list_scans[k + 1].layout, scan.header)
    else {
        return Check::V5ChainLinks;
    };
    for check in ORDER {
        let Some(replayed) = replay(st, k as u32 + 1, label, (&list_scans[k], &list_scans[k + 1]), scan) else {
            return check;
        };
        let mut run = new_running(st, label, replayed, layout.w, Some(check));
        let mut a = 0;
        let mut errors = [None, None, None];
        while a < layout.n {
            let b = (a + chunk).min(layout.n);
            let rows = (
                list_rows(lists[k], input, (a, b), None),
                list_rows(lists[k + 1], output, (a, b), None),
                proof_rows(proof, layout, (a, b), &mut errors, None),
            );
            let (Ok(i), Ok(o), Ok(Some(p))) = rows else { return check };
            add_rows(&mut run, &p, &i, &o, a, layout.n, layout.w);
            a = b;
        }
        if !finish(&run, scan).is_identity() {
            return check;
        }
    }
    // The weighted sum of true checks is the identity, so one of them failed above.
    Check::V5ChainLinks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{Decode, Encode};
    use crate::elgamal::{EncryptionKey, SecretKey};
    use crate::shuffle::CiphertextList;
    use crate::shuffle::{ShuffleProof, ShuffleStatement};
    use rand_chacha::rand_core::{RngCore, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    const FP: Fingerprint = Fingerprint([7; 32]);
    const CONTEST: u32 = 3;

    /// A chain of `stages` stages over `n` rows of width `w`: the lists' and the proofs' bytes.
    fn chain(n: usize, w: usize, stages: usize, seed: u8) -> (EncryptionKey, Vec<Vec<u8>>, Vec<Vec<u8>>) {
        let mut rng = ChaCha20Rng::from_seed([seed; 32]);
        let key = EncryptionKey::new(SecretKey::generate(&mut rng).public_key());
        let ms: Vec<_> = (0..n * w).map(|_| crate::group::random_point(&mut rng)).collect();
        let mut list = CiphertextList::from_flat(w, key.encrypt_vector(&ms, &mut rng).0).unwrap();
        let (mut lists, mut proofs) = (vec![list.to_bytes()], Vec::new());
        for k in 1..=stages as u32 {
            let stage = crate::shuffle::Stage { fingerprint: &FP, key: &key, contest: CONTEST, stage: k };
            let (output, proof) = crate::shuffle::shuffle_and_prove(&stage, &list, &mut rng).unwrap();
            lists.push(output.to_bytes());
            proofs.push(proof.to_bytes());
            list = output;
        }
        (key, lists, proofs)
    }

    type Verdicts = (Option<(usize, ListFailure)>, Vec<Option<Result<(), StageFailure>>>);

    /// The verdict of the whole decoders and the in-memory verifier, with the chain's rules: the first list that
    /// does not decode (or has another width) stops the chain; each proof decodes, then verifies.
    fn reference(key: &EncryptionKey, w: usize, lists: &[Vec<u8>], proofs: &[Vec<u8>]) -> Verdicts {
        let decode = |b: &[u8]| match CiphertextList::from_bytes(b) {
            Ok(l) if l.width() == w => Ok(l),
            Ok(l) => Err(ListFailure::WrongWidth { found: l.width() }),
            Err(e) => Err(ListFailure::Decode(e)),
        };
        let mut stages = vec![None; proofs.len()];
        let mut current = match decode(&lists[0]) {
            Ok(l) => l,
            Err(e) => return (Some((0, e)), stages),
        };
        for k in 1..=proofs.len() {
            let output = match decode(&lists[k]) {
                Ok(l) => l,
                Err(e) => return (Some((k, e)), stages),
            };
            let st = ShuffleStatement {
                fingerprint: &FP,
                public_key: key.public_key(),
                contest: CONTEST,
                stage: k as u32,
                input: &current,
                output: &output,
            };
            stages[k - 1] = Some(match ShuffleProof::from_bytes(&proofs[k - 1]) {
                Err(e) => Err(StageFailure::Decode(e)),
                Ok(p) => p.verify(&mut election_transcript(&FP), &st).map_err(StageFailure::Fails),
            });
            current = output;
        }
        (None, stages)
    }

    fn streamed(key: &EncryptionKey, w: usize, lists: &[Vec<u8>], proofs: &[Vec<u8>], chunk: usize) -> ChainVerdict {
        let st = ChainStatement { fingerprint: &FP, public_key: key.public_key(), contest: CONTEST, width: w };
        let lists: Vec<&dyn ByteSource> = lists.iter().map(|l| l as &dyn ByteSource).collect();
        let proofs: Vec<&dyn ByteSource> = proofs.iter().map(|p| p as &dyn ByteSource).collect();
        let options = ChainOptions { chunk_rows: chunk, verified: None, check_last: true, progress: &|_| {} };
        verify_chain(&st, &lists, &proofs, &options)
    }

    fn assert_agree(
        key: &EncryptionKey,
        w: usize,
        lists: &[Vec<u8>],
        proofs: &[Vec<u8>],
        chunks: &[usize],
        what: &str,
    ) {
        let expected = reference(key, w, lists, proofs);
        for &chunk in chunks {
            let got = streamed(key, w, lists, proofs, chunk);
            assert_eq!((got.failed_list.clone(), got.stages.clone()), expected, "{what}, chunk {chunk}");
            if expected.0.is_none() {
                let want = CiphertextList::from_bytes(lists.last().unwrap()).unwrap();
                assert_eq!(got.last.unwrap(), (want.len(), want.digest()), "{what}: the last list's rows and digest");
            }
        }
    }

    /// An honest chain passes at every chunk size (chunk boundaries inside and at the ends of the lists), with its
    /// last list and the digests of its stages.
    #[test]
    fn an_honest_chain_passes_at_every_chunk_size() {
        for (n, w) in [(1, 1), (2, 1), (7, 3), (40, 2)] {
            let (key, lists, proofs) = chain(n, w, 3, n as u8);
            assert_agree(&key, w, &lists, &proofs, &[1, 2, 3, 5, 64], "honest");
            let v = streamed(&key, w, &lists, &proofs, 3);
            assert!(v.stages.iter().all(|s| *s == Some(Ok(()))));
            assert_eq!(v.rows, n);
            let d = v.digests(2).unwrap();
            assert_eq!(d, StageDigests::of(&lists[1], &lists[2], &proofs[1]));
        }
    }

    /// Every kind of damage gets the same verdict as the whole decoders and the in-memory verifier: bytes changed
    /// anywhere in any file (points that no longer decode, or decode to other points; scalars out of range or
    /// changed; headers), files cut short or lengthened, lists swapped.
    #[test]
    fn damaged_chains_get_the_in_memory_verdict() {
        let (n, w) = (9, 2);
        let (key, lists, proofs) = chain(n, w, 3, 11);
        let mut rng = ChaCha20Rng::from_seed([12; 32]);
        let chunks = [1, 4, 64];
        let mut kinds = std::collections::BTreeSet::new();
        for round in 0..200 {
            let (mut lists, mut proofs) = (lists.clone(), proofs.clone());
            let file = (rng.next_u32() as usize) % 7;
            let target = if file < 4 { &mut lists[file] } else { &mut proofs[file - 4] };
            match round % 10 {
                // A byte of a point or scalar set to 0xff: a non-canonical encoding, mostly.
                0 | 1 => {
                    let i = 8 + (rng.next_u32() as usize) % (target.len() - 8);
                    target[i] = 0xff;
                }
                // A bit flipped anywhere.
                2..=4 => {
                    let i = (rng.next_u32() as usize) % target.len();
                    target[i] ^= 1 << (rng.next_u32() % 8);
                }
                5 => {
                    let cut = (rng.next_u32() as usize) % target.len();
                    target.truncate(cut);
                }
                6 => target.extend_from_slice(&[0; 3]),
                // A proof's contest or stage rewritten.
                7 => {
                    let field = 4 * ((rng.next_u32() as usize) % 2);
                    let p = &mut proofs[(rng.next_u32() as usize) % 3];
                    p[field + 3] ^= 1;
                }
                // A list's last row dropped, its header mended (decodes; the shapes differ).
                8 => {
                    let m = (rng.next_u32() as usize) % 4;
                    let l = &mut lists[m];
                    l.truncate(l.len() - 64 * w);
                    l[..4].copy_from_slice(&(n as u32 - 1).to_be_bytes());
                }
                _ => {
                    // Two rows swapped in a list (decodes; the proof fails).
                    let m = 1 + (rng.next_u32() as usize) % 3;
                    let row = 64 * w;
                    let l = &mut lists[m];
                    let (a, b) = (8, 8 + row * ((rng.next_u32() as usize) % (n - 1) + 1));
                    let first: Vec<u8> = l[a..a + row].to_vec();
                    let second: Vec<u8> = l[b..b + row].to_vec();
                    l[a..a + row].copy_from_slice(&second);
                    l[b..b + row].copy_from_slice(&first);
                }
            }
            assert_agree(&key, w, &lists, &proofs, &chunks, &format!("round {round}, file {file}"));
            let (list, stages) = reference(&key, w, &lists, &proofs);
            let kind = |s: String| s.split(['(', ' ', '{']).take(2).collect::<Vec<_>>().join(" ");
            kinds.extend(list.map(|(_, f)| kind(format!("{f:?}"))));
            kinds.extend(stages.into_iter().flatten().filter_map(Result::err).map(|f| kind(format!("{f:?}"))));
        }
        // The damage reached every kind of verdict (so the agreement above is not only on passes).
        for expected in ["Decode", "Fails EquationFailed", "Fails StatementMismatch", "Fails WrongShape"] {
            assert!(kinds.iter().any(|k| k.starts_with(expected)), "{expected} not among {kinds:?}");
        }
    }

    /// A list of another width than the unit's (a wider header) gets the in-memory verdict, at every chunk size.
    #[test]
    fn a_list_of_another_width_gets_the_in_memory_verdict() {
        let (key, mut lists, proofs) = chain(5, 1, 2, 51);
        let (_, wide, _) = chain(5, 3, 1, 52);
        lists[1] = wide[1].clone();
        assert!(matches!(reference(&key, 1, &lists, &proofs).0, Some((1, ListFailure::WrongWidth { found: 3 }))));
        assert_agree(&key, 1, &lists, &proofs, &[1, 2, 64], "wide list");
        let last = lists[1].len() - 1;
        lists[1][last] = 0xff;
        assert!(matches!(reference(&key, 1, &lists, &proofs).0, Some((1, ListFailure::Decode(_)))));
        assert_agree(&key, 1, &lists, &proofs, &[1, 2, 64], "wide list with a bad point");
    }

    /// A stage verified beforehand is not verified again; the chain's other stages are.
    #[test]
    fn stages_verified_beforehand_are_skipped() {
        let (key, lists, mut proofs) = chain(5, 1, 3, 21);
        proofs[0][100] ^= 1;
        let st = ChainStatement { fingerprint: &FP, public_key: key.public_key(), contest: CONTEST, width: 1 };
        let l: Vec<&dyn ByteSource> = lists.iter().map(|l| l as &dyn ByteSource).collect();
        let p: Vec<&dyn ByteSource> = proofs.iter().map(|p| p as &dyn ByteSource).collect();
        let first = |k: u16, _: &StageDigests| k == 1;
        let options = ChainOptions { chunk_rows: 2, verified: Some(&first), check_last: true, progress: &|_| {} };
        let v = verify_chain(&st, &l, &p, &options);
        assert_eq!(v.stages, vec![None, Some(Ok(())), Some(Ok(()))]);
        let want = CiphertextList::from_bytes(&lists[3]).unwrap();
        assert_eq!(v.last.unwrap(), (want.len(), want.digest()));
        let none = |_: u16, _: &StageDigests| false;
        let options = ChainOptions { chunk_rows: 2, verified: Some(&none), check_last: false, progress: &|_| {} };
        let v = verify_chain(&st, &l, &p, &options);
        assert!(matches!(v.stages[0], Some(Err(_))));
        assert!(v.last.is_none());
    }

    /// A file whose bytes change between the hashing pass and the evaluating pass (another valid list of the same
    /// shape): the challenges were drawn from the first bytes, so the second cannot be verified with them; the
    /// list fails as unreadable, naming the change.
    #[test]
    fn a_file_that_changes_between_the_passes_fails() {
        struct Changing {
            first: Vec<u8>,
            second: Vec<u8>,
            reads: std::sync::atomic::AtomicUsize,
        }
        impl ByteSource for Changing {
            fn size(&self) -> u64 {
                self.first.size()
            }
            fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
                // Pass 1 reads a list twice: its bytes to hash, then its header.
                if self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 2 {
                    self.first.read_at(offset, buf)
                } else {
                    self.second.read_at(offset, buf)
                }
            }
        }
        let (key, lists, proofs) = chain(6, 1, 3, 31);
        let changing = Changing { first: lists[1].clone(), second: lists[2].clone(), reads: 0.into() };
        let st = ChainStatement { fingerprint: &FP, public_key: key.public_key(), contest: CONTEST, width: 1 };
        let l: Vec<&dyn ByteSource> = vec![&lists[0], &changing, &lists[2], &lists[3]];
        let p: Vec<&dyn ByteSource> = proofs.iter().map(|p| p as &dyn ByteSource).collect();
        let options = ChainOptions { chunk_rows: 4, verified: None, check_last: false, progress: &|_| {} };
        let v = verify_chain(&st, &l, &p, &options);
        match v.failed_list {
            Some((1, ListFailure::Unreadable(reason))) => assert!(reason.contains("changed while it was verified")),
            other => panic!("{other:?}"),
        }
        // The same source that does not change passes.
        let same = Changing { first: lists[1].clone(), second: lists[1].clone(), reads: 0.into() };
        let l: Vec<&dyn ByteSource> = vec![&lists[0], &same, &lists[2], &lists[3]];
        assert!(verify_chain(&st, &l, &p, &options).failed_list.is_none());
    }
}
