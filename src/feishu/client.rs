//! The client: one exchange at a time with a token the caller fetched first, each answer
//! sorted into an [`Answer`], a refused token, or a [`Failure`]. Pacing, retries, the resend
//! after a refused token and back-off belong to the engine, so that every attempt takes a
//! throttle slot and nothing but the exchange happens after it (SPEC §5).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};

use super::answer::{Answer, Endpoint, Verdict, classify};
use super::failure::Failure;
use super::request::Request;
use super::target::{Secret, Target};
use super::token::{self, Token, TokenCache};
use super::transport::{JSON_CONTENT_TYPE, exchange};

/// Timeouts of the HTTP client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientOptions {
    /// How long to wait for a TCP + TLS connection. Default is 10 s.
    pub connect_timeout: Duration,
    /// How long a whole exchange may take, connection included. Default is 30 s.
    pub request_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Why the HTTP client could not be built (TLS set-up).
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the HTTP client: {0}")]
pub struct ClientBuildError(#[from] reqwest::Error);

/// The Feishu Hire API client. Cheap to clone; clones share the connection pool and token.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    target: Target,
    secret: Secret,
    options: ClientOptions,
    tokens: TokenCache,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("target", &self.inner.target)
            .field("secret", &self.inner.secret)
            .field("tokens", &self.inner.tokens)
            .field("options", &self.inner.options)
            .finish()
    }
}

impl Client {
    /// A client for `target`, authenticating with `secret`.
    pub fn new(
        target: Target,
        secret: Secret,
        options: ClientOptions,
    ) -> Result<Client, ClientBuildError> {
        let http = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            // A redirect could carry the token elsewhere; Feishu never redirects API calls.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("rewardsync/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                target,
                secret,
                options,
                tokens: TokenCache::default(),
            }),
        })
    }

    /// Where calls go and as which app.
    pub fn target(&self) -> &Target {
        &self.inner.target
    }

    /// Fetches a token now, so a wrong secret is found before any row is touched.
    /// Any failure, even a network one, is [`Failure::Fatal`]: nothing can be done without.
    pub async fn check_credentials(&self) -> Result<(), Failure> {
        match self.token().await {
            Ok(_) => Ok(()),
            Err(fatal @ Failure::Fatal { .. }) => Err(fatal),
            Err(other) => Err(Failure::Fatal {
                code: other.code(),
                msg: format!("could not get a tenant access token: {other}"),
                advice: format!(
                    "check that {} is reachable from this machine and try again",
                    self.inner.target.base_url
                ),
                log_id: other.log_id().map(str::to_string),
            }),
        }
    }

    /// A usable token, fetching one if none is cached or it is due for refresh. Fetch it
    /// *before* taking a throttle slot: a fetch after the slot would delay the request.
    pub async fn token(&self) -> Result<Token, Failure> {
        let inner = &self.inner;
        inner
            .tokens
            .get(|| token::fetch(&inner.http, &inner.target, &inner.secret, self.timeouts()))
            .await
    }

    /// The newest cached token still valid (another caller may have refreshed it while
    /// this one waited for its slot), else `token`; never fetches, so it costs nothing
    /// after a slot is taken.
    pub fn freshest(&self, token: Token) -> Token {
        self.inner.tokens.newest().unwrap_or(token)
    }

    /// Forgets `refused` if it is still the cached token, so the next [`Client::token`]
    /// fetches a fresh one.
    pub fn forget(&self, refused: &Token) {
        self.inner.tokens.drop_if_current(refused);
    }

    /// One exchange of `request` with `token`, sorted.
    pub async fn send<T>(&self, request: &Request<T>, token: &Token) -> Result<Reply<T>, Failure> {
        let inner = &self.inner;
        let mut http = inner
            .http
            .request(request.method.clone(), inner.target.url(&request.path))
            .header(AUTHORIZATION, format!("Bearer {}", token.expose()))
            .header(CONTENT_TYPE, JSON_CONTENT_TYPE);
        if !request.query.is_empty() {
            http = http.query(&request.query);
        }
        if let Some(body) = &request.body {
            http = http.body(body.clone());
        }
        let started = Instant::now();
        let result = exchange(http, self.timeouts()).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let reply = match result {
            Ok(reply) => reply,
            Err(failure) => {
                tracing::debug!(method = %request.method, path = %request.path, elapsed_ms, %failure, "call failed");
                return Err(failure);
            }
        };
        let verdict = classify(
            reply.status,
            &reply.headers,
            &reply.body,
            Endpoint::Business(request.scope),
        );
        tracing::debug!(
            method = %request.method,
            path = %request.path,
            status = reply.status.as_u16(),
            elapsed_ms,
            verdict = verdict_name(&verdict),
            "call answered"
        );
        match verdict {
            Verdict::Success { data, log_id } => {
                let value = (request.read)(data.as_deref(), &log_id)?;
                Ok(Reply::Answered(Answer { value, log_id }))
            }
            Verdict::TokenRefused { code, msg, log_id } => {
                Ok(Reply::TokenRefused { code, msg, log_id })
            }
            Verdict::Failed(failure) => Err(failure),
        }
    }

    fn timeouts(&self) -> (Duration, Duration) {
        (
            self.inner.options.connect_timeout,
            self.inner.options.request_timeout,
        )
    }
}

/// What one exchange ended in, when the server answered it.
#[derive(Debug)]
pub enum Reply<T> {
    /// Code 0: the call's value.
    Answered(Answer<T>),
    /// A token error code: forget the token, fetch a fresh one, and resend once (with a
    /// throttle slot of its own); a fresh token refused again is fatal.
    TokenRefused {
        /// The body's code.
        code: i64,
        /// The body's msg.
        msg: String,
        /// The `x-tt-logid` of the answer.
        log_id: Option<String>,
    },
}

/// A verdict in one word, for the log.
fn verdict_name(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Success { .. } => "success",
        Verdict::TokenRefused { .. } => "token refused",
        Verdict::Failed(Failure::RateLimited { .. }) => "rate limited",
        Verdict::Failed(Failure::Transient { .. }) => "transient",
        Verdict::Failed(Failure::Unreachable { .. }) => "unreachable",
        Verdict::Failed(Failure::Permanent { .. }) => "permanent",
        Verdict::Failed(Failure::Fatal { .. }) => "fatal",
    }
}
