//! Every size limit of the protocol in one place (SPEC.md §4.3, §5.2, §9.1.1, §10): they keep each ballot small
//! and bound every decoder before it allocates. A limit changes the formats: a change here is a SPEC.md change.

/// Bytes of answer carried by one point (SPEC.md §5.2).
pub const CHUNK_BYTES: usize = 30;

/// Contests per manifest (SPEC.md §1.3, §4.1).
pub const MAX_CONTESTS: usize = 64;
/// Districts per manifest (SPEC.md §4.1 MF13); a district is a `u16` index in the binary forms.
pub const MAX_DISTRICTS: usize = 1024;
/// Options per contest (SPEC.md §1.3, §4.1).
pub const MAX_OPTIONS: usize = 1024;
/// Bytes of one text of a localized title (SPEC.md §1.3).
pub const MAX_TEXT_BYTES: usize = 4096;
/// Languages per localized text (SPEC.md §1.3).
pub const MAX_LANGUAGES: usize = 32;
/// Bytes of a write-in, UTF-8 (SPEC.md §1.3, §4.1).
pub const MAX_WRITE_IN_BYTES: u8 = 120;
/// Points (chunks, ciphertexts) per contest's answer (SPEC.md §1.3, §5.1 eq. (4)).
pub const MAX_CHUNKS: usize = 64;

/// The most mix stages a manifest may name.
pub const MAX_MIX_STAGES: usize = 64;

/// Largest number of trustees (and so of coefficients per trustee) any message may carry.
pub const MAX_TRUSTEES: usize = 255;

/// The most terms a Pedersen opening proof may carry (the largest threshold).
pub const MAX_TERMS: usize = 255;

/// The largest width (ciphertexts per row) a list may have.
pub const MAX_WIDTH: usize = 1024;
/// The most ciphertexts (`N·w`) in one list (2^27 = 134,217,728, SPEC.md §9.1.1): a national contest of a country
/// of 100 million voters (issue "National scale"; 2^24 before, 16.7 million, less than one French presidential
/// election). It also bounds what has one entry per ciphertext of a list: a partial decryption's shares and a
/// plaintext list (SPEC.md §10.8–§10.9). A decoder never allocates for a declared count before the bytes are
/// there, so the bound guards lengths, not memory.
pub const MAX_CIPHERTEXTS: usize = 1 << 27;
