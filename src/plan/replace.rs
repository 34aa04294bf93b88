//! Replacements (SPEC §7): what `--replace-changed` shows before it sends, each changed
//! row's old body against its new one, field by field. (The phase that deletes the earlier
//! rewards once Feishu holds their revisions is [`crate::phases::delete::Retire`].)

use serde::Serialize;
use serde_json::Value;

use crate::read::person::Contact;
use crate::reward::RewardBody;
use crate::text::echo;

/// How many replacements a plan shows field by field; the rest are counted.
pub const SHOWN: usize = 20;

/// One row to replace, as the plan shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Replacing {
    /// The file's external_id.
    pub external_id: String,
    /// Where it is in the file: `line 12`, or a workbook's `row 12`.
    pub at: String,
    /// The reward Feishu holds now: the original or an earlier revision.
    pub replaces: String,
    /// The revision that replaces it.
    pub revision: String,
    /// What changed, field by field (external_id aside).
    pub changes: Vec<Difference>,
}

/// One field whose value changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The field, dotted for nested ones (`bonus.cash.amount`).
    pub field: String,
    /// Its value in the body Feishu holds (None: absent).
    pub old: Option<String>,
    /// Its value in the file now (None: absent).
    pub new: Option<String>,
}

impl Replacing {
    /// The replacement of `replaces` (whose body is `old`, when the ledger has it) by
    /// `revision`, whose body is `new`.
    pub fn new(
        external_id: &str,
        at: String,
        replaces: &str,
        revision: &str,
        old: Option<&str>,
        new: &str,
    ) -> Replacing {
        Replacing {
            external_id: external_id.to_owned(),
            at,
            replaces: replaces.to_owned(),
            revision: revision.to_owned(),
            changes: old.map(|old| differences(old, new)).unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_owned());
        write!(
            f,
            "{}: {} → {}",
            self.field,
            shown(&self.old),
            shown(&self.new)
        )
    }
}

/// The fields whose values differ between two canonical bodies, those of the new body by
/// name, then those only the old one has; external_id is not a change.
pub fn differences(old: &str, new: &str) -> Vec<Difference> {
    let flat = |text: &str| {
        let mut fields = Vec::new();
        if let Ok(value) = serde_json::from_str::<Value>(text) {
            flatten("", &value, &mut fields);
        }
        fields
    };
    let (old, new) = (flat(old), flat(new));
    let find = |fields: &[(String, String)], name: &str| {
        fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.clone())
    };
    let mut changes: Vec<Difference> = new
        .iter()
        .filter(|(field, _)| field != "external_id")
        .filter_map(|(field, value)| {
            let before = find(&old, field);
            (before.as_deref() != Some(value.as_str())).then(|| Difference {
                field: field.clone(),
                old: before,
                new: Some(value.clone()),
            })
        })
        .collect();
    changes.extend(
        old.iter()
            .filter(|(field, _)| find(&new, field).is_none())
            .map(|(field, value)| Difference {
                field: field.clone(),
                old: Some(value.clone()),
                new: None,
            }),
    );
    changes
}

/// Every leaf of a JSON value as (dotted path, value as text: a string as it is).
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, value, out);
            }
        }
        Value::String(text) => out.push((prefix.to_owned(), text.clone())),
        leaf => out.push((prefix.to_owned(), leaf.to_string())),
    }
}

/// A changed row whose referrer is another person than the one Feishu holds the reward
/// for (SPEC §7): `--replace-changed` leaves it a conflict unless `--allow-referrer-change`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferrerChange {
    /// The referrer of the body Feishu holds.
    pub held: String,
    /// The referrer the row gives now.
    pub new: String,
    /// The e-mail or mobile the row names the new referrer by, when it does.
    pub contact: Option<Contact>,
}

impl ReferrerChange {
    /// The change of referrer from the recorded body `old` (canonical JSON) to `new`, if
    /// there is one. A recorded body that cannot be read names no referrer: no change.
    pub fn between(old: &str, new: &RewardBody, contact: Option<Contact>) -> Option<Self> {
        let value: Value = serde_json::from_str(old).ok()?;
        let held = value.get("referral_user_id")?.as_str()?;
        (held != new.referral_user_id).then(|| ReferrerChange {
            held: held.to_owned(),
            new: new.referral_user_id.clone(),
            contact,
        })
    }

    /// The summary's group for this pair of people: rows moving the same rewards from one
    /// person to another are counted together.
    pub fn key(&self) -> String {
        format!("referrer_changed:{}>{}", self.held, self.new)
    }
}

impl std::fmt::Display for ReferrerChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the referrer changed since it was imported: Feishu holds the reward for {}, the file now gives {}",
            echo(&self.held),
            echo(&self.new)
        )?;
        match &self.contact {
            Some(Contact::Email(email)) => write!(f, " (e-mail {})", echo(email))?,
            Some(Contact::Mobile(mobile)) => write!(f, " (mobile {})", echo(&mobile.to_string()))?,
            None => {}
        }
        f.write_str(
            "; --replace-changed does not move a reward to another person: pass --allow-referrer-change as well if the new referrer is right",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_each_changed_field_dotted_and_ignore_the_external_id() {
        let old = r#"{"referral_user_id":"ou_a","external_id":"R1","rule_type":1,"bonus":{"bonus_type":2,"cash":{"currency_type":"CNY","amount":1000}},"stage":2,"create_time":"1","confirm_time":"2"}"#;
        let new = r#"{"referral_user_id":"ou_a","external_id":"R1~r2","rule_type":1,"bonus":{"bonus_type":2,"cash":{"currency_type":"CNY","amount":1200}},"stage":3,"create_time":"1","pay_time":"9"}"#;
        let shown: Vec<String> = differences(old, new)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            shown,
            [
                "bonus.cash.amount: 1000 → 1200",
                "pay_time: (none) → 9",
                "stage: 2 → 3",
                "confirm_time: 2 → (none)",
            ]
        );
        assert!(differences(old, old).is_empty());
    }

    #[test]
    fn a_referrer_change_names_both_people_and_the_contact() {
        let old = r#"{"referral_user_id":"ou_a","external_id":"R1","rule_type":1,"bonus":{"bonus_type":1,"point_bonus":100},"stage":3}"#;
        let body = |referrer: &str| {
            let mut body: RewardBody = serde_json::from_str(old).unwrap();
            body.referral_user_id = referrer.to_owned();
            body
        };
        assert_eq!(ReferrerChange::between(old, &body("ou_a"), None), None);
        let email = Some(Contact::Email("x@example.com".into()));
        let moved = ReferrerChange::between(old, &body("ou_b"), email).unwrap();
        assert_eq!(moved.key(), "referrer_changed:ou_a>ou_b");
        assert_eq!(
            moved.to_string(),
            "the referrer changed since it was imported: Feishu holds the reward for \"ou_a\", the file now gives \"ou_b\" (e-mail \"x@example.com\"); --replace-changed does not move a reward to another person: pass --allow-referrer-change as well if the new referrer is right"
        );
        assert_eq!(
            ReferrerChange::between("not json", &body("ou_b"), None),
            None
        );
    }
}
