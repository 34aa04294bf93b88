//! External referral rewards: the import endpoint (validated by the sandbox's own reading
//! of Feishu's page, [`RewardBody::check`], idempotent by `external_id`) and the delete
//! endpoint, over the [`RewardStore`] and the per-referrer [`Totals`] that the account
//! assets report.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;

use super::AppState;
use super::params::{self, QueryMap};
use super::reply::{Reply, code};
use super::reward_body::RewardBody;

pub use crate::store::reward_store::{RewardRecord, RewardStore, StoreFull};
pub use crate::store::totals::{Sum, Totals};

#[derive(Serialize)]
struct Created {
    id: String,
}

/// `POST /open-apis/hire/v1/external_referral_rewards?user_id_type=…`
pub async fn import(
    State(state): State<AppState>,
    query: QueryMap,
    body: Bytes,
) -> Result<Reply, Reply> {
    let query = params::query(query)?;
    let kind = params::user_id_type(&query)?;
    let body: RewardBody = params::json_body(&body)?;
    let problems = body.check();
    if !problems.is_empty() {
        let msg = problems
            .iter()
            .map(|p| format!("{}: {}", p.field, p.message))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(Reply::param(format!("invalid field {msg}")));
    }
    // Known, or made up on first sight; refused when malformed or (strict directory) unknown.
    let employee = state
        .people(|p| p.by_id("referral_user_id", kind, &body.referral_user_id))
        .map_err(|refusal| refusal.reply())?;
    let id = state
        .rewards(|store| store.import(body, employee, || state.new_id()))
        .map_err(|full| {
            Reply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                code::SYSTEM_ERROR,
                format!("system error (sandbox: {full}; nothing stored)"),
            )
        })?;
    Ok(Reply::success("success", Created { id: id.to_string() }))
}

/// `DELETE /open-apis/hire/v1/external_referral_rewards/:id`
pub async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> Result<Reply, Reply> {
    let not_found = || {
        Reply::param(format!(
            "invalid field id: no external referral reward has id {id:?}"
        ))
    };
    let number: u64 = id.parse().map_err(|_| not_found())?;
    if state.rewards(|store| store.delete(number)) {
        Ok(Reply::success("success", serde_json::Map::new()))
    } else {
        Err(not_found())
    }
}
