//! The whole key ceremony in one process, every trustee honest: for tests, benchmarks and examples.
//!
//! **Never for an election.** Whoever runs this holds every trustee's secrets and could rebuild the election's
//! secret key; a real ceremony runs each trustee on its own machine (`tallier trustee …`). The messages and the
//! outcome are exactly those of a real ceremony, so everything downstream (decryption, the record, the verifier)
//! can be exercised with them.

use rand_core::{CryptoRng, RngCore};

use super::ceremony::{verify_ceremony, Roster};
use super::{
    Announcement, CeremonyOutcome, CeremonyParams, Commitment, Confirmation, Dealing, Signed, ThresholdError,
    TrusteeSecret,
};
use crate::elgamal::SecretKey;

/// Every file of a simulated ceremony, the secrets behind them and the outcome.
pub struct SimulatedCeremony {
    pub params: CeremonyParams,
    /// Trustee `j`'s secrets at index `j − 1` (absent trustees' too: generated, never used).
    pub secrets: Vec<TrusteeSecret>,
    pub announcements: Vec<Signed<Announcement>>,
    pub commitments: Vec<Signed<Commitment>>,
    pub dealings: Vec<Signed<Dealing>>,
    pub confirmations: Vec<Signed<Confirmation>>,
    pub roster: Roster,
    pub outcome: CeremonyOutcome,
}

impl core::fmt::Debug for SimulatedCeremony {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SimulatedCeremony({} of {}, <secrets redacted>)", self.params.t, self.params.n)
    }
}

impl SimulatedCeremony {
    /// Runs rounds 1–4 for every trustee not in `absent` (which never announce), in the order of a real
    /// ceremony, drawing every random value from `rng` (trustee by trustee within each round), and verifies the
    /// transcript. Any problem a trustee reports in round 4 is an error: the simulation is of honest trustees.
    pub fn run<R: RngCore + CryptoRng>(
        params: &CeremonyParams,
        absent: &[u16],
        rng: &mut R,
    ) -> Result<Self, ThresholdError> {
        let mut secrets = Vec::with_capacity(usize::from(params.n));
        for j in 1..=params.n {
            secrets.push(TrusteeSecret::generate(params, j, rng)?);
        }
        let here = |s: &&mut TrusteeSecret| !absent.contains(&s.trustee());
        let announcements: Vec<_> = secrets.iter_mut().filter(here).map(|s| s.announcement(params, rng)).collect();
        let roster = Roster::new(params, &announcements)?;
        let commitments =
            secrets.iter_mut().filter(here).map(|s| s.commitment(params, &roster)).collect::<Result<Vec<_>, _>>()?;
        let dealings = secrets
            .iter_mut()
            .filter(here)
            .map(|s| s.dealing(params, &roster, &commitments, rng))
            .collect::<Result<Vec<_>, _>>()?;
        let mut confirmations = Vec::new();
        for s in secrets.iter_mut().filter(here) {
            let (confirmation, mut problems) = s.confirm(params, &roster, &commitments, &dealings, rng)?;
            if !problems.is_empty() {
                return Err(problems.swap_remove(0));
            }
            confirmations.push(confirmation);
        }
        let outcome = verify_ceremony(params, &announcements, &commitments, &dealings, &confirmations)?;
        Ok(Self { params: *params, secrets, announcements, commitments, dealings, confirmations, roster, outcome })
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
