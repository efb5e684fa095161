//! The key ceremony: Gennaro–Jarecki–Krawczyk–Rabin's New-DKG (SPEC.md §10.3–§10.7), with verifiable
//! complaints, an officials' close that fixes the qualified set, and public reconstruction of a withheld
//! contribution.
//!
//! Rounds, each a signed file:
//! 1. [`Announcement`] (trustee `i`): the signing key and a share-encryption key `E_i = e_i·G` with a Schnorr
//!    proof. The trustees who announce form the [`Roster`] (at least `t`).
//! 2. [`Dealing`] (trustee `i`): *Pedersen* commitments `P_{i,k} = a_{i,k}·G + b_{i,k}·H` to two random polynomials
//!    `f_i`, `f'_i` of degree `t − 1` (eq. (K1)), and for every other trustee `j` of the roster the pair
//!    `(s_{i,j}, s'_{i,j}) = (f_i(j), f'_i(j))` encrypted to `E_j` (eq. (K2), (K6)). Pedersen commitments hide
//!    `a_{i,0}` perfectly: nothing about the election key can be learnt from this round.
//! 3. [`Confirmation`] (trustee `j`): the digest of the dealings received, and a verifiable complaint for every
//!    share that fails `s·G + s'·H = Σ_k j^k·P_{i,k}` (eq. (K8)).
//! 4. [`Close`] (the officials, with the manifest's officials key): the files of rounds 1–3 that count, by digest.
//!    This fixes QUAL before anything about the key is public; a file that arrives later is ignored.
//! 5. [`Reveal`] (each trustee `i` of QUAL): the Feldman values `A_{i,k} = a_{i,k}·G` with a proof that they
//!    open the Pedersen commitments (eq. (K7), [`crate::proofs::opening`]).
//! 6. [`Recovery`] (trustee `j`, only for a QUAL trustee whose reveal is missing or wrong): `(s_{i,j}, s'_{i,j})`
//!    in clear; any `t` of them, each checked by (K8), rebuild `f_i`, so a withheld contribution is *recovered*,
//!    never dropped.
//!
//! [`verify_ceremony`] derives, from these files alone, QUAL, the election key `Y = Σ_{i∈QUAL} A_{i,0}` (eq. (K9))
//! and every verification key `Y_j = Σ_{i∈QUAL} Σ_k j^k·A_{i,k}` (eq. (K10)).
//!
//! Why no one can bias `Y` (GJKR 2007, Thm. 2, adapted in `crate::notes::threshold`): QUAL is fixed by the
//! close, at a time when every honest trustee's contribution is hidden by its Pedersen commitments; after the
//! close each QUAL trustee's `a_{i,0}` is fixed by the honest trustees' shares (binding), and a trustee who
//! withholds or falsifies its reveal gets the same `a_{i,0}` recovered.
//!
//! The parts, each in its own module: the messages and their encoding (`messages`), the roster (`roster`), the
//! polynomials (`poly`), the files of a ceremony directory (`files`), the public checks C4–C11 and the outcome
//! (`checks`), and the trustee's secret side (`trustee`). Everything public is re-exported here.

mod checks;
mod files;
mod messages;
mod poly;
mod roster;
mod trustee;

pub use checks::{
    check_dealing, check_reveal, check_share, judge_complaint, verify_ceremony, CeremonyOutcome, ClosedCeremony,
    Qualification,
};
pub use files::{CeremonyFileError, CeremonyFiles, CLOSE_FILE};
pub use messages::{
    dealings_digest, file_digest, pedersen_h, Announcement, Close, Complaint, Confirmation, Dealing, DisclosedShare,
    EncryptedShare, FileRef, Recovery, Reveal, SignedClose, ANNOUNCEMENT_KIND, CLOSE_KIND, COMPLAINT_DOMAIN,
    CONFIRMATION_KIND, DEALINGS_DOMAIN, DEALING_KIND, ENCRYPTION_KEY_DOMAIN, FILE_DOMAIN, PEDERSEN_LABEL,
    PEDERSEN_SEED, RECOVERY_KIND, REVEAL_DOMAIN, REVEAL_KIND, ROSTER_DOMAIN,
};
pub use roster::{list_trustees, Roster};
pub use trustee::TrusteeSecret;
