//! The sandbox's own switches, for tests and rehearsals driven from another process:
//! the fault settings (`GET` / `POST /sandbox/faults`) and token expiry
//! (`POST /sandbox/expire-tokens`). Not part of the API under test: never limited, never
//! faulted, never counted.

use axum::body::Bytes;
use axum::extract::State;

use super::AppState;
use super::faults::{FaultPatch, FaultSettings};
use super::params;
use super::reply::Reply;

/// `GET /sandbox/faults`: the settings in force.
pub async fn faults(State(state): State<AppState>) -> Reply {
    Reply::success("success", state.faults())
}

/// `POST /sandbox/faults` with any of `fail_rate`, `drop_rate`, `latency_ms`, `jitter_ms`,
/// `deny_permission`, `deny_scopes` (a list of scope names): changes those, restarts the
/// fault generator from the seed, and answers
/// with the settings now in force. A bad value is a 1002002 naming it, and changes nothing.
pub async fn change_faults(State(state): State<AppState>, body: Bytes) -> Result<Reply, Reply> {
    let patch: FaultPatch = params::json_body(&body)?;
    let settings: FaultSettings = state
        .change_faults(|current| patch.apply(current))
        .map_err(|e| Reply::param(format!("invalid field {}: {e}", e.field())))?;
    Ok(Reply::success("success", settings))
}

/// `POST /sandbox/expire-tokens`: every token issued so far is expired from now on.
pub async fn expire_tokens(State(state): State<AppState>) -> Reply {
    state.expire_tokens();
    Reply::success("success", serde_json::Map::new())
}
