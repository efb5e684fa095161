//! Voter-list changes (SPEC.md §4.7) as the observers' tools show them: why R3 cancelled a ballot (a paper vote,
//! or the officials' change that removed or moved its credential), read from `tally/revoked.json`'s `change` field
//! and the box's change at that leaf. [`protocol::tally::fate`] says `Revoked` for all three; this tells them apart.

use protocol::ballot_box::BallotBoxOf;
use protocol::tally::RevokedFile;
use protocol::voter_list::{Action, VoterListChange};

/// The box's change at `leaf`, decoded (`None` if no change of the box is at that leaf or it does not decode).
pub fn change_at<E, K>(bbox: &BallotBoxOf<E, K>, leaf: u64) -> Option<VoterListChange> {
    let entry = bbox.changes.iter().find(|c| c.leaf_index == leaf)?;
    VoterListChange::from_hex(&entry.change).ok()
}

/// Why R3 removed a ballot from the count (SPEC.md §14.3 R3, §4.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancellation {
    /// Its voter voted on paper (the revocation list).
    Paper,
    /// The officials' change at leaf `change` removed its credential from the voter list.
    Removed {
        /// The change's leaf.
        change: u64,
    },
    /// The officials' change at leaf `change` moved its credential to another district: the voter votes again,
    /// with a ballot of the new district.
    Moved {
        /// The change's leaf.
        change: u64,
    },
    /// `tally/revoked.json` names a change at leaf `change` that the box does not hold as a remove or a move
    /// (`verifier verify` fails V8 on such a record).
    Unknown {
        /// The leaf `tally/revoked.json` names.
        change: u64,
    },
}

impl Cancellation {
    /// Why the ballot at `leaf` was removed, by its entry of `tally/revoked.json` (`None` if it has none) and the
    /// box's change at the leaf the entry names.
    pub fn of<E, K>(leaf: u64, revoked: &RevokedFile, bbox: &BallotBoxOf<E, K>) -> Option<Self> {
        let entry = revoked.revoked.iter().find(|r| r.leaf_index == leaf)?;
        let Some(change) = entry.change else { return Some(Cancellation::Paper) };
        Some(match change_at(bbox, change).map(|c| c.action) {
            Some(Action::Remove) => Cancellation::Removed { change },
            Some(Action::Move) => Cancellation::Moved { change },
            Some(Action::Add) | None => Cancellation::Unknown { change },
        })
    }

    /// A stable name: `paper`, `removed`, `moved`, `change` (the published board's detail).
    pub fn code(self) -> &'static str {
        match self {
            Cancellation::Paper => "paper",
            Cancellation::Removed { .. } => "removed",
            Cancellation::Moved { .. } => "moved",
            Cancellation::Unknown { .. } => "change",
        }
    }

    /// The change's leaf, if a change cancelled the ballot.
    pub fn change(self) -> Option<u64> {
        match self {
            Cancellation::Paper => None,
            Cancellation::Removed { change } | Cancellation::Moved { change } | Cancellation::Unknown { change } => {
                Some(change)
            }
        }
    }

    /// The reason in words, after "NOT COUNTED: " or "REVOKED: ".
    pub fn words(self) -> String {
        match self {
            Cancellation::Paper => "the voter voted on paper, so no e-vote of theirs counts".into(),
            Cancellation::Removed { change } => {
                format!("removed from the voter list by the officials' change at leaf {change}")
            }
            Cancellation::Moved { change } => format!(
                "moved to another district by the officials' change at leaf {change}; vote again, with a ballot of \
                 the new district"
            ),
            Cancellation::Unknown { change } => format!(
                "cancelled by a voter-list change at leaf {change}, which the box does not hold as a remove or a \
                 move: run `verifier verify` on the record (check V8)"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn words_name_the_change() {
        assert!(Cancellation::Removed { change: 3 }
            .words()
            .contains("removed from the voter list by the officials' change at leaf 3"));
        assert!(Cancellation::Moved { change: 7 }
            .words()
            .contains("moved to another district by the officials' change at leaf 7; vote again"));
        assert!(Cancellation::Paper.words().contains("paper"));
        assert_eq!(Cancellation::Paper.change(), None);
        assert_eq!(Cancellation::Moved { change: 7 }.change(), Some(7));
    }
}
