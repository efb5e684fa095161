//! The mathematics, one page per construction, with the equation numbers that the code and SPEC.md cite.

#[doc = include_str!("encoding.md")]
pub mod encoding {}
#[doc = include_str!("ballot-proof.md")]
pub mod ballot_proof {}
#[doc = include_str!("dleq.md")]
pub mod dleq {}
#[doc = include_str!("batching.md")]
pub mod batching {}
#[doc = include_str!("shuffle.md")]
pub mod shuffle {}
#[doc = include_str!("threshold.md")]
pub mod threshold {}
