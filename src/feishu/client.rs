//! The calls themselves: one attempt per call (plus one resend after a refused token), each
//! answer sorted into an [`Answer`] or a [`Failure`]. Pacing, retries and back-off belong
//! to the caller.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::account::Account;
use super::answer::{Answer, Endpoint, Verdict, classify, parse_data};
use super::failure::{Failure, Scope, TOKEN_REFUSED_ADVICE};
use super::target::{Secret, Target};
use super::token::{self, Token, TokenCache};
use super::transport::exchange;
use crate::reward::RewardBody;

/// The Content-Type every call carries, as the documentation fixes it.
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

const REWARDS_PATH: &str = "/open-apis/hire/v1/external_referral_rewards";
const ACCOUNT_PATH: &str = "/open-apis/hire/v1/referral_account";

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

/// Which kind of user id the server reads and writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum UserIdType {
    /// The user's id within this app (`ou_…`).
    #[default]
    OpenId,
    /// The user's id across one developer's apps (`on_…`).
    UnionId,
    /// The user's id within the tenant.
    UserId,
}

impl UserIdType {
    /// Every kind, in the order the documentation lists them.
    pub const ALL: [UserIdType; 3] = [UserIdType::OpenId, UserIdType::UnionId, UserIdType::UserId];

    /// Parses a `user_id_type` query value; `None` for anything but the documented names.
    pub fn parse(text: &str) -> Option<UserIdType> {
        UserIdType::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }

    /// The query parameter value.
    pub fn as_str(self) -> &'static str {
        match self {
            UserIdType::OpenId => "open_id",
            UserIdType::UnionId => "union_id",
            UserIdType::UserId => "user_id",
        }
    }
}

impl fmt::Display for UserIdType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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

/// One request to make, before a token is attached.
struct Call {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    scope: Scope,
}

/// `data` of a created reward.
#[derive(Deserialize)]
struct CreatedReward {
    id: String,
}

/// `data` of the account calls.
#[derive(Deserialize)]
struct AccountData {
    account: Account,
}

/// The body of an account registration: fields omitted when not given.
#[derive(Serialize)]
struct RegisterBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    mobile: Option<Mobile<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
}

#[derive(Serialize)]
struct Mobile<'a> {
    code: &'a str,
    number: &'a str,
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

    /// Imports one external referral reward; the value is the server's reward id.
    pub async fn create_reward(
        &self,
        body: &RewardBody,
        user_id_type: UserIdType,
    ) -> Result<Answer<String>, Failure> {
        let bytes = serde_json::to_vec(body).map_err(|e| Failure::Fatal {
            code: None,
            msg: format!("could not write the request body: {e}"),
            advice: "this is a bug in rewardsync; please report it".into(),
            log_id: None,
        })?;
        let call = Call {
            method: Method::POST,
            path: REWARDS_PATH.into(),
            query: vec![("user_id_type", user_id_type.as_str().into())],
            body: Some(bytes),
            scope: Scope::Reward,
        };
        let (data, log_id) = self.execute(&call).await?;
        let created: CreatedReward = parse_data(data.as_deref(), "data.id", &log_id)?;
        Ok(Answer {
            value: created.id,
            log_id,
        })
    }

    /// Deletes an imported reward by the server's reward id.
    pub async fn delete_reward(&self, reward_id: &str) -> Result<Answer<()>, Failure> {
        let call = Call {
            method: Method::DELETE,
            path: format!("{REWARDS_PATH}/{}", path_segment(reward_id)),
            query: Vec::new(),
            body: None,
            scope: Scope::Reward,
        };
        let (_, log_id) = self.execute(&call).await?;
        Ok(Answer { value: (), log_id })
    }

    /// Registers a referral reward account by mobile (country code, number) and/or email.
    pub async fn register_account(
        &self,
        mobile: Option<(&str, &str)>,
        email: Option<&str>,
    ) -> Result<Answer<Account>, Failure> {
        let body = RegisterBody {
            mobile: mobile.map(|(code, number)| Mobile { code, number }),
            email,
        };
        let call = Call {
            method: Method::POST,
            path: ACCOUNT_PATH.into(),
            query: Vec::new(),
            body: Some(json_bytes(&body)),
            scope: Scope::Account,
        };
        self.account_call(&call).await
    }

    /// Enables an account.
    pub async fn enable_account(&self, account_id: &str) -> Result<Answer<Account>, Failure> {
        let body = serde_json::json!({ "referral_account_id": account_id });
        let call = Call {
            method: Method::POST,
            path: format!("{ACCOUNT_PATH}/enable"),
            query: Vec::new(),
            body: Some(json_bytes(&body)),
            scope: Scope::Account,
        };
        self.account_call(&call).await
    }

    /// Deactivates an account.
    pub async fn deactivate_account(&self, account_id: &str) -> Result<Answer<Account>, Failure> {
        let call = Call {
            method: Method::POST,
            path: format!("{ACCOUNT_PATH}/{}/deactivate", path_segment(account_id)),
            query: Vec::new(),
            // An empty object rather than no body: strict JSON readers refuse an empty one.
            body: Some(b"{}".to_vec()),
            scope: Scope::Account,
        };
        self.account_call(&call).await
    }

    /// Reads an account's assets, status and referrer.
    pub async fn account_assets(
        &self,
        account_id: &str,
        user_id_type: UserIdType,
    ) -> Result<Answer<Account>, Failure> {
        let call = Call {
            method: Method::GET,
            path: format!("{ACCOUNT_PATH}/get_account_assets"),
            query: vec![
                ("referral_account_id", account_id.into()),
                ("user_id_type", user_id_type.as_str().into()),
            ],
            body: None,
            scope: Scope::Account,
        };
        self.account_call(&call).await
    }

    /// Runs an account call and reads `data.account`.
    async fn account_call(&self, call: &Call) -> Result<Answer<Account>, Failure> {
        let (data, log_id) = self.execute(call).await?;
        let data: AccountData = parse_data(data.as_deref(), "data.account", &log_id)?;
        Ok(Answer {
            value: data.account,
            log_id,
        })
    }

    /// A usable token, fetching one if none is cached or it is due for refresh.
    async fn token(&self) -> Result<Token, Failure> {
        let inner = &self.inner;
        inner
            .tokens
            .get(|| token::fetch(&inner.http, &inner.target, &inner.secret, self.timeouts()))
            .await
    }

    /// Sends a call; after a refused token, fetches a fresh one and resends once.
    async fn execute(
        &self,
        call: &Call,
    ) -> Result<(Option<Box<RawValue>>, Option<String>), Failure> {
        let token = self.token().await?;
        let (code, msg) = match self.send(call, &token).await? {
            Verdict::Success { data, log_id } => return Ok((data, log_id)),
            Verdict::Failed(failure) => return Err(failure),
            Verdict::TokenRefused { code, msg, .. } => (code, msg),
        };
        tracing::info!(code, %msg, path = %call.path, "token refused; fetching a fresh one and resending once");
        self.inner.tokens.drop_if_current(&token);
        let fresh = self.token().await?;
        match self.send(call, &fresh).await? {
            Verdict::Success { data, log_id } => Ok((data, log_id)),
            Verdict::Failed(failure) => Err(failure),
            Verdict::TokenRefused { code, msg, log_id } => Err(Failure::Fatal {
                code: Some(code),
                msg,
                advice: TOKEN_REFUSED_ADVICE.to_string(),
                log_id,
            }),
        }
    }

    /// One exchange with `token`, sorted.
    async fn send(&self, call: &Call, token: &Token) -> Result<Verdict, Failure> {
        let inner = &self.inner;
        let mut request = inner
            .http
            .request(call.method.clone(), inner.target.url(&call.path))
            .header(AUTHORIZATION, format!("Bearer {}", token.expose()))
            .header(CONTENT_TYPE, JSON_CONTENT_TYPE);
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        if let Some(body) = &call.body {
            request = request.body(body.clone());
        }
        let started = Instant::now();
        let result = exchange(request, self.timeouts()).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let reply = match result {
            Ok(reply) => reply,
            Err(failure) => {
                tracing::debug!(method = %call.method, path = %call.path, elapsed_ms, %failure, "call failed");
                return Err(failure);
            }
        };
        let verdict = classify(
            reply.status,
            &reply.headers,
            &reply.body,
            Endpoint::Business(call.scope),
        );
        tracing::debug!(
            method = %call.method,
            path = %call.path,
            status = reply.status.as_u16(),
            elapsed_ms,
            verdict = verdict_name(&verdict),
            "call answered"
        );
        Ok(verdict)
    }

    fn timeouts(&self) -> (Duration, Duration) {
        (
            self.inner.options.connect_timeout,
            self.inner.options.request_timeout,
        )
    }
}

/// A verdict in one word, for the log.
fn verdict_name(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Success { .. } => "success",
        Verdict::TokenRefused { .. } => "token refused",
        Verdict::Failed(Failure::RateLimited { .. }) => "rate limited",
        Verdict::Failed(Failure::Transient { .. }) => "transient",
        Verdict::Failed(Failure::Permanent { .. }) => "permanent",
        Verdict::Failed(Failure::Fatal { .. }) => "fatal",
    }
}

/// JSON bytes of a body made of strings: cannot fail, but an empty object is sent if it did.
fn json_bytes<T: Serialize>(body: &T) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec())
}

/// Percent-encodes an id for use as one path segment.
fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
