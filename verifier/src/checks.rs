//! Every check the verifier's commands report, in one list: its id (as SPEC.md numbers it), its name, and the
//! checks whose results it needs. Reports and tests name checks by this type, never by strings.

use serde::{Serialize, Serializer};

/// Declares [`Check`]: each variant with its id, name and needs, in one list (so the variants, [`Check::ALL`] and
/// the table cannot drift apart).
macro_rules! checks {
    ($($variant:ident => ($id:literal, $name:literal, [$($need:ident),*]),)*) => {
        /// One check of one of the verifier's commands.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Check {
            $(
                #[doc = $name]
                $variant,
            )*
        }

        impl Check {
            /// Every check, in the order of the list.
            pub const ALL: &'static [Check] = &[$(Check::$variant),*];

            fn row(self) -> (&'static str, &'static str, &'static [Check]) {
                match self {
                    $(Check::$variant => ($id, $name, &[$(Check::$need),*]),)*
                }
            }
        }
    };
}

checks! {
    // `verifier verify` (SPEC.md §14.4) and the trustee's check before decrypting (§14.3 Decrypt: V1′, V2′, then
    // V3–V10).
    V1 => ("V1", "record integrity", []),
    V1BeforeDecryption => ("V1′", "record files (before decryption)", []),
    V2 => ("V2", "election", [V1]),
    V2BeforeDecryption => ("V2′", "election and layout up to the mix (before decryption)", [V1BeforeDecryption]),
    V3 => ("V3", "key ceremony", [V1, V2]),
    V4 => ("V4", "credential registry", [V1, V2]),
    V5 => ("V5", "ballot log", [V1, V2, V4]),
    V6 => ("V6", "ballots", [V1, V2, V4, V5]),
    V7 => ("V7", "squash", [V1, V5, V6]),
    V8 => ("V8", "revocations", [V1, V2, V5, V7]),
    V9 => ("V9", "mix input", [V1, V2, V5, V8]),
    V10 => ("V10", "mix", [V1, V2]),
    V11 => ("V11", "decryption", [V1, V2, V3, V10]),
    V12 => ("V12", "decoding", [V1, V2]),
    V13 => ("V13", "count", [V1, V2, V12]),
    // `verifier receipt` (§14.4, after V1, V2, V4, V5).
    RC1 => ("RC1", "receipt decodes", []),
    RC2 => ("RC2", "receipt signed by the box's collector (L6, L2, L5, L3)", [RC1, V5]),
    RC3 => ("RC3", "the receipt's leaf is the box's leaf at its index", [RC1, V5]),
    RC4 => ("RC4", "the box's leaves rebuild the receipt's root (L4)", [RC1, V5]),
    RC5 => ("RC5", "the ballot's fate in the tally", [RC3, V1]),
    // `verifier consistency` (§14.4).
    CS1 => ("CS1", "key, tree heads and proof decode", []),
    CS2 => ("CS2", "both heads signed by the collector, same election (L1, L6)", [CS1]),
    CS3 => ("CS3", "the proof links the old head to the new (L4)", [CS1]),
    // `verifier ceremony` (§10.10).
    KC1 => ("KC1", "manifest loads; 1 ≤ t ≤ n", []),
    KC2 => ("KC2", "every ceremony file decodes strictly (one decoder per type)", [KC1]),
    KC3 => ("KC3", "announcements: at most one per trustee, at least t, signed, keys proven (C1–C4)", [KC2]),
    KC4 => ("KC4", "rounds 1–3 as the officials closed them: close signed, its files intact, dealings, complaints, QUAL (C4–C9)", [KC3]),
    KC5 => ("KC5", "reveals open the commitments; a missing or false one is rebuilt from t recoveries (C10–C11)", [KC4]),
    KC6 => ("KC6", "election key and verification keys derived from the transcript (K9, K10)", [KC5]),
    KC7 => ("KC7", "the published election key file matches the transcript", [KC6]),
    // `verifier decryption` (§10.10).
    DC1 => ("DC1", "list, partial decryptions and plaintexts decode", [KC6]),
    DC2 => ("DC2", "every partial decryption: signed, for this list, proof valid (C12–C14)", [DC1]),
    DC3 => ("DC3", "the plaintexts are the Lagrange combination of t partial decryptions (K13)", [DC2]),
    // `verifier mix` (§9.4.3).
    MC0 => ("MC0", "election file", []),
    MC1 => ("MC1", "the contest exists", [MC0]),
    MC2 => ("MC2", "each list decodes, each proof verifies, each stage signed by its mix server (as V10)", [MC1]),
    MC3 => ("MC3", "the number of stages is the manifest's", [MC1]),
}

impl Check {
    /// The id SPEC.md gives it.
    pub fn id(self) -> &'static str {
        self.row().0
    }

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// The checks whose results it reads (SPEC.md §14.4's "needs"; for the other commands, the checks before it).
    pub fn needs(self) -> &'static [Check] {
        self.row().2
    }

    /// The check with this id (`"V6"`, `"KC3"`, …).
    pub fn from_id(id: &str) -> Option<Check> {
        Self::ALL.iter().copied().find(|c| c.id() == id)
    }

    /// The record check `Vn` (1 ≤ n ≤ 13).
    pub fn record(n: usize) -> Option<Check> {
        use Check::*;
        [V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12, V13].get(n.checked_sub(1)?).copied()
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Check {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_needs_come_first() {
        let mut ids: Vec<&str> = Check::ALL.iter().map(|c| c.id()).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "two checks share an id");
        for (i, c) in Check::ALL.iter().enumerate() {
            for need in c.needs() {
                let j = Check::ALL.iter().position(|x| x == need).unwrap();
                assert!(
                    j < i || matches!(c, Check::RC2 | Check::RC3 | Check::RC4 | Check::RC5),
                    "{c} needs {need}, listed after it"
                );
            }
        }
    }
}
