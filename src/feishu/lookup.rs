//! The two people lookups the importer makes before it plans: users by e-mail or mobile
//! (`contact/v3/users/batch_get_id`) and talents by e-mail or mobile
//! (`hire/v1/talents/batch_get_id`), their answers, and how a set of people is cut into
//! calls of at most [`MAX_BATCH`] values.
//!
//! Field names follow the official SDK's models (`lark-oapi` 1.7.5:
//! `batch_get_id_user_request_body.py`, `user_contact_info.py`, `user_status.py`,
//! `batch_get_id_talent_request_body.py`, `talent_batch_info.py`).

use std::collections::{BTreeMap, HashSet};

use reqwest::Method;
use serde::{Deserialize, Deserializer, Serialize};

use super::answer::parse_data;
use super::failure::Scope;
use super::request::{Family, Request, json_bytes};
use super::user_id_type::UserIdType;

const USERS_PATH: &str = "/open-apis/contact/v3/users/batch_get_id";
const TALENTS_PATH: &str = "/open-apis/hire/v1/talents/batch_get_id";

/// The most values of one kind a lookup call carries (the documented maximum of the user
/// lookup; the talent lookup documents none, so the same is kept there).
pub const MAX_BATCH: usize = 50;

/// Code of the talent lookup for an invalid mobile number: the call is refused whole.
pub const INVALID_MOBILE_CODE: i64 = 1002009;

/// Why a lookup call was not built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// More values of one kind than one call may carry.
    #[error("{len} {list} in one lookup call: at most {MAX_BATCH}")]
    TooLarge {
        /// The list: "e-mails" or "mobiles".
        list: &'static str,
        /// How many were given.
        len: usize,
    },
    /// Nothing to look up: an empty call could match everyone or be refused.
    #[error("a lookup call with nothing to look up")]
    Empty,
}

/// How a user was asked for, as the answer echoes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Contact {
    /// By e-mail.
    Email(String),
    /// By mobile (bare 11 digits for mainland China, else `+` and the country code).
    Mobile(String),
}

/// One entry of a user lookup's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserMatch {
    /// The e-mail or mobile this entry answers.
    pub contact: Contact,
    /// The user's id of the requested type; `None` when no user was found (unknown,
    /// outside the app's data range, resigned without `include_resigned`, a Feishu Mail
    /// address, or a missing scope).
    pub user_id: Option<String>,
    /// Employment flags, present only when the app may read employment data.
    pub status: Option<UserStatus>,
}

/// A user's employment flags; a flag the answer leaves out (or sends as null) reads false.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserStatus {
    /// Suspended.
    #[serde(default, deserialize_with = "null_as_false")]
    pub is_frozen: bool,
    /// Resigned.
    #[serde(default, deserialize_with = "null_as_false")]
    pub is_resigned: bool,
    /// Has activated the account.
    #[serde(default, deserialize_with = "null_as_false")]
    pub is_activated: bool,
    /// Left the organisation (voluntarily).
    #[serde(default, deserialize_with = "null_as_false")]
    pub is_exited: bool,
    /// Has not joined the organisation yet.
    #[serde(default, deserialize_with = "null_as_false")]
    pub is_unjoin: bool,
}

/// Which kind of value a talent lookup carries: one kind per call, since the server
/// combines lists with AND.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TalentKey {
    /// `email_list`.
    Email,
    /// `mobile_code` + `mobile_number_list`; the code is sent as given ("86" for mainland).
    Mobile {
        /// The country code without `+`.
        code: String,
    },
}

/// One talent a talent lookup returned. Several may share a value (duplicates in the
/// talent pool); a value with no talent is simply absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TalentMatch {
    /// The talent's id.
    pub talent_id: String,
    /// The e-mail it matched, when asked by e-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// The mobile's country code, when asked by mobile.
    #[serde(default)]
    pub mobile_code: Option<String>,
    /// The mobile it matched, when asked by mobile.
    #[serde(default)]
    pub mobile_number: Option<String>,
}

/// The user lookup's body; an empty list is left out.
#[derive(Serialize)]
struct UserBody<'a> {
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    emails: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    mobiles: &'a [String],
    include_resigned: bool,
}

/// The talent lookup's body: exactly one kind of list.
#[derive(Serialize)]
struct TalentBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    mobile_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mobile_number_list: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_list: Option<&'a [String]>,
}

/// `data` of the user lookup.
#[derive(Deserialize)]
struct UserList {
    #[serde(default, deserialize_with = "null_as_empty")]
    user_list: Vec<UserEntry>,
}

/// One `UserContactInfo`, as sent.
#[derive(Deserialize)]
struct UserEntry {
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    mobile: Option<String>,
    #[serde(default)]
    status: Option<UserStatus>,
}

/// `data` of the talent lookup.
#[derive(Deserialize)]
struct TalentList {
    #[serde(default, deserialize_with = "null_as_empty")]
    talent_list: Vec<TalentEntry>,
}

/// One `TalentBatchInfo`, as sent.
#[derive(Deserialize)]
struct TalentEntry {
    #[serde(default)]
    talent_id: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    mobile_code: Option<String>,
    #[serde(default)]
    mobile_number: Option<String>,
}

impl Request<Vec<UserMatch>> {
    /// Looks up users by e-mail and mobile (at most [`MAX_BATCH`] of each, not both empty);
    /// the answer holds one entry per value, found or not.
    pub fn batch_get_user_ids(
        emails: &[String],
        mobiles: &[String],
        include_resigned: bool,
        user_id_type: UserIdType,
    ) -> Result<Request<Vec<UserMatch>>, BatchError> {
        debug_assert!(
            emails.len() <= MAX_BATCH && mobiles.len() <= MAX_BATCH,
            "a user lookup of {} e-mails and {} mobiles: cut it with user_batches",
            emails.len(),
            mobiles.len()
        );
        check_size("e-mails", emails)?;
        check_size("mobiles", mobiles)?;
        if emails.is_empty() && mobiles.is_empty() {
            return Err(BatchError::Empty);
        }
        let body = UserBody {
            emails,
            mobiles,
            include_resigned,
        };
        Ok(Request {
            method: Method::POST,
            path: USERS_PATH.into(),
            query: vec![("user_id_type", user_id_type.as_str().into())],
            body: Some(json_bytes(&body)),
            scope: Scope::ContactUserId {
                employee_id: user_id_type == UserIdType::UserId,
            },
            family: Family::UserLookup,
            read: |data, log_id| {
                parse_data::<UserList>(data, "data.user_list", log_id)
                    .map(|list| list.user_list.into_iter().filter_map(user_match).collect())
            },
        })
    }
}

impl Request<Vec<TalentMatch>> {
    /// Looks up talents by one kind of value (at most [`MAX_BATCH`], at least one); the
    /// answer holds the talents found, several per value when the pool has duplicates.
    pub fn batch_get_talent_ids(
        kind: TalentKey,
        values: &[String],
    ) -> Result<Request<Vec<TalentMatch>>, BatchError> {
        let list = match kind {
            TalentKey::Email => "e-mails",
            TalentKey::Mobile { .. } => "mobiles",
        };
        debug_assert!(
            values.len() <= MAX_BATCH,
            "a talent lookup of {} {list}: cut it with talent_batches",
            values.len()
        );
        check_size(list, values)?;
        if values.is_empty() {
            return Err(BatchError::Empty);
        }
        let body = match &kind {
            TalentKey::Email => TalentBody {
                mobile_code: None,
                mobile_number_list: None,
                email_list: Some(values),
            },
            TalentKey::Mobile { code } => TalentBody {
                mobile_code: Some(code),
                mobile_number_list: Some(values),
                email_list: None,
            },
        };
        Ok(Request {
            method: Method::POST,
            path: TALENTS_PATH.into(),
            query: Vec::new(),
            body: Some(json_bytes(&body)),
            scope: Scope::Talent,
            family: Family::TalentLookup,
            read: |data, log_id| {
                parse_data::<TalentList>(data, "data.talent_list", log_id).map(|list| {
                    list.talent_list
                        .into_iter()
                        .filter_map(talent_match)
                        .collect()
                })
            },
        })
    }
}

/// Cuts distinct e-mails and mobiles into user lookup calls, each filled with up to
/// [`MAX_BATCH`] e-mails *and* up to [`MAX_BATCH`] mobiles. Repeated values are sent once;
/// order is kept.
pub fn user_batches(emails: &[String], mobiles: &[String]) -> Vec<(Vec<String>, Vec<String>)> {
    let emails = chunks(distinct(emails.iter()));
    let mobiles = chunks(distinct(mobiles.iter()));
    let calls = emails.len().max(mobiles.len());
    let (mut emails, mut mobiles) = (emails.into_iter(), mobiles.into_iter());
    (0..calls)
        .map(|_| {
            (
                emails.next().unwrap_or_default(),
                mobiles.next().unwrap_or_default(),
            )
        })
        .collect()
}

/// Cuts talent values into talent lookup calls: one kind of list per call (mobiles also
/// one country code per call), at most [`MAX_BATCH`] values each. Repeated values are sent
/// once; calls come e-mails first, then mobiles by country code.
pub fn talent_batches(values: &[(TalentKey, String)]) -> Vec<(TalentKey, Vec<String>)> {
    let mut by_kind: BTreeMap<&TalentKey, Vec<&String>> = BTreeMap::new();
    for (kind, value) in values {
        by_kind.entry(kind).or_default().push(value);
    }
    by_kind
        .into_iter()
        .flat_map(|(kind, values)| {
            chunks(distinct(values.into_iter()))
                .into_iter()
                .map(move |chunk| (kind.clone(), chunk))
        })
        .collect()
}

fn check_size(list: &'static str, values: &[String]) -> Result<(), BatchError> {
    if values.len() > MAX_BATCH {
        return Err(BatchError::TooLarge {
            list,
            len: values.len(),
        });
    }
    Ok(())
}

fn distinct<'a>(values: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut seen = HashSet::new();
    values
        .filter(|v| seen.insert(v.as_str()))
        .cloned()
        .collect()
}

fn chunks(values: Vec<String>) -> Vec<Vec<String>> {
    values.chunks(MAX_BATCH).map(<[String]>::to_vec).collect()
}

/// An answer entry as a match; one echoing neither an e-mail nor a mobile answers nothing
/// the caller asked and is dropped (the person is then looked up again next run).
fn user_match(entry: UserEntry) -> Option<UserMatch> {
    let contact = match (non_empty(entry.email), non_empty(entry.mobile)) {
        (Some(email), _) => Contact::Email(email),
        (None, Some(mobile)) => Contact::Mobile(mobile),
        (None, None) => return None,
    };
    Some(UserMatch {
        contact,
        user_id: non_empty(entry.user_id),
        status: entry.status,
    })
}

/// An answer entry as a talent; one without a talent id names no talent and is dropped.
fn talent_match(entry: TalentEntry) -> Option<TalentMatch> {
    Some(TalentMatch {
        talent_id: non_empty(entry.talent_id)?,
        email: non_empty(entry.email),
        mobile_code: non_empty(entry.mobile_code),
        mobile_number: non_empty(entry.mobile_number),
    })
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

/// `null` where a list is documented: an empty list.
fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// `null` where a flag is documented: false.
fn null_as_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    fn sizes(batches: &[(Vec<String>, Vec<String>)]) -> Vec<(usize, usize)> {
        batches.iter().map(|(e, m)| (e.len(), m.len())).collect()
    }

    #[test]
    fn a_hundred_and_one_emails_take_three_calls() {
        let batches = user_batches(&strings("u", 101), &[]);
        assert_eq!(sizes(&batches), vec![(50, 0), (50, 0), (1, 0)]);
        assert_eq!(batches[2].0, vec!["u100".to_string()]);
    }

    #[test]
    fn emails_and_mobiles_share_a_call() {
        let batches = user_batches(&strings("e", 30), &strings("m", 30));
        assert_eq!(sizes(&batches), vec![(30, 30)]);
        let batches = user_batches(&strings("e", 120), &strings("m", 60));
        assert_eq!(sizes(&batches), vec![(50, 50), (50, 10), (20, 0)]);
        assert!(user_batches(&[], &[]).is_empty());
    }

    #[test]
    fn repeated_values_are_looked_up_once_in_order() {
        let mut emails = strings("e", 60);
        emails.extend(strings("e", 60));
        let batches = user_batches(&emails, &["m".into(), "m".into()]);
        assert_eq!(sizes(&batches), vec![(50, 1), (10, 0)]);
        assert_eq!(batches[0].0[0], "e0");
        assert_eq!(batches[1].0[9], "e59");
    }

    #[test]
    fn talents_are_cut_by_kind_and_country_code() {
        let mainland = TalentKey::Mobile { code: "86".into() };
        let us = TalentKey::Mobile { code: "1".into() };
        let mut values: Vec<(TalentKey, String)> = Vec::new();
        for i in 0..60 {
            values.push((mainland.clone(), format!("1380000{i:04}")));
            values.push((TalentKey::Email, format!("t{i}@example.com")));
        }
        values.push((us.clone(), "2126668888".into()));
        values.push((TalentKey::Email, "t0@example.com".into()));
        let batches = talent_batches(&values);
        let shape: Vec<(TalentKey, usize)> =
            batches.iter().map(|(k, v)| (k.clone(), v.len())).collect();
        assert_eq!(
            shape,
            vec![
                (TalentKey::Email, 50),
                (TalentKey::Email, 10),
                (us, 1),
                (mainland.clone(), 50),
                (mainland, 10),
            ]
        );
        assert!(talent_batches(&[]).is_empty());
    }

    #[test]
    fn oversized_or_empty_calls_are_not_built() {
        assert_eq!(
            Request::batch_get_user_ids(&[], &[], false, UserIdType::OpenId).unwrap_err(),
            BatchError::Empty
        );
        assert_eq!(
            Request::batch_get_talent_ids(TalentKey::Email, &[]).unwrap_err(),
            BatchError::Empty
        );
        let too_many = strings("e", MAX_BATCH + 1);
        // Debug builds stop at the assertion; release builds get the typed error.
        let built = std::panic::catch_unwind(|| {
            Request::batch_get_user_ids(&too_many, &[], false, UserIdType::OpenId).map(|_| ())
        });
        assert_eq!(built.is_err(), cfg!(debug_assertions));
        if let Ok(result) = built {
            let expected = BatchError::TooLarge {
                list: "e-mails",
                len: 51,
            };
            assert_eq!(result, Err(expected));
        }
        let error = BatchError::TooLarge {
            list: "mobiles",
            len: 51,
        };
        assert_eq!(
            error.to_string(),
            "51 mobiles in one lookup call: at most 50"
        );
    }

    #[test]
    fn user_entries_read_found_missing_and_empty() {
        let data = r#"{"user_list":[
            {"user_id":"ou_1","email":"a@x.com","status":{"is_frozen":false,"is_resigned":true,
             "is_activated":true,"is_exited":false,"is_unjoin":false,"is_new":1}},
            {"email":"b@x.com"},
            {"user_id":"","mobile":"13011111111","extra":{"x":1}},
            {"user_id":"ou_4","mobile":"+12126668888","status":{"is_resigned":null}},
            {"user_id":"ou_5"}
        ]}"#;
        let list: UserList = serde_json::from_str(data).unwrap();
        let matches: Vec<UserMatch> = list.user_list.into_iter().filter_map(user_match).collect();
        assert_eq!(matches.len(), 4);
        assert_eq!(matches[0].contact, Contact::Email("a@x.com".into()));
        assert_eq!(matches[0].user_id.as_deref(), Some("ou_1"));
        let status = matches[0].status.unwrap();
        assert!(status.is_resigned && status.is_activated && !status.is_frozen);
        assert_eq!(matches[1].user_id, None);
        assert_eq!(matches[1].status, None);
        assert_eq!(matches[2].contact, Contact::Mobile("13011111111".into()));
        assert_eq!(matches[2].user_id, None);
        assert_eq!(matches[3].status, Some(UserStatus::default()));
        let empty: UserList = serde_json::from_str(r#"{"user_list":null}"#).unwrap();
        assert!(empty.user_list.is_empty());
        let absent: UserList = serde_json::from_str("{}").unwrap();
        assert!(absent.user_list.is_empty());
    }
}
