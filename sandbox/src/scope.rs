//! The permissions (scopes) the sandbox's endpoints need, and a small set of them that the
//! fault settings can deny one by one, so a test can rehearse an app that may import
//! rewards but lacks, say, the contact scope the people lookup needs.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

/// One permission, as Feishu names it in a 99991672 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// `hire:external_referral_reward`: import and delete rewards.
    ExternalReferralReward,
    /// `hire:referral_account`: referral accounts.
    ReferralAccount,
    /// `contact:user.id:readonly`: users by e-mail or mobile.
    ContactUserId,
    /// `contact:user.employee_id:readonly`: the lookup's answer as `user_id`.
    ContactEmployeeId,
    /// `hire:talent:readonly`: talents by mobile or e-mail.
    HireTalent,
}

impl Scope {
    /// Every scope the sandbox knows.
    pub const ALL: [Scope; 5] = [
        Scope::ExternalReferralReward,
        Scope::ReferralAccount,
        Scope::ContactUserId,
        Scope::ContactEmployeeId,
        Scope::HireTalent,
    ];

    /// Feishu's name of the scope.
    pub fn name(self) -> &'static str {
        match self {
            Scope::ExternalReferralReward => "hire:external_referral_reward",
            Scope::ReferralAccount => "hire:referral_account",
            Scope::ContactUserId => "contact:user.id:readonly",
            Scope::ContactEmployeeId => "contact:user.employee_id:readonly",
            Scope::HireTalent => "hire:talent:readonly",
        }
    }

    /// The scope with this name; `None` for a name the sandbox does not know.
    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.name() == text.trim())
    }

    /// The error text for an unknown name, listing the known ones.
    pub fn unknown(text: &str) -> String {
        let names: Vec<&str> = Scope::ALL.iter().map(|s| s.name()).collect();
        format!("unknown scope {text:?}; use one of {}", names.join(", "))
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of scopes; `Copy`, so the fault settings stay a plain value. Written in JSON as a
/// list of names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScopeSet(u8);

impl ScopeSet {
    /// The empty set.
    pub const NONE: ScopeSet = ScopeSet(0);

    /// A set of these scopes.
    pub fn of(scopes: impl IntoIterator<Item = Scope>) -> ScopeSet {
        scopes
            .into_iter()
            .fold(ScopeSet::NONE, |set, s| ScopeSet(set.0 | s.bit()))
    }

    /// True when the set holds `scope`.
    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    /// True when the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The scopes in the set, in [`Scope::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |&s| self.contains(s))
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Scope::name).collect();
        if names.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&names.join(", "))
        }
    }
}

impl Serialize for ScopeSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for scope in self.iter() {
            seq.serialize_element(scope.name())?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for ScopeSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ScopeSet, D::Error> {
        struct Names;
        impl<'de> Visitor<'de> for Names {
            type Value = ScopeSet;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of scope names")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ScopeSet, A::Error> {
                let mut set = ScopeSet::NONE;
                while let Some(name) = seq.next_element::<String>()? {
                    let scope = Scope::parse(&name)
                        .ok_or_else(|| de::Error::custom(Scope::unknown(&name)))?;
                    set = ScopeSet(set.0 | scope.bit());
                }
                Ok(set)
            }
        }
        deserializer.deserialize_seq(Names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_round_trips_through_json_and_refuses_unknown_names() {
        let set = ScopeSet::of([Scope::HireTalent, Scope::ContactUserId]);
        assert!(set.contains(Scope::ContactUserId) && !set.contains(Scope::ReferralAccount));
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(
            json,
            r#"["contact:user.id:readonly","hire:talent:readonly"]"#
        );
        assert_eq!(serde_json::from_str::<ScopeSet>(&json).unwrap(), set);
        let err = serde_json::from_str::<ScopeSet>(r#"["contact:user"]"#).unwrap_err();
        assert!(err.to_string().contains("unknown scope"), "{err}");
        assert_eq!(ScopeSet::NONE.to_string(), "none");
        assert_eq!(
            Scope::parse("hire:talent:readonly"),
            Some(Scope::HireTalent)
        );
    }
}
