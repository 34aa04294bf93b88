//! Tenant access tokens as Feishu hands them out: the same token while it has more than 30
//! minutes left, a fresh one after that (both valid until each expires), and the token
//! error codes a business call gets for a missing, unknown or expired token.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::reply::{Reply, code};

/// Below this much remaining life the server issues a new token instead of the current one.
pub const REFRESH_WINDOW: Duration = Duration::from_secs(30 * 60);

/// What a presented token turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStatus {
    /// Issued and not yet expired.
    Valid,
    /// Never issued by this sandbox.
    Unknown,
    /// Issued, but past its expiry.
    Expired,
}

/// Every token issued, with its expiry, and the one currently handed out.
#[derive(Debug, Clone)]
pub struct Tokens {
    known: HashMap<String, Instant>,
    current: Option<String>,
    issued: u64,
    // Its own generator, so token requests do not shift the fault sequence.
    rng: StdRng,
}

impl Tokens {
    /// No tokens yet; token text drawn from a generator derived from `seed`.
    pub fn new(seed: u64) -> Tokens {
        Tokens {
            known: HashMap::new(),
            current: None,
            issued: 0,
            rng: StdRng::seed_from_u64(seed ^ 0x746f_6b65_6e73),
        }
    }

    /// The token to hand out at `now` and its remaining life in whole seconds.
    pub fn grant(&mut self, now: Instant, ttl: Duration) -> (String, u64) {
        if let Some(current) = &self.current
            && let Some(&expires) = self.known.get(current)
        {
            let left = expires.saturating_duration_since(now);
            if left > REFRESH_WINDOW {
                return (current.clone(), left.as_secs());
            }
        }
        let token = format!("t-{:032x}", self.rng.random::<u128>());
        self.known.insert(token.clone(), now + ttl);
        self.current = Some(token.clone());
        self.issued += 1;
        (token, ttl.as_secs())
    }

    /// Whether `token` is valid at `now`.
    pub fn status(&self, token: &str, now: Instant) -> TokenStatus {
        match self.known.get(token) {
            None => TokenStatus::Unknown,
            Some(&expires) if now >= expires => TokenStatus::Expired,
            Some(_) => TokenStatus::Valid,
        }
    }

    /// Expires every token issued so far; the next grant issues a new one.
    pub fn expire_all(&mut self, now: Instant) {
        for expires in self.known.values_mut() {
            *expires = (*expires).min(now);
        }
        self.current = None;
    }

    /// How many distinct tokens have been issued.
    pub fn issued(&self) -> u64 {
        self.issued
    }
}

#[derive(Deserialize)]
struct TokenRequest {
    app_id: Option<String>,
    app_secret: Option<String>,
}

#[derive(Serialize)]
struct TokenGrant<'a> {
    code: i64,
    msg: &'a str,
    tenant_access_token: &'a str,
    expire: u64,
}

/// `POST /open-apis/auth/v3/tenant_access_token/internal`. The body is read as JSON
/// whatever the `Content-Type` (the official SDKs send none).
pub async fn token(State(state): State<AppState>, body: Bytes) -> Reply {
    let bad = |code, msg: String| Reply::error(StatusCode::BAD_REQUEST, code, msg);
    let request: TokenRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return bad(
                code::AUTH_INVALID_PARAM,
                format!(
                    "invalid param: the body is not a JSON object with app_id and app_secret: {e}"
                ),
            );
        }
    };
    let (Some(app_id), Some(app_secret)) = (request.app_id, request.app_secret) else {
        return bad(
            code::AUTH_INVALID_PARAM,
            "invalid param: app_id and app_secret are required".into(),
        );
    };
    let settings = state.settings();
    if app_id != settings.app_id {
        return bad(
            code::AUTH_INVALID_PARAM,
            format!("invalid param: app_id {app_id:?} is not an app of this tenant"),
        );
    }
    if app_secret != settings.app_secret {
        return bad(code::AUTH_BAD_SECRET, "app secret invalid".into());
    }
    let now = state.clock().now();
    let (token, expire) = state.tokens(|t| t.grant(now, settings.token_ttl));
    Reply::json(
        StatusCode::OK,
        &TokenGrant {
            code: code::OK,
            msg: "ok",
            tenant_access_token: &token,
            expire,
        },
    )
}

/// Checks a business call's `Authorization: Bearer …` header.
pub fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), Reply> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err(Reply::error(
            StatusCode::BAD_REQUEST,
            code::TOKEN_MISSING,
            "Missing access token for authorization. Please make a request with token attached.",
        ));
    };
    let now = state.clock().now();
    match state.tokens(|t| t.status(token, now)) {
        TokenStatus::Valid => Ok(()),
        TokenStatus::Unknown => Err(Reply::error(
            StatusCode::BAD_REQUEST,
            code::TOKEN_INVALID,
            "Invalid access token for authorization. Please make a request with token attached.",
        )),
        // Feishu answers an expired token with HTTP 200: only the body code tells.
        TokenStatus::Expired => Err(Reply::error(
            StatusCode::OK,
            code::TOKEN_EXPIRED,
            "Authentication token expired. Please refresh the token.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_token_until_thirty_minutes_left_then_a_new_one() {
        let mut tokens = Tokens::new(1);
        let t0 = Instant::now();
        let ttl = Duration::from_secs(7200);
        let (a, expire) = tokens.grant(t0, ttl);
        assert_eq!(expire, 7200);
        let (again, left) = tokens.grant(t0 + Duration::from_secs(1000), ttl);
        assert_eq!((again.as_str(), left), (a.as_str(), 6200));
        let late = t0 + Duration::from_secs(7200 - 1799);
        let (b, expire) = tokens.grant(late, ttl);
        assert_ne!(a, b);
        assert_eq!(expire, 7200);
        assert_eq!(tokens.status(&a, late), TokenStatus::Valid);
        assert_eq!(tokens.status(&a, t0 + ttl), TokenStatus::Expired);
        assert_eq!(tokens.status(&b, t0 + ttl), TokenStatus::Valid);
        assert_eq!(tokens.status("t-nope", late), TokenStatus::Unknown);
        assert_eq!(tokens.issued(), 2);
    }
}
