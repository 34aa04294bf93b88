//! What a call ended in when it did not succeed, in the four classes the importer acts on
//! (wait, retry, fail the row, stop the run), with the words that tell a user what to fix.

use std::fmt::Write as _;
use std::time::Duration;

/// What one call ended in, when it did not succeed. Every variant carries the log id when
/// the server sent one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// HTTP 429 or code 99991400: wait and resend; never a row failure.
    #[error("rate limited by the server{}{}", show_reset(*reset), show_log_id(log_id))]
    RateLimited {
        /// How long the server asked to wait, when it said.
        reset: Option<Duration>,
        /// The `x-tt-logid` of the answer.
        log_id: Option<String>,
    },
    /// A server or network fault (1002001, 5xx, timeout, dropped connection): retry later.
    #[error("{what}{}", show_log_id(log_id))]
    Transient {
        /// A short human description: "HTTP 503", "timed out after 30 s", …
        what: String,
        /// The body's code, when there was one.
        code: Option<i64>,
        /// The `x-tt-logid` of the answer.
        log_id: Option<String>,
    },
    /// The request never left: no connection could be made (refused, unreachable, DNS,
    /// TLS). Retried like a transient fault, but the server certainly did nothing.
    #[error("{what}")]
    Unreachable {
        /// A short human description: "could not connect: connection refused", …
        what: String,
    },
    /// The server refused this request for what it holds: the row fails with code and msg.
    #[error("code {code}: {msg}{}", show_log_id(log_id))]
    Permanent {
        /// The body's code.
        code: i64,
        /// The body's msg.
        msg: String,
        /// The `x-tt-logid` of the answer.
        log_id: Option<String>,
    },
    /// Permission, IP allow-list, disabled app or bad credentials: stop the whole run.
    #[error("{}{msg}; {advice}{}", show_code(*code), show_log_id(log_id))]
    Fatal {
        /// The body's code, when there was one.
        code: Option<i64>,
        /// The server's msg, or what went wrong.
        msg: String,
        /// What to fix, in words.
        advice: String,
        /// The `x-tt-logid` of the answer.
        log_id: Option<String>,
    },
}

impl Failure {
    /// The `x-tt-logid` of the answer, when there was one.
    pub fn log_id(&self) -> Option<&str> {
        match self {
            Failure::RateLimited { log_id, .. }
            | Failure::Transient { log_id, .. }
            | Failure::Permanent { log_id, .. }
            | Failure::Fatal { log_id, .. } => log_id.as_deref(),
            Failure::Unreachable { .. } => None,
        }
    }

    /// The body's code, when the server sent one (429 without a body has none).
    pub fn code(&self) -> Option<i64> {
        match self {
            Failure::RateLimited { .. } | Failure::Unreachable { .. } => None,
            Failure::Transient { code, .. } | Failure::Fatal { code, .. } => *code,
            Failure::Permanent { code, .. } => Some(*code),
        }
    }

    /// The failure in words without its advice (a summary prints the advice once, apart).
    pub fn headline(&self) -> String {
        match self {
            Failure::Fatal {
                code, msg, log_id, ..
            } => format!("{}{msg}{}", show_code(*code), show_log_id(log_id)),
            other => other.to_string(),
        }
    }

    /// What to fix, for a failure that stops the run.
    pub fn advice(&self) -> Option<&str> {
        match self {
            Failure::Fatal { advice, .. } => Some(advice),
            _ => None,
        }
    }

    /// A fresh token refused again: the credentials or base URL are wrong, stop the run.
    pub fn fresh_token_refused(code: i64, msg: String, log_id: Option<String>) -> Failure {
        Failure::Fatal {
            code: Some(code),
            msg,
            advice: TOKEN_REFUSED_ADVICE.to_string(),
            log_id,
        }
    }

    /// True when the whole run must stop.
    pub fn is_fatal(&self) -> bool {
        matches!(self, Failure::Fatal { .. })
    }
}

fn show_log_id(log_id: &Option<String>) -> String {
    match log_id {
        Some(id) => format!(" (log id {id})"),
        None => String::new(),
    }
}

fn show_code(code: Option<i64>) -> String {
    code.map(|c| format!("code {c}: ")).unwrap_or_default()
}

fn show_reset(reset: Option<Duration>) -> String {
    match reset {
        Some(d) => format!("; retry in {}", show_duration(d)),
        None => String::new(),
    }
}

/// "30 s" for whole seconds, "1.5 s" or "200 ms" otherwise.
pub(crate) fn show_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{} s", d.as_secs())
    } else if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        let mut s = String::new();
        let _ = write!(s, "{:.1} s", d.as_secs_f64());
        s
    }
}

/// Which permission a call needs: named in the advice when the app lacks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `hire:external_referral_reward`: importing and deleting rewards.
    Reward,
    /// `hire:referral_account`: registering, enabling, deactivating, reading accounts.
    Account,
    /// `contact:user.id:readonly`: looking users up by e-mail or mobile; with
    /// `employee_id`, also `contact:user.employee_id:readonly` (ids of type `user_id`).
    ContactUserId {
        /// The ids asked for are of type `user_id`.
        employee_id: bool,
    },
    /// `hire:talent:readonly` (or `hire:talent`): looking talents up by e-mail or mobile.
    Talent,
}

impl Scope {
    /// The scope's name as the developer console shows it (the first, when the call
    /// needs several).
    pub fn name(self) -> &'static str {
        self.names()[0]
    }

    /// Every scope the call needs, as the developer console shows them.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            Scope::Reward => &["hire:external_referral_reward"],
            Scope::Account => &["hire:referral_account"],
            Scope::ContactUserId { employee_id: false } => &["contact:user.id:readonly"],
            Scope::ContactUserId { employee_id: true } => &[
                "contact:user.id:readonly",
                "contact:user.employee_id:readonly",
            ],
            Scope::Talent => &["hire:talent:readonly"],
        }
    }
}

/// Codes that stop the run, whatever the call.
pub(crate) const FATAL_CODES: &[i64] = &[99991672, 99991679, 99991401, 99991662, 99991673];

/// Codes that say the token was refused: refresh once and resend.
pub(crate) const TOKEN_CODES: &[i64] = &[
    99991661, 99991663, 99991664, 99991665, 99991668, 99991671, 99991677,
];

/// Code 99991400: the frequency limit, sometimes with HTTP 400.
pub(crate) const RATE_LIMIT_CODE: i64 = 99991400;

/// Code 1002001: a system error on Feishu's side.
pub(crate) const SYSTEM_ERROR_CODE: i64 = 1002001;

/// What to fix for a fatal code of a business call.
pub(crate) fn fatal_advice(code: i64, scope: Scope) -> String {
    let lacks = match scope.names() {
        [one] => format!("the permission {one}: grant it"),
        several => format!(
            "one of the permissions {} (the message names which): grant them",
            several.join(" and ")
        ),
    };
    match code {
        99991672 | 99991679 => format!(
            "the app lacks {lacks} in the developer console \
             (开发者后台 → 权限管理 / Permissions & Scopes), then publish a new app version \
             (版本管理与发布) and have it approved"
        ),
        99991401 => "this machine's IP address is not in the app's IP allow-list: add it in the \
                     developer console (开发者后台 → 安全设置 → IP 白名单) or run from an allowed address"
            .to_string(),
        _ => "the app is disabled or not available in this tenant: check its status in the \
              developer console (开发者后台) and in the admin console (管理后台 → 应用管理), \
              and check FEISHU_APP_ID / FEISHU_APP_SECRET"
            .to_string(),
    }
}

/// What to fix when the token endpoint refuses the app.
pub(crate) const CREDENTIALS_ADVICE: &str = "the token endpoint refused the app: check FEISHU_APP_ID and FEISHU_APP_SECRET \
     (开发者后台 → 凭证与基础信息 / Credentials & Basic Info), that it is an enabled self-built \
     app (自建应用), and that the base URL matches where the app lives (open.feishu.cn for \
     Feishu, open.larksuite.com for Lark)";

/// What to fix when even a fresh token is refused.
pub(crate) const TOKEN_REFUSED_ADVICE: &str = "a freshly fetched tenant access token was refused too: check FEISHU_APP_ID and \
     FEISHU_APP_SECRET, and that the base URL matches where the app lives (open.feishu.cn \
     for Feishu, open.larksuite.com for Lark)";

/// What to fix when the base URL answers, but not like the Feishu Open Platform.
pub(crate) const BASE_URL_ADVICE: &str = "the answer did not come from the Feishu Open Platform: check the base URL (--base-url \
     / FEISHU_BASE_URL) and any proxy in between";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line_with_code_msg_and_log_id() {
        let f = Failure::Permanent {
            code: 1002002,
            msg: "参数错误".into(),
            log_id: Some("L1".into()),
        };
        assert_eq!(f.to_string(), "code 1002002: 参数错误 (log id L1)");
        let f = Failure::Fatal {
            code: Some(99991672),
            msg: "Access denied".into(),
            advice: fatal_advice(99991672, Scope::Reward),
            log_id: Some("L2".into()),
        };
        let text = f.to_string();
        assert!(text.starts_with("code 99991672: Access denied; the app lacks the permission hire:external_referral_reward"), "{text}");
        assert!(text.ends_with("(log id L2)"), "{text}");
        assert!(!text.contains('\n'));
        let f = Failure::RateLimited {
            reset: Some(Duration::from_secs(2)),
            log_id: None,
        };
        assert_eq!(f.to_string(), "rate limited by the server; retry in 2 s");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(show_duration(Duration::from_secs(30)), "30 s");
        assert_eq!(show_duration(Duration::from_millis(200)), "200 ms");
        assert_eq!(show_duration(Duration::from_millis(1500)), "1.5 s");
    }
}
