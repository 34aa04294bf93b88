//! Reading request parameters (JSON bodies, query strings) into typed values, with
//! 1002002 errors that name the offending field, as Feishu's do.

use std::collections::HashMap;

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use serde::de::DeserializeOwned;

use super::directory::UserIdType;
use super::reply::Reply;

/// The query string as name → value (the last value wins).
pub type QueryMap = Result<Query<HashMap<String, String>>, QueryRejection>;

/// Parses a JSON body into `T`; the error names the field (`bonus.rule_type: invalid type…`).
pub fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, Reply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Reply::param(
            "the request body is empty; a JSON object is required",
        ));
    }
    let mut json = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut json).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        // "." is the top level; "?" a syntax error before any field was reached.
        if matches!(path.as_str(), "." | "?" | "") {
            Reply::param(format!("invalid request body: {inner}"))
        } else {
            Reply::param(format!("invalid field {path}: {inner}"))
        }
    })?;
    json.end()
        .map_err(|e| Reply::param(format!("invalid request body: {e}")))?;
    Ok(value)
}

/// The query parameters, or a 1002002 naming what is malformed.
pub fn query(query: QueryMap) -> Result<HashMap<String, String>, Reply> {
    query
        .map(|Query(map)| map)
        .map_err(|e| Reply::param(format!("invalid query string: {e}")))
}

/// `user_id_type` from the query: `open_id` when absent, an error naming it when unknown.
pub fn user_id_type(query: &HashMap<String, String>) -> Result<UserIdType, Reply> {
    match query.get("user_id_type") {
        None => Ok(UserIdType::default()),
        Some(text) => UserIdType::parse(text).ok_or_else(|| {
            Reply::param(format!(
                "invalid field user_id_type: {text:?}; use open_id, union_id or user_id"
            ))
        }),
    }
}
