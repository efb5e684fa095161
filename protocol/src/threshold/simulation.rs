//! The whole key ceremony in one process, every trustee honest: for tests, benchmarks and examples.
//!
//! **Never for an election.** Whoever runs this holds every trustee's secrets and could rebuild the election's
//! secret key; a real ceremony runs each trustee on its own machine (`tallier trustee …`). The messages and the
//! outcome are exactly those of a real ceremony, so everything downstream (decryption, the record, the verifier)
//! can be exercised with them.

use ed25519_dalek::SigningKey;
use rand_core::{CryptoRng, RngCore};

use super::ceremony::{verify_ceremony, CeremonyFiles, ClosedCeremony, Roster, SignedClose};
use super::{CeremonyOutcome, CeremonyParams, ThresholdError, TrusteeSecret};
use crate::elgamal::SecretKey;

/// The example officials' signing key ([`crate::roles::example_role_secrets`]: public, anyone can sign with it).
pub fn example_officials() -> SigningKey {
    crate::roles::example_role_secrets(0).officials
}

/// Ceremony parameters for tests and benchmarks: `digest`, `n`, `t` and the example officials' key.
pub fn example_params(digest: [u8; 32], n: u16, t: u16) -> Result<CeremonyParams, ThresholdError> {
    CeremonyParams::new(digest, n, t, crate::roles::RoleKey::from_verifying_key(example_officials().verifying_key())?)
}

/// Every file of a simulated ceremony, the secrets behind them and the outcome.
pub struct SimulatedCeremony {
    /// The parameters it ran under.
    pub params: CeremonyParams,
    /// Trustee `j`'s secrets at index `j − 1` (absent trustees' too: generated, never used).
    pub secrets: Vec<TrusteeSecret>,
    /// Every signed file of rounds 1–5 (no recovery: every trustee of QUAL reveals).
    pub files: CeremonyFiles,
    /// The roster of the announcements (check C4).
    pub roster: Roster,
    /// What [`verify_ceremony`] derives from `files` (SPEC.md §10.7).
    pub outcome: CeremonyOutcome,
}

impl core::fmt::Debug for SimulatedCeremony {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SimulatedCeremony({} of {}, <secrets redacted>)", self.params.t, self.params.n)
    }
}

impl SimulatedCeremony {
    /// Runs every round for every trustee not in `absent` (which never announce), in the order of a real
    /// ceremony, the officials closing rounds 1–3 with `officials` (the manifest's officials key), drawing every
    /// random value from `rng` (trustee by trustee within each round), and verifies the transcript. Any problem a
    /// trustee reports in round 3 is an error: the simulation is of honest trustees.
    pub fn run<R: RngCore + CryptoRng>(
        params: &CeremonyParams,
        officials: &SigningKey,
        absent: &[u16],
        rng: &mut R,
    ) -> Result<Self, ThresholdError> {
        let mut secrets = Vec::with_capacity(usize::from(params.n));
        for j in 1..=params.n {
            secrets.push(TrusteeSecret::generate(params, j, rng)?);
        }
        let here = |s: &&mut TrusteeSecret| !absent.contains(&s.trustee());
        let mut files = CeremonyFiles {
            announcements: secrets.iter_mut().filter(here).map(|s| s.announcement(params, rng)).collect(),
            ..CeremonyFiles::default()
        };
        let roster = Roster::new(params, &files.announcements)?;
        files.dealings =
            secrets.iter_mut().filter(here).map(|s| s.dealing(params, &roster, rng)).collect::<Result<Vec<_>, _>>()?;
        for s in secrets.iter_mut().filter(here) {
            let (confirmation, mut problems) = s.confirm(params, &roster, &files.dealings, rng)?;
            if !problems.is_empty() {
                return Err(problems.swap_remove(0));
            }
            files.confirmations.push(confirmation);
        }
        let (close, _) =
            SignedClose::sign(params, officials, &files.announcements, &files.dealings, &files.confirmations)?;
        files.close = Some(close);
        let closed = ClosedCeremony::check(params, &files)?;
        for s in secrets.iter_mut().filter(here) {
            if closed.qualification.qualified.contains(&s.trustee()) {
                files.reveals.push(s.reveal(params, &closed, rng)?);
            }
        }
        let outcome = verify_ceremony(params, &files)?;
        Ok(Self { params: *params, secrets, files, roster, outcome })
    }
    /// [`run`](Self::run) closed by the example officials' key (parameters from [`example_params`]).
    pub fn example<R: RngCore + CryptoRng>(
        params: &CeremonyParams,
        absent: &[u16],
        rng: &mut R,
    ) -> Result<Self, ThresholdError> {
        Self::run(params, &example_officials(), absent, rng)
    }

    /// Trustee `j`'s secrets.
    pub fn secret(&self, trustee: u16) -> Result<&TrusteeSecret, ThresholdError> {
        usize::from(trustee)
            .checked_sub(1)
            .and_then(|i| self.secrets.get(i))
            .ok_or(ThresholdError::UnknownTrustee { trustee })
    }

    /// Trustee `j`'s key share `x_j` (eq. (K10')).
    pub fn key_share(&self, trustee: u16) -> Result<SecretKey, ThresholdError> {
        self.secret(trustee)?.key_share(&self.outcome)
    }
}
