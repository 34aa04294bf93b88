//! What every business call passes before its handler: the endpoint's rate limit (decided
//! on arrival, before anything else), the token check, then the injected faults
//! (permission denied, latency, 500, dropped connection). Also the outer layer that stamps
//! every answer with a unique `x-tt-logid` and counts it.
//!
//! Feishu does not document whether a request with a refused token counts against the
//! frequency limit; the sandbox is the strict server a client must survive: every arrival
//! it admits counts in the window, a refused token's included.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth;
use super::endpoint::Endpoint;
use super::reply::{LOGID_HEADER, Reply, code};
use super::scope::Scope;
use super::server::DropTrigger;

/// Middleware for one business endpoint.
pub async fn business(
    State((state, endpoint)): State<(AppState, Endpoint)>,
    request: Request,
    next: Next,
) -> Response {
    if let Err(throttled) = state.admit(endpoint) {
        return Reply::error(
            StatusCode::TOO_MANY_REQUESTS,
            code::RATE_LIMITED,
            "request trigger frequency limit",
        )
        .with_header("x-ogw-ratelimit-limit", throttled.limit)
        .with_header("x-ogw-ratelimit-reset", throttled.reset_secs)
        .into_response();
    }
    if let Err(reply) = auth::authorize(&state, request.headers()) {
        return reply.into_response();
    }
    let fate = state.next_fault(endpoint);
    if fate.deny {
        return permission_denied(fate.denied_scope.unwrap_or(endpoint.scope())).into_response();
    }
    if !fate.delay.is_zero() {
        state.stats(|s| s.delayed(fate.delay));
        tokio::time::sleep(fate.delay).await;
    }
    if fate.fail {
        state.stats(|s| s.failed(endpoint.key()));
        return Reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            code::SYSTEM_ERROR,
            "system error (sandbox: injected fault, nothing stored)",
        )
        .into_response();
    }
    let trigger = request.extensions().get::<DropTrigger>().cloned();
    let response = next.run(request).await;
    if fate.drop {
        if let Some(trigger) = trigger {
            state.stats(|s| s.dropped(endpoint.key()));
            trigger.fire();
            // Never answer: the connection task drops the connection, sending nothing.
            std::future::pending::<()>().await;
        }
        // Served without the sandbox's own connection loop (e.g. `app()` called directly):
        // a drop cannot be done, so say so instead of pretending the call went through.
        state.stats(|s| s.failed(endpoint.key()));
        return Reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            code::SYSTEM_ERROR,
            "system error (sandbox: drop fault without a droppable connection; the call was done)",
        )
        .into_response();
    }
    response
}

/// HTTP 400, code 99991672: the app lacks `scope`, named in the message as Feishu does.
pub fn permission_denied(scope: Scope) -> Reply {
    Reply::error(
        StatusCode::BAD_REQUEST,
        code::PERMISSION_DENIED,
        format!(
            "Access denied. One of the following scopes is required: [{scope}]. \
             应用尚未开通所需的应用身份权限：[{scope}]"
        ),
    )
}

/// Outer middleware: a unique `x-tt-logid` on every answer, and the per-status count.
pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // The sandbox's own endpoints (served or not) are not part of the API under test:
    // not counted.
    let counted = if request.uri().path().starts_with("/sandbox/") {
        None
    } else {
        match request.extensions().get::<MatchedPath>() {
            Some(p) => Some(format!("{} {}", request.method(), p.as_str())),
            None => Some("unrouted".to_owned()),
        }
    };
    let logid = state.new_logid();
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&logid) {
        response.headers_mut().insert(LOGID_HEADER, value);
    }
    if let Some(key) = counted {
        state.stats(|s| s.answered(key, response.status().as_u16()));
    }
    response
}

/// The answer for a path the sandbox does not serve.
pub async fn not_found(request: Request) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        code::NOT_FOUND,
        format!(
            "404 page not found: {} {}",
            request.method(),
            request.uri().path()
        ),
    )
}

/// The answer for a served path called with the wrong method.
pub async fn method_not_allowed(request: Request) -> Reply {
    Reply::error(
        StatusCode::METHOD_NOT_ALLOWED,
        code::NOT_FOUND,
        format!(
            "405 method not allowed: {} {}",
            request.method(),
            request.uri().path()
        ),
    )
}
