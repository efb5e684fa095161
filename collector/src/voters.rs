//! `GET /voters/{credential}`: the district of a credential on the voter list in force (the registry with the
//! officials' changes of the log, SPEC.md §4.7), so that the voting page shows the
//! voter exactly the contests of their district (SPEC.md §4.1, §8.2). The credential is the voter's public key
//! (`K`, 64 hexadecimal digits), which the public credential list (`credentials.json`) already pairs with its
//! district: the answer reveals nothing that list does not.
//!
//! * `200 {"district": D, "district_id": "north"}`: registered, in district number `D` of the manifest (from 0),
//!   whose id is `district_id`; `{"district": null, "district_id": null}` in an election without districts.
//! * `404 unknown_credential`: no such credential on the voter list in force (never registered, or removed).
//! * `400 invalid_credential`: not 64 hexadecimal digits, or not a valid public key.
//!
//! The page does not have to trust this answer: a ballot for another district than its credential's is refused
//! at the tally (SPEC.md §14.3 R1 `wrong_district`), and the second device shows the district the ballot names.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use protocol::credential::CredentialKey;
use protocol::manifest::Manifest;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/voters/{credential}", get(voter))
}

/// The answer of `GET /voters/{credential}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoterDistrict {
    /// The credential's district: its index in the manifest's `districts`; `null` without districts.
    pub district: Option<u16>,
    /// That district's `id` in the manifest; `null` without districts.
    pub district_id: Option<String>,
}

fn unknown() -> AppError {
    AppError::not_found(
        "unknown_credential",
        "this credential is not in the election's registry: check that it is the one on your own letter; if it is, \
         contact the election officials",
    )
}

/// The answer for a registry lookup's result (`None`: not registered; `Some(d)`: registered, in district `d`).
/// A district the manifest does not have (or a district in an election without districts, or none in one with
/// them) is the registry's inconsistency, not the voter's: `500 internal`.
pub fn answer(manifest: &Manifest, lookup: Option<Option<u16>>) -> Result<VoterDistrict, AppError> {
    match lookup {
        None => Err(unknown()),
        Some(district) => {
            protocol::ballot::check_district(manifest, district)
                .map_err(|e| AppError::internal(format!("the registry's district is not the manifest's: {e}")))?;
            let district_id = district.and_then(|d| manifest.districts.get(usize::from(d))).map(|d| d.id.clone());
            Ok(VoterDistrict { district, district_id })
        }
    }
}

async fn voter(State(state): State<AppState>, Path(credential): Path<String>) -> Result<Json<VoterDistrict>, AppError> {
    let invalid = || {
        AppError::bad_request(
            "invalid_credential",
            "a credential's public key is 64 hexadecimal digits, and a valid Ed25519 public key",
        )
    };
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(&credential, &mut bytes).map_err(|_| invalid())?;
    let key = CredentialKey::from_bytes(&bytes).map_err(|_| invalid())?;
    // The list in force, with the changes other processes appended (one indexed query, usually empty).
    let client = state.pool.get().await?;
    state.sync_voter_list(&client).await?;
    let lookup = state.district_of(&key);
    Ok(Json(answer(state.info.election.manifest(), lookup)?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn the_answer_names_the_credentials_district() {
        let m = protocol::manifest::example_manifest_districts();
        let south = m.district_index("south").unwrap();
        assert_eq!(
            answer(&m, Some(Some(south))).unwrap(),
            VoterDistrict { district: Some(south), district_id: Some("south".into()) }
        );
        let e = answer(&m, None).unwrap_err();
        assert_eq!((e.status, e.code), (StatusCode::NOT_FOUND, "unknown_credential"));
        // A registry that names no district, or one the manifest lacks: the collector's fault, not the voter's.
        for bad in [Some(None), Some(Some(3))] {
            assert_eq!(answer(&m, bad).unwrap_err().code, "internal");
        }
        let plain = protocol::manifest::example_manifest();
        assert_eq!(answer(&plain, Some(None)).unwrap(), VoterDistrict { district: None, district_id: None });
        assert_eq!(answer(&plain, Some(Some(0))).unwrap_err().code, "internal");
        assert_eq!(answer(&plain, None).unwrap_err().code, "unknown_credential");
    }
}
