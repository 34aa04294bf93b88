//! The states a reward row moves through in the ledger (SPEC §4).

use std::fmt;
use std::str::FromStr;

/// Where one external_id stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Valid and planned, not yet sent.
    Pending,
    /// Its request may have left: in doubt until the answer is recorded. Resent by the next run.
    Sending,
    /// The server holds it; `reward_id` is its id.
    Imported,
    /// The server refused it for good (its code and msg are kept); resent only with `--retry-failed`.
    Failed,
    /// The file's row broke a rule; checked again on every run.
    Invalid,
    /// Well-formed, but a person it names could not be resolved to a Feishu id; checked
    /// again every run.
    Unresolved,
    /// Imported, then its row changed in the file: reported, never sent (the server would ignore it).
    Conflict,
    /// A rollback's delete may have left: in doubt until its answer is recorded.
    Deleting,
    /// Deleted by a rollback; importing the row again creates a new reward.
    Deleted,
}

impl Status {
    /// Every state, in the order reports list them.
    pub const ALL: [Status; 9] = [
        Status::Pending,
        Status::Sending,
        Status::Imported,
        Status::Failed,
        Status::Invalid,
        Status::Unresolved,
        Status::Conflict,
        Status::Deleting,
        Status::Deleted,
    ];

    /// The name stored in the ledger and used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sending => "sending",
            Status::Imported => "imported",
            Status::Failed => "failed",
            Status::Invalid => "invalid",
            Status::Unresolved => "unresolved",
            Status::Conflict => "conflict",
            Status::Deleting => "deleting",
            Status::Deleted => "deleted",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// As its name, in JSON.
impl serde::Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| format!("unknown ledger state {}", crate::text::echo(s)))
    }
}
