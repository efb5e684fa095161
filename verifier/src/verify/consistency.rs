//! `verifier consistency`: CS1–CS3 on two signed tree heads and the proof that links them (SPEC.md §14.4).

use super::*;

/// `verifier consistency --collector-key HEX OLD NEW PROOF`: CS1 the files decode, CS2 both heads verify under
/// the key and carry the same fingerprint (L1, L6), CS3 the proof links them (L4).
pub fn verify_consistency(
    collector_key: &str,
    fingerprint: Option<&str>,
    old: &Path,
    new: &Path,
    proof: &Path,
    progress: bool,
) -> Report {
    use protocol::log::SignedTreeHead;
    let mut report = Report::new(format!("consistency of {} → {}", old.display(), new.display()), progress);
    type Decoded = (ed25519_key::Key, SignedTreeHead, SignedTreeHead, protocol::log::ConsistencyProof);
    let decoded: Option<Decoded> = report.run(Check::CS1, || {
        let key = ed25519_key::decode(collector_key)?;
        let said = |e: FileFailure| e.to_string();
        let o: SignedTreeHead = parse_json(&old.display().to_string(), &read_file(old)?).map_err(said)?;
        let n: SignedTreeHead = parse_json(&new.display().to_string(), &read_file(new)?).map_err(said)?;
        let p: protocol::log::ConsistencyProof =
            parse_json(&proof.display().to_string(), &read_file(proof)?).map_err(said)?;
        let note = format!("sizes {} → {}, {} proof hashes", o.tree_size, n.tree_size, p.path.len());
        Ok(((key, o, n, p), note))
    });
    let Some((key, o, n, p)) = decoded else {
        report.not_run(Check::CS2, &[Check::CS1]);
        report.not_run(Check::CS3, &[Check::CS1]);
        return report;
    };
    report.run(Check::CS2, || {
        let expected = match fingerprint {
            Some(hex_fp) => {
                let bytes = protocol::group::hex_array(hex_fp, "fingerprint").map_err(|e| e.to_string())?;
                protocol::Fingerprint(bytes)
            }
            None => o.fingerprint,
        };
        o.verify(&key.0, &expected).map_err(|e| format!("{}: {e}", old.display()))?;
        n.verify(&key.0, &expected).map_err(|e| format!("{}: {e}", new.display()))?;
        Ok(((), format!("election fingerprint {}", expected.to_hex())))
    });
    report.run(Check::CS3, || {
        if p.first != o.tree_size || p.second != n.tree_size {
            return Err(format!(
                "the proof is for sizes {} → {}, the heads are {} → {}",
                p.first, p.second, o.tree_size, n.tree_size
            ));
        }
        protocol::log::verify_consistency(o.tree_size, n.tree_size, &o.root, &n.root, &p.path)
            .map_err(|e| e.to_string())?;
        Ok(((), format!("the tree of {} leaves extends the tree of {}", n.tree_size, o.tree_size)))
    });
    report
}

mod ed25519_key {
    /// The collector's verifying key, decoded and checked (not of small order).
    #[derive(Debug)]
    pub struct Key(pub ed25519_dalek::VerifyingKey);

    pub fn decode(hex_key: &str) -> Result<Key, String> {
        let bytes =
            protocol::group::hex_array(hex_key, "collector key").map_err(|e| format!("--collector-key: {e}"))?;
        protocol::credential::decode_verifying_key(&bytes, "collector key")
            .map(Key)
            .map_err(|e| format!("--collector-key: {e}"))
    }
}
