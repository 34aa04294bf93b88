//! The run's notification (SPEC §7): at the end of `import`, `rollback` and
//! `accounts register`, a card posted to a Feishu custom bot webhook, signed when a secret
//! is given. The webhook's address holds its token, a credential: it comes from the
//! environment or a private file (or `--notify`, with a warning), is never printed whole,
//! logged or stored. A notification that fails is a warning and never changes the exit code.

pub mod card;
pub mod hook;
pub mod sign;

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;

use crate::text::server_text;

pub use card::Outcome;
pub use hook::Hook;

/// The webhook's address.
pub const URL_ENV: &str = "REWARDSYNC_NOTIFY_URL";
/// A file holding the webhook's address.
pub const URL_FILE_ENV: &str = "REWARDSYNC_NOTIFY_URL_FILE";
/// The bot's signing secret.
pub const SECRET_ENV: &str = "REWARDSYNC_NOTIFY_SECRET";
/// A file holding the bot's signing secret.
pub const SECRET_FILE_ENV: &str = "REWARDSYNC_NOTIFY_SECRET_FILE";

/// How long one delivery may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The wait before the one retry of a transient failure.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Why the notification cannot be set up (exit 2, before the run starts).
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The address is not one to post to.
    #[error("the notification webhook {shown} cannot be used: {why}")]
    BadUrl {
        /// The address, its token cut short.
        shown: String,
        /// Why.
        why: String,
    },
    /// A file named by an environment variable cannot be used.
    #[error("{var}={}: {why}", path.display())]
    File {
        /// The variable.
        var: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// Why, and what to do.
        why: String,
    },
}

/// Where the notification goes and how it is signed.
pub struct Notifier {
    hook: Hook,
    secret: Option<String>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("hook", &self.hook)
            .field("signed", &self.secret.is_some())
            .finish()
    }
}

/// How a delivery went, for the summary's `--json` and the warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// True when the bot answered code 0.
    pub delivered: bool,
    /// The webhook, its token cut short.
    pub webhook: String,
    /// Attempts made (1, or 2 after a transient failure).
    pub attempts: u32,
    /// Why it was not delivered, and what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Notifier {
    /// The notifier the command line and the environment ask for, if any: `--notify URL`
    /// first, then `REWARDSYNC_NOTIFY_URL`, then `REWARDSYNC_NOTIFY_URL_FILE`; the secret from
    /// `REWARDSYNC_NOTIFY_SECRET` or `REWARDSYNC_NOTIFY_SECRET_FILE`.
    pub fn from_sources(
        flag: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Notifier>, NotifyError> {
        let present = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let url = match (flag, present(URL_ENV), present(URL_FILE_ENV)) {
            (Some(url), _, _) => url.to_owned(),
            (None, Some(url), _) => url,
            (None, None, Some(path)) => read_private(URL_FILE_ENV, Path::new(&path))?,
            (None, None, None) => return Ok(None),
        };
        let hook = Hook::parse(&url)?;
        let secret = match (present(SECRET_ENV), present(SECRET_FILE_ENV)) {
            (Some(secret), _) => Some(secret.trim().to_owned()),
            (None, Some(path)) => Some(read_private(SECRET_FILE_ENV, Path::new(&path))?),
            (None, None) => None,
        };
        Ok(Some(Notifier { hook, secret }))
    }

    /// The webhook, its token cut short.
    pub fn webhook(&self) -> String {
        self.hook.to_string()
    }

    /// Posts the card of `command` ending with `exit`; one retry after a transient failure.
    pub fn notify(
        &self,
        command: &str,
        exit: crate::report::exit::Exit,
        outcome: Outcome<'_>,
    ) -> Delivery {
        let message = card::card(command, exit, outcome, &host());
        self.deliver(message)
    }

    /// Posts `message` (signed when a secret is set).
    pub fn deliver(&self, mut message: Value) -> Delivery {
        let mut delivery = Delivery {
            delivered: false,
            webhook: self.webhook(),
            attempts: 0,
            error: None,
        };
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => {
                delivery.error = Some(format!("cannot start the async runtime: {e}"));
                return delivery;
            }
        };
        let client = match reqwest::Client::builder().timeout(TIMEOUT).build() {
            Ok(client) => client,
            Err(e) => {
                delivery.error = Some(format!("cannot build the HTTP client: {e}"));
                return delivery;
            }
        };
        self.attempt(&runtime, &client, &mut message, &mut delivery);
        // A name lookup still running on a blocking thread (a hung resolver outlives the
        // request's timeout) must not hold the command's exit: leave it behind.
        runtime.shutdown_background();
        delivery
    }

    /// Posts `message` until it is delivered, refused for good, or tried twice.
    fn attempt(
        &self,
        runtime: &tokio::runtime::Runtime,
        client: &reqwest::Client,
        message: &mut Value,
        delivery: &mut Delivery,
    ) {
        loop {
            if let (Some(secret), Some(object)) = (&self.secret, message.as_object_mut()) {
                // Signed afresh for each attempt: the timestamp must be within the hour.
                let timestamp = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
                    .to_string();
                object.insert("sign".into(), sign::signature(&timestamp, secret).into());
                object.insert("timestamp".into(), timestamp.into());
            }
            delivery.attempts += 1;
            match runtime.block_on(post(client, self.hook.expose(), message)) {
                Ok(()) => {
                    delivery.delivered = true;
                    delivery.error = None;
                    return;
                }
                Err(failure) => {
                    delivery.error = Some(failure.message);
                    if !failure.transient || delivery.attempts >= 2 {
                        return;
                    }
                    std::thread::sleep(RETRY_AFTER);
                }
            }
        }
    }
}

/// Why one post failed, and whether a retry may help.
struct Failure {
    message: String,
    transient: bool,
}

/// One post and its answer.
async fn post(client: &reqwest::Client, url: &str, message: &Value) -> Result<(), Failure> {
    let response = client
        .post(url)
        .json(message)
        .send()
        .await
        .map_err(|e| Failure {
            // reqwest's error names the URL: say what happened without it.
            message: if e.is_timeout() {
                format!("no answer within {} s", TIMEOUT.as_secs())
            } else if e.is_connect() {
                "cannot connect".to_owned()
            } else {
                "the request failed".to_owned()
            },
            transient: true,
        })?;
    let status = response.status();
    let body: Option<Value> = response.json().await.ok();
    let code = body
        .as_ref()
        .and_then(|b| b.get("code").or_else(|| b.get("StatusCode")))
        .and_then(Value::as_i64);
    let msg = body
        .as_ref()
        .and_then(|b| b.get("msg").or_else(|| b.get("StatusMessage")))
        .and_then(Value::as_str)
        .map(server_text)
        .unwrap_or_default();
    match code {
        Some(0) if status.is_success() => Ok(()),
        Some(code) => Err(Failure {
            message: format!("code {code}: {msg}{}", advice(code)),
            transient: code == 11232 || status.is_server_error(),
        }),
        None => Err(Failure {
            message: format!("HTTP {status} without a bot answer"),
            transient: status.is_server_error() || status.as_u16() == 429,
        }),
    }
}

/// What to do about a code the webhook documents.
fn advice(code: i64) -> &'static str {
    match code {
        9499 => " (the message was refused as malformed)",
        19021 => {
            " (the signature or its timestamp: check REWARDSYNC_NOTIFY_SECRET against the bot's secret, and the machine's clock)"
        }
        19022 => " (this machine's IP is not on the bot's allow-list)",
        19024 => {
            " (the bot's keyword check: the card's title is \"rewardsync …\"; add \"rewardsync\" as a keyword)"
        }
        11232 => " (the bot is rate limited: 5 a second, 100 a minute)",
        _ => "",
    }
}

/// A private file's content, trimmed: the same rule as the app secret file (no other user
/// may read it, no one but its owner may write it).
fn read_private(var: &'static str, path: &Path) -> Result<String, NotifyError> {
    let fail = |why: String| NotifyError::File {
        var,
        path: path.to_path_buf(),
        why,
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(crate::text::io_error(&e)))?;
    if !meta.is_file() {
        return Err(fail("not a regular file".into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if let Some(why) = crate::feishu::exposure(mode) {
            return Err(fail(format!(
                "has mode {mode:04o}: {why}; run: {}",
                crate::feishu::private_fix(path)
            )));
        }
    }
    let text = crate::text::read_small_file(path, crate::feishu::MAX_SECRET_FILE, "secret")
        .map_err(|e| fail(crate::text::io_error(&e)))?;
    let text = text.trim();
    if text.is_empty() {
        return Err(fail("the file is empty".into()));
    }
    Ok(text.to_owned())
}

/// This machine's name, for the card (where a nightly job ran).
fn host() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown host".to_owned())
}
