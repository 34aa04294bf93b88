//! Users by e-mail or mobile: `POST /open-apis/contact/v3/users/batch_get_id`
//! (people-and-more.md §1; the SDK's `BatchGetIdUserRequestBody`, `UserContactInfo` and
//! `UserStatus`). One entry per e-mail and then one per mobile, in the order sent; a person
//! not found is an entry with no `user_id`, as Feishu answers.

use axum::body::Bytes;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::directory::UserIdType;
use super::gate;
use super::params::{self, QueryMap};
use super::people::People;
use super::reply::Reply;
use super::scope::Scope;

/// The most e-mails, and the most mobiles, one call may send.
pub const MAX_PER_LIST: usize = 50;

/// The request body.
#[derive(Debug, Default, Deserialize)]
struct Body {
    emails: Option<Vec<String>>,
    mobiles: Option<Vec<String>>,
    include_resigned: Option<bool>,
}

/// The SDK's `UserContactInfo`.
#[derive(Debug, Serialize)]
struct Entry {
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mobile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<Status>,
}

/// The SDK's `UserStatus`.
#[derive(Debug, Serialize)]
struct Status {
    is_frozen: bool,
    is_resigned: bool,
    is_activated: bool,
    is_exited: bool,
    is_unjoin: bool,
}

impl Status {
    fn of(resigned: bool) -> Status {
        Status {
            is_frozen: false,
            is_resigned: resigned,
            is_activated: !resigned,
            is_exited: false,
            is_unjoin: false,
        }
    }
}

#[derive(Serialize)]
struct Data {
    user_list: Vec<Entry>,
}

/// `POST /open-apis/contact/v3/users/batch_get_id?user_id_type=…`
pub async fn batch_get_id(
    State(state): State<AppState>,
    query: QueryMap,
    body: Bytes,
) -> Result<Reply, Reply> {
    let query = params::query(query)?;
    let kind = params::user_id_type(&query)?;
    // Answering with user_ids needs one more scope (people-and-more.md §1).
    if kind == UserIdType::UserId
        && state
            .faults()
            .deny_scopes
            .contains(Scope::ContactEmployeeId)
    {
        return Err(gate::permission_denied(Scope::ContactEmployeeId));
    }
    let body: Body = params::json_body(&body)?;
    let emails = body.emails.unwrap_or_default();
    let mobiles = body.mobiles.unwrap_or_default();
    for (field, list) in [("emails", &emails), ("mobiles", &mobiles)] {
        if list.len() > MAX_PER_LIST {
            return Err(Reply::field_violation(
                field,
                &list.len().to_string(),
                &format!("at most {MAX_PER_LIST} values a call, got {}", list.len()),
            ));
        }
    }
    let include_resigned = body.include_resigned.unwrap_or(false);
    let user_list = state.people(|people| {
        let mut list = Vec::with_capacity(emails.len() + mobiles.len());
        for email in &emails {
            let hit = people.lookup_email(email, include_resigned);
            list.push(entry(found(people, kind, hit), Some(email), None));
        }
        for mobile in &mobiles {
            let hit = people.lookup_mobile(mobile, include_resigned);
            list.push(entry(found(people, kind, hit), None, Some(mobile)));
        }
        list
    });
    Ok(Reply::success("success", Data { user_list }))
}

/// The id (of the requested type) and resignation of the employee found, if any.
fn found(people: &People, kind: UserIdType, index: Option<usize>) -> Option<(String, bool)> {
    let i = index?;
    let employee = people.directory().get(i)?;
    Some((
        employee.id(kind).to_owned(),
        people.directory().is_resigned(i),
    ))
}

fn entry(found: Option<(String, bool)>, email: Option<&String>, mobile: Option<&String>) -> Entry {
    let (user_id, status) = match found {
        Some((id, resigned)) => (Some(id), Some(Status::of(resigned))),
        None => (None, None),
    };
    Entry {
        user_id,
        email: email.cloned(),
        mobile: mobile.cloned(),
        status,
    }
}
