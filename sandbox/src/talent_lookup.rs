//! Talents by mobile, e-mail or identity document:
//! `POST /open-apis/hire/v1/talents/batch_get_id` (people-and-more.md §2; the SDK's
//! `BatchGetIdTalentRequestBody` and `TalentBatchInfo`). The lists sent are combined with
//! AND (a talent must match every kind of list sent); a value with no talent is simply
//! absent; a value may match several talents.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::identity::{self, Handle};
use super::mobile::{self, MAINLAND};
use super::params;
use super::reply::{Reply, code};
use super::talents::{self, Talent, TalentPool};

/// The most values of one list a call may send (the documentation gives none; an older SDK
/// comment says 100; people-and-more.md says to keep calls at 50).
pub const MAX_PER_LIST: usize = 50;

/// The request body.
#[derive(Debug, Default, Deserialize)]
struct Body {
    mobile_code: Option<String>,
    mobile_number_list: Option<Vec<String>>,
    email_list: Option<Vec<String>>,
    identification_type: Option<i64>,
    identification_number_list: Option<Vec<String>>,
}

/// The SDK's `TalentBatchInfo`, with only the key kinds the request sent.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Found {
    /// The talent's id.
    pub talent_id: String,
    /// The mobile's country code, as the request gave it (default `86`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_code: Option<String>,
    /// The mobile number sent that matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_number: Option<String>,
    /// The e-mail sent that matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The document kind sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identification_type: Option<i64>,
    /// The document number sent that matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identification_number: Option<String>,
}

#[derive(Serialize)]
struct Data {
    talent_list: Vec<Found>,
}

/// One kind of list, checked: each value with its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Mobile,
    Email,
    Document(i64),
}

/// A checked request: per kind sent, its values as sent and their keys.
#[derive(Debug, Default)]
pub struct Query {
    mobile_code: String,
    lists: Vec<(Kind, Vec<(String, String)>)>,
}

/// The talent pool, whether it is exact, and how many talents were made up.
#[derive(Debug, Clone, Default)]
pub struct Talents {
    pool: TalentPool,
    strict: bool,
    made_up: usize,
    /// Mobiles (their keys) Feishu is to judge invalid: a call holding one is refused whole
    /// with 1002009, as Feishu refuses a number by rules it does not document.
    refused: std::collections::HashSet<String>,
}

impl Talents {
    /// The talents of `pool`; `strict` says the sandbox knows no one else.
    pub fn new(pool: TalentPool, strict: bool) -> Talents {
        Talents {
            pool,
            strict,
            made_up: 0,
            refused: Default::default(),
        }
    }

    /// Judges `number` (as a file writes it: `13800138001`, `+852 6123 4567`) an invalid
    /// mobile from now on: a lookup holding it is refused whole (1002009).
    pub fn refuse_mobile(&mut self, number: &str) {
        if let Some(key) = mobile::file_key("", number) {
            self.refused.insert(key);
        }
    }

    /// The first mobile of `query` judged invalid, as sent.
    fn refused_in(&self, query: &Query) -> Option<String> {
        query
            .lists
            .iter()
            .filter(|(kind, _)| *kind == Kind::Mobile)
            .flat_map(|(_, values)| values)
            .find(|(_, key)| self.refused.contains(key))
            .map(|(sent, _)| sent.clone())
    }

    /// Every talent known so far.
    pub fn pool(&self) -> &TalentPool {
        &self.pool
    }

    /// Adds a talent while the sandbox runs (HR entering a candidate between two imports);
    /// returns its index in the pool.
    pub fn add(&mut self, talent: Talent) -> usize {
        self.pool.push(talent)
    }

    /// How many talents were made up.
    pub fn made_up_count(&self) -> usize {
        self.made_up
    }

    /// The talents matching every kind of list in `query`, each once, in the order of the
    /// first list's values (then file order). Without a strict pool, a well-formed value no
    /// talent has is first given a made-up talent of its own.
    pub fn lookup(&mut self, query: &Query) -> Vec<Found> {
        if !self.strict {
            for (kind, values) in &query.lists {
                for (value, key) in values {
                    self.make_up_if_unknown(*kind, value, key);
                }
            }
        }
        let Some((first_kind, first_values)) = query.lists.first() else {
            return Vec::new();
        };
        let mut found: Vec<Found> = Vec::new();
        for (_, key) in first_values {
            for &index in self.holders(*first_kind, key) {
                let Some(talent) = self.pool.talents().get(index) else {
                    continue;
                };
                if found.iter().any(|f| f.talent_id == talent.talent_id) {
                    continue;
                }
                if let Some(entry) = self.entry(query, index, talent) {
                    found.push(entry);
                }
            }
        }
        found
    }

    /// The answer's entry for a talent that matches every list, else `None`.
    fn entry(&self, query: &Query, index: usize, talent: &Talent) -> Option<Found> {
        let mut entry = Found {
            talent_id: talent.talent_id.clone(),
            ..Found::default()
        };
        for (kind, values) in &query.lists {
            let (value, _) = values
                .iter()
                .find(|(_, key)| self.holders(*kind, key).contains(&index))?;
            match kind {
                Kind::Mobile => {
                    entry.mobile_code = Some(query.mobile_code.clone());
                    entry.mobile_number = Some(value.clone());
                }
                Kind::Email => entry.email = Some(value.clone()),
                Kind::Document(t) => {
                    entry.identification_type = Some(*t);
                    entry.identification_number = Some(value.clone());
                }
            }
        }
        Some(entry)
    }

    fn holders(&self, kind: Kind, key: &str) -> &[usize] {
        match kind {
            Kind::Mobile => self.pool.with_mobile_key(key),
            Kind::Email => self.pool.with_email(key),
            Kind::Document(t) => self.pool.with_document(t, key),
        }
    }

    fn make_up_if_unknown(&mut self, kind: Kind, value: &str, key: &str) {
        if !self.holders(kind, key).is_empty() {
            return;
        }
        if kind == Kind::Email && identity::well_formed(&Handle::Email(value)).is_err() {
            return;
        }
        let seed = match kind {
            Kind::Mobile => format!("mobile:{key}"),
            Kind::Email => format!("email:{}", key.to_lowercase()),
            Kind::Document(t) => format!("document:{t}:{key}"),
        };
        let mut attempt = 0;
        let talent_id = loop {
            let id = talents::made_up_id(&seed, attempt);
            if attempt >= 16 || !self.pool.has_id(&id) {
                break id;
            }
            attempt += 1;
        };
        let mut talent = Talent {
            talent_id,
            email: String::new(),
            mobile_code: String::new(),
            mobile_number: String::new(),
            identification_type: None,
            identification_number: String::new(),
        };
        match kind {
            // The key is the whole number (bare mainland, or `+CC…`): no separate code.
            Kind::Mobile => talent.mobile_number = key.to_owned(),
            Kind::Email => talent.email = value.to_owned(),
            Kind::Document(t) => {
                talent.identification_type = Some(t);
                talent.identification_number = key.to_owned();
            }
        }
        self.pool.push(talent);
        self.made_up += 1;
    }
}

/// Checks a request body: list lengths (1002002), the document kind (1002002), the mobiles
/// (1002009).
fn check(body: Body) -> Result<Query, Reply> {
    let lists = [
        ("mobile_number_list", &body.mobile_number_list),
        ("email_list", &body.email_list),
        (
            "identification_number_list",
            &body.identification_number_list,
        ),
    ];
    for (field, list) in lists {
        let n = list.as_ref().map_or(0, Vec::len);
        if n > MAX_PER_LIST {
            return Err(Reply::param(format!(
                "invalid field {field}: at most {MAX_PER_LIST} values a call, got {n}"
            )));
        }
    }
    let mobile_code = body
        .mobile_code
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| MAINLAND.to_owned());
    let mut query = Query {
        mobile_code: mobile_code.clone(),
        lists: Vec::new(),
    };
    if let Some(numbers) = body.mobile_number_list.filter(|l| !l.is_empty()) {
        let mut values = Vec::with_capacity(numbers.len());
        for number in numbers {
            let key = mobile::talent_key(&mobile_code, &number).map_err(|bad| {
                Reply::error(
                    StatusCode::BAD_REQUEST,
                    code::INVALID_MOBILE,
                    bad.to_string(),
                )
            })?;
            values.push((number, key));
        }
        query.lists.push((Kind::Mobile, values));
    }
    if let Some(emails) = body.email_list.filter(|l| !l.is_empty()) {
        let values = emails.into_iter().map(|e| (e.clone(), e)).collect();
        query.lists.push((Kind::Email, values));
    }
    if let Some(numbers) = body.identification_number_list.filter(|l| !l.is_empty()) {
        let Some(kind) = body.identification_type else {
            return Err(Reply::param(
                "invalid field identification_type: required with identification_number_list",
            ));
        };
        let values = numbers.into_iter().map(|n| (n.clone(), n)).collect();
        query.lists.push((Kind::Document(kind), values));
    }
    Ok(query)
}

/// `POST /open-apis/hire/v1/talents/batch_get_id`
pub async fn batch_get_id(State(state): State<AppState>, body: Bytes) -> Result<Reply, Reply> {
    let body: Body = params::json_body(&body)?;
    let query = check(body)?;
    if let Some(number) = state.talents(|t| t.refused_in(&query)) {
        return Err(Reply::error(
            StatusCode::BAD_REQUEST,
            code::INVALID_MOBILE,
            format!("invalid mobile number {number:?}"),
        ));
    }
    let talent_list = state.talents(|t| t.lookup(&query));
    Ok(Reply::success("success", Data { talent_list }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> TalentPool {
        let csv = "talent_id,email,mobile_code,mobile_number\n\
                   t1,a@cand.com,86,13800000001\n\
                   t2,a@cand.com,,+86 138 0000 0002\n\
                   t3,b@cand.com,86,13800000001\n";
        TalentPool::from_reader(csv.as_bytes()).unwrap()
    }

    fn query(json: &str) -> Query {
        check(serde_json::from_str(json).unwrap()).unwrap()
    }

    fn ids(found: &[Found]) -> Vec<&str> {
        found.iter().map(|f| f.talent_id.as_str()).collect()
    }

    #[test]
    fn lists_are_combined_with_and_and_a_value_may_match_several() {
        let mut talents = Talents::new(pool(), true);
        let by_email = talents.lookup(&query(r#"{"email_list":["A@cand.com","nobody@x.com"]}"#));
        assert_eq!(ids(&by_email), ["t1", "t2"]);
        assert_eq!(by_email[0].email.as_deref(), Some("A@cand.com"));
        assert_eq!(by_email[0].mobile_number, None, "only the key kinds sent");
        let both = talents.lookup(&query(
            r#"{"email_list":["a@cand.com"],"mobile_number_list":["13800000001"]}"#,
        ));
        assert_eq!(
            ids(&both),
            ["t1"],
            "t2 has another mobile, t3 another e-mail"
        );
        assert_eq!(both[0].mobile_code.as_deref(), Some("86"));
        assert_eq!(talents.made_up_count(), 0);
    }

    #[test]
    fn open_talents_are_made_up_once_per_value() {
        let mut talents = Talents::new(pool(), false);
        let first = talents.lookup(&query(r#"{"mobile_number_list":["13900000009"]}"#));
        let again = talents.lookup(&query(
            r#"{"mobile_code":"+86","mobile_number_list":["13900000009"]}"#,
        ));
        assert_eq!(first.len(), 1);
        assert_eq!(ids(&first), ids(&again));
        assert_eq!(again[0].mobile_code.as_deref(), Some("+86"));
        // Known values are not made up again; a malformed e-mail is not made up at all.
        talents.lookup(&query(r#"{"email_list":["a@cand.com","not-an-email"]}"#));
        assert_eq!(talents.made_up_count(), 1);
        let mut other = Talents::default();
        let elsewhere = other.lookup(&query(r#"{"mobile_number_list":["13900000009"]}"#));
        assert_eq!(ids(&elsewhere), ids(&first));
    }

    #[test]
    fn a_talent_added_while_running_is_found_by_the_next_lookup() {
        let mut talents = Talents::new(pool(), true);
        let lookup = r#"{"mobile_number_list":["13900000042"]}"#;
        assert!(talents.lookup(&query(lookup)).is_empty());
        talents.add(Talent {
            talent_id: "t42".into(),
            email: String::new(),
            mobile_code: "86".into(),
            mobile_number: "13900000042".into(),
            identification_type: None,
            identification_number: String::new(),
        });
        assert_eq!(ids(&talents.lookup(&query(lookup))), ["t42"]);
    }

    #[test]
    fn bad_requests_are_refused_with_their_codes() {
        let refused = |json: &str| {
            let reply = check(serde_json::from_str(json).unwrap()).unwrap_err();
            let response = axum::response::IntoResponse::into_response(reply);
            response.status()
        };
        let many: Vec<String> = (0..51).map(|i| format!("a{i}@x.com")).collect();
        let json = serde_json::json!({ "email_list": many }).to_string();
        assert_eq!(refused(&json), StatusCode::BAD_REQUEST);
        assert_eq!(
            refused(r#"{"identification_number_list":["1"]}"#),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            refused(r#"{"mobile_number_list":["139-0000"]}"#),
            StatusCode::BAD_REQUEST
        );
        assert!(check(serde_json::from_str("{}").unwrap()).is_ok());
    }
}
