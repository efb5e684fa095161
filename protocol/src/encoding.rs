//! Plaintext encoding (SPEC.md §5): a contest answer → canonical bytes → fixed-size chunks → Ristretto255
//! points, and back.
//!
//! The way back is total: any point decodes either to a valid answer or to an explicit
//! [`InvalidAnswer`], which the count tallies apart. Nothing here panics on a hostile point.

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::error::EncodingError;
use crate::manifest::Contest;

use crate::limits::CHUNK_BYTES;
/// The selection code that stands for the write-in (SPEC.md §5.1).
pub const WRITE_IN_CODE: u16 = 0xFFFF;

/// One selection: an option by its index in the manifest, or the write-in text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// An option, by its index in the contest's `options`.
    Option(u16),
    /// A write-in candidate: 1 to `max_bytes` UTF-8 bytes (SPEC.md §5.1).
    WriteIn(String),
}

/// A voter's answer to one contest: the selections, in canonical order (ascending for single choice and
/// approval, by preference for ranked contests). For a graded contest, one selection per option in manifest order,
/// each `Option(g)` with `g` the index of the grade given to that option in the contest's `grades` (0 = best).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The selections, in canonical order; their number is within the contest's bounds.
    pub selections: Vec<Selection>,
}

/// Why a decrypted answer is not a valid vote. Counted apart, never a crash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("invalid answer: {reason}")]
pub struct InvalidAnswer {
    /// Why, one of [`INVALID_REASONS`] with its numbers filled in.
    pub reason: String,
}

/// Every reason R5 (SPEC.md §14.3) can write into `answers.json` as `{"invalid": reason}`, in the order the
/// decoder ([`Answer::from_points`], then [`Answer::from_padded_bytes`] and [`Answer::check`]) tests them. `{n}`,
/// `{min}`, `{max}`, `{i}`, `{max_bytes}` stand for decimal numbers (SPEC.md §14.3 R5 says which). SPEC.md lists
/// the same strings; `tests/spec_strings.rs` checks both lists against what the decoder produces.
///
/// Not listed: `"wrong number of chunks"` (a point or byte count other than the contest's, which R5 never
/// passes), and the two reasons of [`Answer::from_canonical_bytes`] (the challenge code, §8.9 CC1).
pub const INVALID_REASONS: &[&str] = &[
    "a chunk point that is not an embedding",
    "answer overruns its chunks",
    "write-in is not UTF-8",
    "non-zero padding",
    "{n} selections, {min} to {max} allowed",
    "no option number {i}",
    "no grade number {i}",
    "write-ins are not allowed",
    "a write-in must have 1 to {max_bytes} bytes",
    "at most one write-in",
    "selections repeat, or are not in ascending order",
];

fn invalid(reason: impl Into<String>) -> InvalidAnswer {
    InvalidAnswer { reason: reason.into() }
}

impl Answer {
    /// A single-choice answer: the option at `option`.
    pub fn single(option: u16) -> Self {
        Self { selections: vec![Selection::Option(option)] }
    }

    /// SPEC.md §5.1: the rules an answer must satisfy for `contest`.
    pub fn check(&self, contest: &Contest) -> Result<(), InvalidAnswer> {
        let (min, max) = contest.selection_bounds();
        let graded = contest.kind == crate::manifest::ContestKind::Graded;
        let n = self.selections.len();
        if n < min || n > max {
            return Err(invalid(format!("{n} selections, {min} to {max} allowed")));
        }
        let mut write_ins = 0;
        for s in &self.selections {
            match s {
                // A graded contest's selections are grades, one per option in manifest order (SPEC.md §5.1).
                Selection::Option(i) if graded && usize::from(*i) < contest.grades.len() => {}
                Selection::Option(i) if graded => return Err(invalid(format!("no grade number {i}"))),
                Selection::Option(i) if (*i as usize) < contest.options.len() => {}
                Selection::Option(i) => return Err(invalid(format!("no option number {i}"))),
                Selection::WriteIn(text) => {
                    let Some(rule) = contest.write_in else { return Err(invalid("write-ins are not allowed")) };
                    if text.is_empty() || text.len() > rule.max_bytes as usize {
                        return Err(invalid(format!("a write-in must have 1 to {} bytes", rule.max_bytes)));
                    }
                    write_ins += 1;
                }
            }
        }
        if write_ins > 1 {
            return Err(invalid("at most one write-in"));
        }
        let ordered = match contest.kind {
            // Graded answers give each option its grade: grades may repeat, in option order.
            crate::manifest::ContestKind::Graded => true,
            // Ranked answers are in preference order; they only need distinct entries.
            crate::manifest::ContestKind::Ranked { .. } => {
                let mut sorted = self.selections.clone();
                sorted.sort();
                sorted.windows(2).all(|w| w[0] != w[1])
            }
            _ => self.selections.windows(2).all(|w| w[0] < w[1]),
        };
        if !ordered {
            return Err(invalid("selections repeat, or are not in ascending order"));
        }
        Ok(())
    }

    /// SPEC.md §5.1: the canonical bytes, zero-padded to `chunks · 30` bytes.
    pub fn to_padded_bytes(&self, contest: &Contest) -> Result<Vec<u8>, EncodingError> {
        self.check(contest)
            .map_err(|e| EncodingError::InvalidAnswer { contest: contest.id.clone(), reason: e.reason })?;
        let mut out = Vec::with_capacity(contest.chunks() * CHUNK_BYTES);
        out.push(self.selections.len() as u8);
        let mut write_in = None;
        for s in &self.selections {
            match s {
                Selection::Option(i) => out.extend_from_slice(&i.to_be_bytes()),
                Selection::WriteIn(text) => {
                    out.extend_from_slice(&WRITE_IN_CODE.to_be_bytes());
                    write_in = Some(text);
                }
            }
        }
        if let Some(text) = write_in {
            out.push(text.len() as u8);
            out.extend_from_slice(text.as_bytes());
        }
        out.resize(contest.chunks() * CHUNK_BYTES, 0);
        Ok(out)
    }

    /// SPEC.md §5.1: the canonical bytes without their zero padding (`u8(n) ‖ u16(code)ⁿ ‖ [u8(len) ‖ write-in]`).
    pub fn to_canonical_bytes(&self, contest: &Contest) -> Result<Vec<u8>, EncodingError> {
        let mut bytes = self.to_padded_bytes(contest)?;
        let write_in = self.selections.iter().find_map(|s| match s {
            Selection::WriteIn(text) => Some(1 + text.len()),
            Selection::Option(_) => None,
        });
        bytes.truncate(1 + 2 * self.selections.len() + write_in.unwrap_or(0));
        Ok(bytes)
    }

    /// The inverse of [`to_canonical_bytes`](Self::to_canonical_bytes): `bytes` padded to the contest's size and
    /// read by [`from_padded_bytes`](Self::from_padded_bytes).
    pub fn from_canonical_bytes(contest: &Contest, bytes: &[u8]) -> Result<Self, InvalidAnswer> {
        let size = contest.chunks() * CHUNK_BYTES;
        if bytes.is_empty() || bytes.len() > size {
            return Err(invalid(format!("an answer has 1 to {size} bytes, not {}", bytes.len())));
        }
        let mut padded = bytes.to_vec();
        padded.resize(size, 0);
        let answer = Self::from_padded_bytes(contest, &padded);
        padded.zeroize();
        let answer = answer?;
        // Trailing zero bytes would also read: only the canonical length is accepted.
        match answer.to_canonical_bytes(contest) {
            Ok(canonical) if canonical == bytes => Ok(answer),
            _ => Err(invalid("bytes after the answer's end")),
        }
    }

    /// The inverse of [`to_padded_bytes`](Self::to_padded_bytes); any byte string that is not the canonical
    /// encoding of a valid answer is an [`InvalidAnswer`].
    pub fn from_padded_bytes(contest: &Contest, bytes: &[u8]) -> Result<Self, InvalidAnswer> {
        if bytes.len() != contest.chunks() * CHUNK_BYTES {
            return Err(invalid("wrong number of chunks"));
        }
        let n = bytes[0] as usize;
        let mut pos = 1;
        let mut take = |len: usize| -> Result<&[u8], InvalidAnswer> {
            let s = bytes.get(pos..pos + len).ok_or_else(|| invalid("answer overruns its chunks"))?;
            pos += len;
            Ok(s)
        };
        let mut codes = Vec::with_capacity(n);
        for _ in 0..n {
            let c = take(2)?;
            codes.push(u16::from_be_bytes([c[0], c[1]]));
        }
        let mut selections = Vec::with_capacity(n);
        let mut text = None;
        for code in codes {
            if code == WRITE_IN_CODE {
                if text.is_none() {
                    let len = take(1)?[0] as usize;
                    let raw = take(len)?;
                    text = Some(String::from_utf8(raw.to_vec()).map_err(|_| invalid("write-in is not UTF-8"))?);
                }
                // A second write-in code is caught by `check` below (duplicate entry).
                selections.push(Selection::WriteIn(text.clone().unwrap_or_default()));
            } else {
                selections.push(Selection::Option(code));
            }
        }
        if bytes[pos..].iter().any(|&b| b != 0) {
            return Err(invalid("non-zero padding"));
        }
        let answer = Answer { selections };
        answer.check(contest)?;
        Ok(answer)
    }

    /// The answer as `contest.chunks()` points (SPEC.md §5.2).
    pub fn to_points<R: RngCore + CryptoRng + ?Sized>(
        &self,
        contest: &Contest,
        rng: &mut R,
    ) -> Result<Vec<RistrettoPoint>, EncodingError> {
        let mut bytes = self.to_padded_bytes(contest)?;
        let points = bytes
            .chunks(CHUNK_BYTES)
            .map(|c| {
                let mut chunk = [0u8; CHUNK_BYTES];
                chunk.copy_from_slice(c);
                let p = embed_chunk(&chunk, rng);
                chunk.zeroize();
                p
            })
            .collect();
        bytes.zeroize();
        points
    }

    /// Decodes decrypted points; total (never panics).
    pub fn from_points(contest: &Contest, points: &[RistrettoPoint]) -> Result<Self, InvalidAnswer> {
        let encodings: Vec<CompressedRistretto> = points.iter().map(RistrettoPoint::compress).collect();
        Self::from_encodings(contest, &encodings)
    }

    /// [`Answer::from_points`] from the points' canonical encodings (a decoded list's elements keep theirs, so
    /// the tally and V12 do not compress each point again); total (never panics).
    pub fn from_encodings(contest: &Contest, encodings: &[CompressedRistretto]) -> Result<Self, InvalidAnswer> {
        if encodings.len() != contest.chunks() {
            return Err(invalid("wrong number of chunks"));
        }
        let mut bytes = Vec::with_capacity(encodings.len() * CHUNK_BYTES);
        for e in encodings {
            bytes.extend_from_slice(&extract_chunk(e)?);
        }
        Self::from_padded_bytes(contest, &bytes)
    }
}

/// SPEC.md §5.2 eq. (5): embeds 30 bytes into a point.
///
/// The candidate encoding is `e = t ‖ chunk ‖ 0x00` with a tag byte `t = 2j` (even, so `e` is non-negative;
/// the last byte zero, so `e < p`). About one candidate in four decodes to a point, so we try
/// `j = j₀, j₀+1, …` (mod 128) from a random start `j₀` and return the first that decodes. Because the start is
/// random, the number of attempts (and the time taken) follows the same geometric law whatever the chunk, so
/// the timing does not reveal the vote. Failure after all 128 tags has probability about (3/4)^128 < 2^-53.
pub fn embed_chunk<R: RngCore + CryptoRng + ?Sized>(
    chunk: &[u8; CHUNK_BYTES],
    rng: &mut R,
) -> Result<RistrettoPoint, EncodingError> {
    let start = (rng.next_u32() % 128) as u8;
    let mut candidate = [0u8; 32];
    candidate[1..31].copy_from_slice(chunk);
    for i in 0..128u8 {
        candidate[0] = ((start + i) % 128) * 2;
        if let Some(p) = CompressedRistretto(candidate).decompress() {
            candidate.zeroize();
            return Ok(p);
        }
    }
    candidate.zeroize();
    Err(EncodingError::NoEmbedding)
}

/// SPEC.md §5.2 eq. (6): the inverse of [`embed_chunk`]: bytes 1..31 of the point's encoding, provided its last
/// byte is zero.
pub fn extract_chunk(encoded: &CompressedRistretto) -> Result<[u8; CHUNK_BYTES], InvalidAnswer> {
    let e = encoded.as_bytes();
    if e[31] != 0 {
        return Err(invalid("a chunk point that is not an embedding"));
    }
    let mut out = [0u8; CHUNK_BYTES];
    out.copy_from_slice(&e[1..31]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::example_manifest;
    use proptest::prelude::*;
    use rand::rngs::OsRng;

    fn s(i: u16) -> Selection {
        Selection::Option(i)
    }

    #[test]
    fn answers_round_trip_for_every_kind() {
        let m = example_manifest();
        let cases = [
            (0, Answer::single(2)),
            (1, Answer { selections: vec![] }),
            (1, Answer { selections: vec![s(0), s(2), s(3)] }),
            (2, Answer { selections: vec![s(3), Selection::WriteIn("Zoë Õun".into()), s(0)] }),
        ];
        for (c, a) in cases {
            let contest = &m.contests[c];
            let pts = a.to_points(contest, &mut OsRng).unwrap();
            assert_eq!(pts.len(), contest.chunks());
            assert_eq!(Answer::from_points(contest, &pts), Ok(a));
        }
    }

    #[test]
    fn invalid_answers_are_refused_when_encoding() {
        let m = example_manifest();
        let bad = [
            (0, Answer { selections: vec![] }),
            (0, Answer::single(3)),
            (1, Answer { selections: vec![s(2), s(0)] }),
            (1, Answer { selections: vec![s(0), s(1), s(2), s(3)] }),
            (2, Answer { selections: vec![s(1), s(1)] }),
            (0, Answer { selections: vec![Selection::WriteIn("x".into())] }),
            (2, Answer { selections: vec![Selection::WriteIn("this is far too long!".into())] }),
        ];
        for (c, a) in bad {
            assert!(matches!(a.to_padded_bytes(&m.contests[c]), Err(EncodingError::InvalidAnswer { .. })), "{a:?}");
        }
    }

    #[test]
    fn hostile_points_decode_to_invalid_not_panic() {
        let m = example_manifest();
        let c = &m.contests[2];
        // A random point is almost never an embedding.
        let r = crate::group::random_point(&mut OsRng);
        assert!(Answer::from_points(c, &[r]).is_err());
        // Valid embeddings of bad bytes: duplicate write-in codes, overrun, non-zero padding, bad UTF-8.
        let chunks: [&[u8]; 5] = [
            &[2, 0xff, 0xff, 0xff, 0xff, 1, b'a'],
            &[9, 0, 0],
            &[1, 0, 0, 0, 0, 7],
            &[1, 0xff, 0xff, 2, 0xc3, 0x28],
            &[1, 0xff, 0xff, 200],
        ];
        for bytes in chunks {
            let mut chunk = [0u8; CHUNK_BYTES];
            chunk[..bytes.len()].copy_from_slice(bytes);
            let p = embed_chunk(&chunk, &mut OsRng).unwrap();
            assert!(Answer::from_points(c, &[p]).is_err(), "{bytes:?}");
        }
        assert!(Answer::from_points(c, &[]).is_err());
    }

    proptest! {
        #[test]
        fn any_chunk_embeds_and_extracts(chunk in proptest::array::uniform30(any::<u8>())) {
            let p = embed_chunk(&chunk, &mut OsRng).unwrap();
            prop_assert_eq!(extract_chunk(&p.compress()).unwrap(), chunk);
        }

        #[test]
        fn any_approval_answer_round_trips(mask in 0u8..16) {
            let m = example_manifest();
            let c = &m.contests[1];
            let selections: Vec<_> = (0..4u16).filter(|i| mask & (1 << i) != 0).map(Selection::Option).collect();
            let a = Answer { selections };
            match a.to_points(c, &mut OsRng) {
                Ok(p) => prop_assert_eq!(Answer::from_points(c, &p), Ok(a)),
                Err(_) => prop_assert_eq!(mask.count_ones(), 4),
            }
        }

        #[test]
        fn any_bytes_decode_without_panic(bytes in proptest::collection::vec(any::<u8>(), 30)) {
            let m = example_manifest();
            for c in &m.contests {
                let _ = Answer::from_padded_bytes(c, &bytes);
            }
        }
    }
}
