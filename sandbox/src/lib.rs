//! A local, in-memory stand-in for the Feishu endpoints rewardsync calls (SPEC §6): same
//! paths, JSON shapes, validation, error codes, token expiry, rate limits and idempotency
//! as the real service, plus seeded faults that can be changed while it runs. It knows the
//! employees of its directory and, unless the directory is strict, makes up anyone else
//! named by a well-formed id, e-mail or mobile; likewise the talents of its talent pool.
//! It answers the people lookups (users and talents by e-mail or mobile) as well. Users rehearse a migration against it; the
//! integration tests run the importer against it in-process.
//!
//! It is a crate of its own and shares no types with the importer (`rewardsync`): it reads
//! requests as Feishu's documentation describes them ([`reward_body`], [`user_id_type`],
//! the bot's signature in [`bot`]), so a misreading of the documentation in the client
//! meets a second reading here instead of agreeing with itself.
//!
//! [`start`] binds and serves it; [`app`] builds the router alone.

// How it serves: its connection loop, the catalogue of endpoints, what every call passes
// (token, rate limit, scope, injected faults), parameters in and Feishu's envelope out.
pub mod server;
pub mod endpoint;
pub mod gate;
pub mod auth;
pub mod limit;
pub mod scope;
pub mod faults;
pub mod clock;
pub mod params;
pub mod reply;

// Feishu's endpoints, each read from its documentation, not from the importer.
pub mod reward_body;
pub mod user_id_type;
pub mod rewards;
pub mod accounts;
pub mod user_lookup;
pub mod talent_lookup;
pub mod bot;

// Whom it knows: employees and talents, given or made up.
pub mod people;
pub mod directory;
pub mod employee;
pub mod talents;
pub mod made_up;
pub mod identity;
pub mod mobile;

// What it holds: rewards packed compactly enough for millions.
mod store;

// Its own switches and what it shows, for tests and rehearsals.
pub mod control;
pub mod inspect;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, post};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use clock::Clock;
pub use directory::{Directory, DirectoryError, DirectorySource, Employee, UserIdType};
pub use endpoint::Endpoint;
pub use faults::{FaultDecision, FaultError, FaultPatch, FaultPlan, FaultSettings};
pub use identity::{Handle, Malformed, well_formed};
pub use inspect::SandboxState;
pub use people::{People, Refusal};
pub use scope::{Scope, ScopeSet};
pub use talent_lookup::Talents;
pub use talents::{Talent, TalentPool, TalentSource, TalentsError};

use accounts::AccountStore;
use auth::Tokens;
use limit::{Limits, Throttled};
use rewards::RewardStore;

/// Everything the sandbox can be told. Every field is public; start from `Default`.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Address to bind. Default `127.0.0.1:0` (loopback, any free port; the command line's
    /// default is `127.0.0.1:8787`).
    pub listen: SocketAddr,
    /// The app id the token endpoint accepts. Default `cli_sandbox`.
    pub app_id: String,
    /// The app secret the token endpoint accepts. Default `sandbox_secret`.
    pub app_secret: String,
    /// Lifetime of a tenant access token. Default 7200 s.
    pub token_ttl: Duration,
    /// Reward-import limit, requests per sliding second. Default 10 (the documented limit).
    pub reward_rate: u32,
    /// Latency added to every business call after its arrival is counted (whole ms, at most
    /// ten minutes). Default 0.
    pub latency: Duration,
    /// Extra random latency, uniform in `0..=jitter` (whole ms, at most ten minutes), per
    /// business call. Default 0.
    pub jitter: Duration,
    /// Probability that a business call answers HTTP 500 / 1002001 and stores nothing. Default 0.
    pub fail_rate: f64,
    /// Probability that a business call does its work and then closes the connection
    /// without answering. Default 0.
    pub drop_rate: f64,
    /// Answer every business call with 99991672 (permission missing). Default false.
    pub deny_permission: bool,
    /// Answer the calls that need one of these scopes with 99991672 naming it (e.g. the
    /// people lookup's `contact:user.id:readonly`). Default none.
    pub deny_scopes: ScopeSet,
    /// Seed of the fault generator (and of token text). Default 0.
    pub seed: u64,
    /// The employees. Default: the built-in `samples/employees.csv`.
    pub directory: Directory,
    /// Know exactly the directory's employees (`--directory FILE`): an import naming anyone
    /// else is refused with 1002002, a registration with 1002551. Default false: anyone
    /// else named by a well-formed id, e-mail or mobile is made up on first sight.
    pub strict_directory: bool,
    /// The talents the talent lookup knows. Default: none.
    pub talents: TalentPool,
    /// Know exactly the pool's talents (`--talents FILE`): a value no talent has is simply
    /// absent from the answer. Default false: a well-formed e-mail, mobile or document no
    /// talent has gets a made-up talent on first sight.
    pub strict_talents: bool,
    /// Where "now" comes from for rate limits and token expiry. Default the system clock.
    pub clock: Clock,
    /// The custom bot's signing secret (`--bot-secret`): messages must be signed with it.
    /// Default none: signatures are not checked.
    pub bot_secret: Option<String>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            app_id: "cli_sandbox".to_owned(),
            app_secret: "sandbox_secret".to_owned(),
            token_ttl: Duration::from_secs(7200),
            reward_rate: 10,
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            fail_rate: 0.0,
            drop_rate: 0.0,
            deny_permission: false,
            deny_scopes: ScopeSet::NONE,
            seed: 0,
            directory: Directory::sample(),
            strict_directory: false,
            talents: TalentPool::default(),
            strict_talents: false,
            clock: Clock::system(),
            bot_secret: None,
        }
    }
}

impl SandboxConfig {
    /// The fault settings this configuration starts with.
    pub fn faults(&self) -> FaultSettings {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        FaultSettings {
            fail_rate: self.fail_rate,
            drop_rate: self.drop_rate,
            latency_ms: ms(self.latency),
            jitter_ms: ms(self.jitter),
            deny_permission: self.deny_permission,
            deny_scopes: self.deny_scopes,
        }
    }

    /// The fault generator this configuration starts with; tests use it to predict faults.
    pub fn fault_plan(&self) -> FaultPlan {
        FaultPlan::new(self.seed, self.faults())
    }

    fn check(&self) -> Result<(), SandboxError> {
        self.faults().check()?;
        if self.reward_rate == 0 {
            return Err(SandboxError::Config(
                "reward_rate must be at least 1".into(),
            ));
        }
        if self.token_ttl.is_zero() {
            return Err(SandboxError::Config(
                "token_ttl must be at least 1 second".into(),
            ));
        }
        if self.app_id.is_empty() || self.app_secret.is_empty() {
            return Err(SandboxError::Config(
                "app_id and app_secret must not be empty".into(),
            ));
        }
        Ok(())
    }
}

/// Why the sandbox could not start or stop.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A setting is out of range.
    #[error("invalid sandbox setting: {0}")]
    Config(String),
    /// A fault setting is out of range.
    #[error("invalid sandbox setting: {0}")]
    Faults(#[from] FaultError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The server task panicked or was cancelled.
    #[error("the sandbox server task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// The settings the request path reads.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Accepted app id.
    pub app_id: String,
    /// Accepted app secret.
    pub app_secret: String,
    /// Token lifetime.
    pub token_ttl: Duration,
    /// Seed of the fault generator (a fault change restarts it from here).
    pub seed: u64,
}

struct Shared {
    settings: Settings,
    people: Mutex<People>,
    talents: Mutex<Talents>,
    clock: Clock,
    tokens: Mutex<Tokens>,
    limits: Mutex<Limits>,
    faults: Mutex<FaultPlan>,
    rewards: Mutex<RewardStore>,
    accounts: Mutex<AccountStore>,
    stats: Mutex<inspect::Stats>,
    bots: Mutex<bot::Bots>,
    next_id: AtomicU64,
    next_logid: AtomicU64,
}

/// The sandbox's whole state, cheap to clone. Each part has its own lock, taken only
/// inside the closures below, so no lock is ever held across an `.await`.
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

/// Locks a mutex; a panic elsewhere while it was held does not make the state unusable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// First id handed out: 19 digits, like Feishu's.
const FIRST_ID: u64 = 7_300_000_000_000_000_001;

impl AppState {
    /// Fresh, empty state from a configuration.
    pub fn new(config: SandboxConfig) -> Result<AppState, SandboxError> {
        config.check()?;
        let faults = config.fault_plan();
        Ok(AppState {
            shared: Arc::new(Shared {
                settings: Settings {
                    app_id: config.app_id,
                    app_secret: config.app_secret,
                    token_ttl: config.token_ttl,
                    seed: config.seed,
                },
                people: Mutex::new(People::new(config.directory, config.strict_directory)),
                talents: Mutex::new(Talents::new(config.talents, config.strict_talents)),
                clock: config.clock,
                tokens: Mutex::new(Tokens::new(config.seed)),
                limits: Mutex::new(Limits::new(config.reward_rate)),
                faults: Mutex::new(faults),
                rewards: Mutex::new(RewardStore::default()),
                accounts: Mutex::new(AccountStore::default()),
                stats: Mutex::new(inspect::Stats::default()),
                bots: Mutex::new(bot::Bots::new(config.bot_secret)),
                next_id: AtomicU64::new(FIRST_ID),
                next_logid: AtomicU64::new(1),
            }),
        })
    }

    /// Runs `f` on the custom bots' state.
    pub fn bots<T>(&self, f: impl FnOnce(&mut bot::Bots) -> T) -> T {
        f(&mut lock(&self.shared.bots))
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.shared.settings
    }

    /// The clock.
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// A new 19-digit id (rewards and accounts share the sequence, so ids never collide).
    pub fn new_id(&self) -> u64 {
        self.shared.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// A new log id, unique within this process.
    pub fn new_logid(&self) -> String {
        let n = self.shared.next_logid.fetch_add(1, Ordering::Relaxed);
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        format!("sandbox{secs}{n:010}")
    }

    /// The fault decision of the next call to `endpoint` (denied when its scope is).
    pub fn next_fault(&self, endpoint: Endpoint) -> FaultDecision {
        lock(&self.shared.faults).next_decision_for(&[endpoint.scope()])
    }

    /// The fault settings in force.
    pub fn faults(&self) -> FaultSettings {
        *lock(&self.shared.faults).settings()
    }

    /// Puts `change(current settings)` in force (the fault generator restarts from the
    /// seed) and returns it; out-of-range settings change nothing. One lock for the read
    /// and the write, so concurrent changes never lose each other's fields.
    pub fn change_faults(
        &self,
        change: impl FnOnce(&FaultSettings) -> FaultSettings,
    ) -> Result<FaultSettings, FaultError> {
        let mut plan = lock(&self.shared.faults);
        let settings = change(plan.settings());
        plan.change(settings)?;
        Ok(settings)
    }

    /// Counts a business call's arrival against its endpoint's limit. "Now" is read under
    /// the limiter's lock, so arrivals are recorded in the order they are stamped.
    pub fn admit(&self, endpoint: Endpoint) -> Result<(), Throttled> {
        let clock = self.clock();
        self.limits(|l| l.admit(endpoint, clock.now()))
    }

    /// Expires every token issued so far.
    pub fn expire_tokens(&self) {
        let now = self.clock().now();
        self.tokens(|t| t.expire_all(now));
    }

    /// Runs `f` on the tokens, locked.
    pub fn tokens<R>(&self, f: impl FnOnce(&mut Tokens) -> R) -> R {
        f(&mut lock(&self.shared.tokens))
    }

    /// Runs `f` on the people the sandbox knows, locked.
    pub fn people<R>(&self, f: impl FnOnce(&mut People) -> R) -> R {
        f(&mut lock(&self.shared.people))
    }

    /// Runs `f` on the talents the sandbox knows, locked.
    pub fn talents<R>(&self, f: impl FnOnce(&mut Talents) -> R) -> R {
        f(&mut lock(&self.shared.talents))
    }

    /// Runs `f` on the rate limiters, locked.
    pub fn limits<R>(&self, f: impl FnOnce(&mut Limits) -> R) -> R {
        f(&mut lock(&self.shared.limits))
    }

    /// Runs `f` on the reward store, locked.
    pub fn rewards<R>(&self, f: impl FnOnce(&mut RewardStore) -> R) -> R {
        f(&mut lock(&self.shared.rewards))
    }

    /// Runs `f` on the account store, locked.
    pub fn accounts<R>(&self, f: impl FnOnce(&mut AccountStore) -> R) -> R {
        f(&mut lock(&self.shared.accounts))
    }

    /// Runs `f` on the request counters, locked.
    pub fn stats<R>(&self, f: impl FnOnce(&mut inspect::Stats) -> R) -> R {
        f(&mut lock(&self.shared.stats))
    }

    /// A snapshot of the state; `with_rewards` false leaves out the reward list.
    pub fn snapshot(&self, with_rewards: bool) -> SandboxState {
        inspect::snapshot(self, with_rewards)
    }
}

/// The sandbox's router: the Feishu endpoints (the people lookups included), `/sandbox/state`, `/sandbox/faults` and
/// `/sandbox/expire-tokens`. Drop faults need [`start`]'s connection loop.
pub fn app(state: AppState) -> Router {
    let gate = |endpoint: Endpoint| from_fn_with_state((state.clone(), endpoint), gate::business);
    Router::new()
        .route(endpoint::TOKEN_ROUTE, post(auth::token))
        .route(
            Endpoint::RewardImport.route(),
            post(rewards::import).route_layer(gate(Endpoint::RewardImport)),
        )
        .route(
            Endpoint::RewardDelete.route(),
            delete(rewards::delete).route_layer(gate(Endpoint::RewardDelete)),
        )
        .route(
            Endpoint::AccountRegister.route(),
            post(accounts::register).route_layer(gate(Endpoint::AccountRegister)),
        )
        .route(
            Endpoint::AccountEnable.route(),
            post(accounts::enable).route_layer(gate(Endpoint::AccountEnable)),
        )
        .route(
            Endpoint::AccountDeactivate.route(),
            post(accounts::deactivate).route_layer(gate(Endpoint::AccountDeactivate)),
        )
        .route(
            Endpoint::AccountAssets.route(),
            get(accounts::assets).route_layer(gate(Endpoint::AccountAssets)),
        )
        .route(
            Endpoint::UserLookup.route(),
            post(user_lookup::batch_get_id).route_layer(gate(Endpoint::UserLookup)),
        )
        .route(
            Endpoint::TalentLookup.route(),
            post(talent_lookup::batch_get_id).route_layer(gate(Endpoint::TalentLookup)),
        )
        .route(bot::ROUTE, post(bot::hook))
        .route("/sandbox/state", get(inspect::state))
        .route(
            "/sandbox/faults",
            get(control::faults).post(control::change_faults),
        )
        .route("/sandbox/expire-tokens", post(control::expire_tokens))
        .fallback(gate::not_found)
        .method_not_allowed_fallback(gate::method_not_allowed)
        .layer(from_fn_with_state(state.clone(), gate::observe))
        .with_state(state)
}

/// Binds `config.listen` and serves the sandbox on the current tokio runtime.
pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
    let listen = config.listen;
    let state = AppState::new(config)?;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|source| SandboxError::Bind {
            addr: listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
        addr: listen,
        source,
    })?;
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(server::serve(listener, app(state.clone()), stopped));
    Ok(Sandbox {
        addr,
        state,
        stop,
        task,
    })
}

/// A running sandbox. Dropping it stops the server too; [`Sandbox::shutdown`] waits for it.
pub struct Sandbox {
    addr: SocketAddr,
    state: AppState,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Sandbox {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://IP:PORT`, the value for `FEISHU_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The app id the sandbox accepts.
    pub fn app_id(&self) -> &str {
        &self.state.settings().app_id
    }

    /// The app secret the sandbox accepts (made up; printing it is fine).
    pub fn app_secret(&self) -> &str {
        &self.state.settings().app_secret
    }

    /// Everything `GET /sandbox/state` serves, rewards included.
    pub fn state(&self) -> SandboxState {
        self.state.snapshot(true)
    }

    /// `GET /sandbox/state?rewards=false`: counts, accounts and requests, no reward list.
    pub fn summary(&self) -> SandboxState {
        self.state.snapshot(false)
    }

    /// Expires every token issued so far (`POST /sandbox/expire-tokens`).
    pub fn expire_tokens(&self) {
        self.state.expire_tokens();
    }

    /// The fault settings in force (`GET /sandbox/faults`).
    pub fn faults(&self) -> FaultSettings {
        self.state.faults()
    }

    /// Puts `settings` in force for the business calls that arrive from now on, restarting
    /// the fault generator from the seed (`POST /sandbox/faults`); returns them. Out-of-range
    /// settings are refused and change nothing.
    pub fn set_faults(&self, settings: FaultSettings) -> Result<FaultSettings, FaultError> {
        self.state.change_faults(|_| settings)
    }

    /// The shared state, e.g. to build a second router on it.
    pub fn app_state(&self) -> &AppState {
        &self.state
    }

    /// Stops accepting, lets requests in flight finish (up to 5 s), and waits.
    pub async fn shutdown(self) -> Result<(), SandboxError> {
        let _ = self.stop.send(true);
        self.task.await?;
        Ok(())
    }
}
