//! The tenant access token: fetched from the token endpoint, cached, refreshed before it
//! runs out, and dropped when the server refuses it — with one fetch in flight at a time.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::answer::{Endpoint, Verdict, classify};
use super::failure::Failure;
use super::target::{Secret, Target};
use super::transport::{JSON_CONTENT_TYPE, exchange};

/// The token endpoint of self-built apps.
pub(crate) const TOKEN_PATH: &str = "/open-apis/auth/v3/tenant_access_token/internal";

/// The server hands out a new token once the old one has under 30 minutes left.
const REFRESH_MARGIN: Duration = Duration::from_secs(30 * 60);

/// No token is trusted for longer than this, whatever `expire` says.
const LONGEST_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A tenant access token. Debug shows `***`: it must never reach a log.
#[derive(Clone)]
pub struct Token {
    text: Arc<str>,
    /// When the fetch that got it was sent: a token asked for before a refusal may have
    /// been revoked with the one refused, so only a later one proves the credentials wrong.
    asked_at: Instant,
}

impl PartialEq for Token {
    fn eq(&self, other: &Token) -> bool {
        self.text == other.text
    }
}

impl Eq for Token {}

impl Token {
    fn new(text: &str) -> Token {
        Token {
            text: text.into(),
            asked_at: Instant::now(),
        }
    }

    /// A made-up token, for tests that never send it.
    #[cfg(test)]
    pub(crate) fn for_tests(text: &str) -> Token {
        Token::new(text)
    }

    /// The token text, for the Authorization header only.
    pub(crate) fn expose(&self) -> &str {
        &self.text
    }

    /// When the request that got this token was sent.
    pub(crate) fn asked_at(&self) -> Instant {
        self.asked_at
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// The cached token and when to stop using it.
struct Cached {
    token: Token,
    refresh_at: Instant,
    expires_at: Instant,
}

/// The token cache shared by every clone of a client.
#[derive(Default)]
pub(crate) struct TokenCache {
    current: std::sync::Mutex<Option<Cached>>,
    /// Held while a fetch is in flight, so concurrent callers wait and reuse its result.
    fetching: tokio::sync::Mutex<()>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &*self.lock() {
            Some(c) if c.refresh_at > Instant::now() => "fresh",
            Some(_) => "due for refresh",
            None => "none",
        };
        f.debug_struct("TokenCache").field("token", &state).finish()
    }
}

impl TokenCache {
    /// The cached token if it is not yet due for refresh.
    fn fresh(&self) -> Option<Token> {
        self.lock()
            .as_ref()
            .filter(|c| Instant::now() < c.refresh_at)
            .map(|c| c.token.clone())
    }

    /// The newest cached token while it is still valid, even if due for refresh (a request
    /// that waited long for its slot may hold an older one); never fetches.
    pub(crate) fn newest(&self) -> Option<Token> {
        self.lock()
            .as_ref()
            .filter(|c| Instant::now() < c.expires_at)
            .map(|c| c.token.clone())
    }

    /// A usable token: the cached one, or a new one from `fetch` (token and lifetime).
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<Token, Failure>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(Token, Duration), Failure>>,
    {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _fetching = self.fetching.lock().await;
        // Whoever held the lock before us may have fetched one already.
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let asked_at = Instant::now();
        let (mut token, lifetime) = fetch().await?;
        token.asked_at = asked_at;
        // The lifetime comes from the network: cap it so the addition cannot overflow.
        let lifetime = lifetime.min(LONGEST_LIFETIME);
        let now = Instant::now();
        *self.lock() = Some(Cached {
            token: token.clone(),
            refresh_at: now + refresh_after(lifetime),
            expires_at: now + lifetime,
        });
        Ok(token)
    }

    /// Forgets the cached token if it is still the one the server refused (a newer one
    /// fetched meanwhile by another caller stays).
    pub(crate) fn drop_if_current(&self, refused: &Token) {
        let mut current = self.lock();
        if current.as_ref().is_some_and(|c| &c.token == refused) {
            *current = None;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Cached>> {
        // A panic elsewhere cannot leave the Option half-written; keep going.
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How long after fetching to use a token: until 30 minutes are left, or half its life
/// for short-lived ones.
pub(crate) fn refresh_after(lifetime: Duration) -> Duration {
    lifetime - REFRESH_MARGIN.min(lifetime / 2)
}

/// The token endpoint's answer: fields at the top level, not under `data`.
#[derive(Deserialize)]
struct TokenBody {
    tenant_access_token: String,
    expire: u64,
}

/// Asks the token endpoint for a tenant access token and its lifetime.
pub(crate) async fn fetch(
    http: &reqwest::Client,
    target: &Target,
    secret: &Secret,
    timeouts: (Duration, Duration),
) -> Result<(Token, Duration), Failure> {
    let body = serde_json::json!({ "app_id": target.app_id, "app_secret": secret.expose() });
    let request = http
        .post(target.url(TOKEN_PATH))
        .header(reqwest::header::CONTENT_TYPE, JSON_CONTENT_TYPE)
        .body(body.to_string());
    let reply = exchange(request, timeouts).await?;
    let log_id = match classify(reply.status, &reply.headers, &reply.body, Endpoint::Token) {
        Verdict::Success { log_id, .. } => log_id,
        Verdict::Failed(failure) => return Err(failure),
        // The token endpoint has no token to refuse; classify never says so for it.
        Verdict::TokenRefused { code, msg, log_id } => {
            return Err(Failure::Transient {
                what: format!("code {code}: {msg}"),
                code: Some(code),
                log_id,
            });
        }
    };
    let parsed: TokenBody =
        serde_json::from_slice(&reply.body).map_err(|_| Failure::Transient {
            what: "code 0 from the token endpoint but no tenant_access_token and expire".into(),
            code: Some(0),
            log_id: log_id.clone(),
        })?;
    tracing::debug!(expire = parsed.expire, log_id = ?log_id, "fetched a tenant access token");
    Ok((
        Token::new(&parsed.tenant_access_token),
        Duration::from_secs(parsed.expire),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn token(s: &str) -> Token {
        Token::new(s)
    }

    #[test]
    fn refresh_leaves_thirty_minutes_or_half_the_life() {
        assert_eq!(
            refresh_after(Duration::from_secs(7200)),
            Duration::from_secs(5400)
        );
        assert_eq!(
            refresh_after(Duration::from_secs(2000)),
            Duration::from_secs(1000)
        );
        assert_eq!(
            refresh_after(Duration::from_secs(2)),
            Duration::from_secs(1)
        );
        assert_eq!(refresh_after(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn token_debug_hides_it() {
        assert_eq!(format!("{:?}", token("t-abc")), "Token(***)");
    }

    #[tokio::test]
    async fn cached_token_is_reused_until_dropped() {
        let cache = TokenCache::default();
        let fetches = AtomicUsize::new(0);
        let fetch = || async {
            let n = fetches.fetch_add(1, Ordering::SeqCst);
            Ok((token(&format!("t-{n}")), Duration::from_secs(7200)))
        };
        let a = cache.get(fetch).await.unwrap();
        let b = cache.get(fetch).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(fetches.load(Ordering::SeqCst), 1);

        // Refused token that is no longer current: the cache keeps its newer one.
        cache.drop_if_current(&token("t-old"));
        assert_eq!(cache.get(fetch).await.unwrap().expose(), "t-0");
        cache.drop_if_current(&a);
        assert_eq!(cache.get(fetch).await.unwrap().expose(), "t-1");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn short_lived_token_is_refreshed_after_half_its_life() {
        let cache = TokenCache::default();
        let fetches = AtomicUsize::new(0);
        let fetch = || async {
            let n = fetches.fetch_add(1, Ordering::SeqCst);
            Ok((token(&format!("t-{n}")), Duration::from_millis(400)))
        };
        assert_eq!(cache.get(fetch).await.unwrap().expose(), "t-0");
        assert_eq!(cache.get(fetch).await.unwrap().expose(), "t-0");
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(cache.get(fetch).await.unwrap().expose(), "t-1");
    }

    #[tokio::test]
    async fn a_failed_fetch_caches_nothing() {
        let cache = TokenCache::default();
        let err = cache
            .get(|| async {
                Err(Failure::Transient {
                    what: "HTTP 503".into(),
                    code: None,
                    log_id: None,
                })
            })
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "HTTP 503");
        let t = cache
            .get(|| async { Ok((token("t-ok"), Duration::from_secs(60))) })
            .await
            .unwrap();
        assert_eq!(t.expose(), "t-ok");
    }
}
