//! The JSON decoders of the record's files (SPEC.md §13, §14) and of the log API's objects (§11.6) over arbitrary bytes, and over arbitrary JSON-ish
//! text: each returns `Ok` or `Err`, never panics.

use proptest::prelude::*;
use protocol::ballot_box::BallotBox;
use protocol::election::ElectionParameters;
use protocol::log::{ConsistencyProof, InclusionProof, Receipt, SignedTreeHead, WithBytes};
use protocol::record::{RecordIndex, RevocationList};
use protocol::tally::{AnswersFile, RejectedFile, ResultFile, RevokedFile, SupersededFile};
use protocol::threshold::ceremony::SignedClose;

fn decode_all(bytes: &[u8]) {
    let _ = serde_json::from_slice::<RecordIndex>(bytes);
    let _ = serde_json::from_slice::<ElectionParameters>(bytes);
    let _ = serde_json::from_slice::<BallotBox>(bytes);
    let _ = serde_json::from_slice::<RevocationList>(bytes);
    let _ = serde_json::from_slice::<RejectedFile>(bytes);
    let _ = serde_json::from_slice::<SupersededFile>(bytes);
    let _ = serde_json::from_slice::<RevokedFile>(bytes);
    let _ = serde_json::from_slice::<AnswersFile>(bytes);
    let _ = serde_json::from_slice::<ResultFile>(bytes);
    let _ = serde_json::from_slice::<SignedClose>(bytes);
    let _ = serde_json::from_slice::<WithBytes<SignedTreeHead>>(bytes);
    let _ = serde_json::from_slice::<WithBytes<Receipt>>(bytes);
    let _ = serde_json::from_slice::<WithBytes<InclusionProof>>(bytes);
    let _ = serde_json::from_slice::<WithBytes<ConsistencyProof>>(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = protocol::manifest::Manifest::from_json(text);
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        decode_all(&bytes);
    }

    #[test]
    fn arbitrary_json_like_text_never_panics(text in r#"[\{\}\[\]":,0-9a-fA-F_a-z \-.]{0,256}"#) {
        decode_all(text.as_bytes());
    }
}
