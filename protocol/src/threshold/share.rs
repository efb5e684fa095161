//! Encryption of a share to its recipient's Ristretto key (SPEC.md §10.5 eq. (K6)): ephemeral Diffie–Hellman,
//! HKDF-SHA-256, ChaCha20-Poly1305.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::ChaCha20Poly1305;
use curve25519_dalek::Scalar;
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::codec::Writer;
use crate::group::GroupElement;

/// HKDF salt of the share key.
pub const SHARE_KEY_DOMAIN: &[u8] = b"rv/trustee/share-key/v1";
/// Length of an encrypted share pair: two 32-byte scalars `s ‖ s'` and a 16-byte tag.
pub const SEALED_LEN: usize = 80;

/// The context every share key and tag is bound to: `digest ‖ u16(dealer) ‖ u16(recipient) ‖ R ‖ E_j`.
fn context(digest: &[u8; 32], dealer: u16, recipient: u16, ephemeral: &GroupElement, key: &GroupElement) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(digest).u16(dealer).u16(recipient).element(ephemeral).element(key);
    w.finish()
}

fn cipher(shared: &GroupElement, info: &[u8]) -> ChaCha20Poly1305 {
    let hk = Hkdf::<Sha256>::new(Some(SHARE_KEY_DOMAIN), shared.compressed().as_bytes());
    let mut key = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA-256's limit of 255·32.
    let _ = hk.expand(info, key.as_mut());
    ChaCha20Poly1305::new((&*key).into())
}

/// Seals `share ‖ blinding` under the shared point `K = r·E_j = e_j·R`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn seal(
    shared: &GroupElement,
    digest: &[u8; 32],
    dealer: u16,
    recipient: u16,
    ephemeral: &GroupElement,
    key: &GroupElement,
    share: &Scalar,
    blinding: &Scalar,
) -> [u8; SEALED_LEN] {
    let ctx = context(digest, dealer, recipient, ephemeral, key);
    let nonce = [0u8; 12]; // one key per message: the ephemeral R is fresh
    let mut plain = Zeroizing::new([0u8; 64]);
    plain[..32].copy_from_slice(share.as_bytes());
    plain[32..].copy_from_slice(blinding.as_bytes());
    let mut out = [0u8; SEALED_LEN];
    if let Ok(ct) = cipher(shared, &ctx).encrypt((&nonce).into(), Payload { msg: plain.as_slice(), aad: &ctx }) {
        out.copy_from_slice(&ct);
    }
    out
}

/// Opens a sealed share pair; `None` if the tag fails or either half is not a canonical scalar.
pub(crate) fn open(
    shared: &GroupElement,
    digest: &[u8; 32],
    dealer: u16,
    recipient: u16,
    ephemeral: &GroupElement,
    key: &GroupElement,
    sealed: &[u8; SEALED_LEN],
) -> Option<(Scalar, Scalar)> {
    let ctx = context(digest, dealer, recipient, ephemeral, key);
    let nonce = [0u8; 12];
    let pt = Zeroizing::new(cipher(shared, &ctx).decrypt((&nonce).into(), Payload { msg: sealed, aad: &ctx }).ok()?);
    if pt.len() != 64 {
        return None;
    }
    let mut half = Zeroizing::new([0u8; 32]);
    half.copy_from_slice(&pt[..32]);
    let share = Option::from(Scalar::from_canonical_bytes(*half))?;
    half.copy_from_slice(&pt[32..]);
    let blinding = Option::from(Scalar::from_canonical_bytes(*half))?;
    Some((share, blinding))
}
