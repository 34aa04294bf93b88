//! The webhook's address. Its last path segment is the bot's token, a credential: the
//! address is only ever shown with the token cut to its first 4 characters.

use std::fmt;

use super::NotifyError;

/// A custom bot webhook address.
#[derive(Clone, PartialEq, Eq)]
pub struct Hook {
    url: String,
    shown: String,
}

impl Hook {
    /// Checks an address: http(s), a token at the end; plain http only to loopback (the
    /// sandbox), since the address itself is the credential.
    pub fn parse(text: &str) -> Result<Hook, NotifyError> {
        let text = text.trim();
        let (scheme, rest) = text.split_once("://").ok_or_else(|| NotifyError::BadUrl {
            shown: redact(text),
            why: "it is not an http(s) address".into(),
        })?;
        let host_port = rest.split('/').next().unwrap_or_default();
        let host = host_of(host_port);
        let (_, token) = rest.rsplit_once('/').unwrap_or(("", ""));
        let shown = redact(text);
        if token.is_empty() || !rest.contains('/') {
            return Err(NotifyError::BadUrl {
                shown,
                why: "it ends without the bot's token (…/open-apis/bot/v2/hook/TOKEN)".into(),
            });
        }
        match scheme.to_ascii_lowercase().as_str() {
            "https" => {}
            "http" if is_loopback(host) => {}
            "http" => {
                return Err(NotifyError::BadUrl {
                    shown,
                    why: "plain http would send the bot's token in the clear; use https (http is accepted for loopback only, e.g. the sandbox)".into(),
                });
            }
            _ => {
                return Err(NotifyError::BadUrl {
                    shown,
                    why: "it is not an http(s) address".into(),
                });
            }
        }
        Ok(Hook {
            url: text.to_owned(),
            shown,
        })
    }

    /// The address, for the request only.
    pub(super) fn expose(&self) -> &str {
        &self.url
    }
}

impl fmt::Display for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hook({})", self.shown)
    }
}

/// The address with its last path segment (the token) cut to 4 characters, and any query
/// string dropped.
pub fn redact(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or_default();
    match url.rsplit_once('/') {
        Some((head, token)) if !token.is_empty() && head.contains("://") => {
            let kept: String = token.chars().take(4).collect();
            format!("{head}/{kept}…")
        }
        _ => {
            let kept: String = url.chars().take(12).collect();
            format!("{kept}…")
        }
    }
}

fn host_of(host_port: &str) -> &str {
    let without_user = host_port.rsplit('@').next().unwrap_or(host_port);
    if let Some(rest) = without_user.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    without_user.split(':').next().unwrap_or(without_user)
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_never_shown_whole_and_plain_http_is_for_loopback_only() {
        let hook =
            Hook::parse("https://open.feishu.cn/open-apis/bot/v2/hook/2b5c1d4e-aaaa-bbbb").unwrap();
        assert_eq!(
            hook.to_string(),
            "https://open.feishu.cn/open-apis/bot/v2/hook/2b5c…"
        );
        assert!(!format!("{hook:?}").contains("aaaa"));
        assert!(Hook::parse("http://127.0.0.1:8787/open-apis/bot/v2/hook/t0k3n").is_ok());
        assert!(Hook::parse("http://[::1]:8787/open-apis/bot/v2/hook/t0k3n").is_ok());
        let err = Hook::parse("http://hooks.example.com/open-apis/bot/v2/hook/s3cr3t-token")
            .unwrap_err()
            .to_string();
        assert!(err.contains("plain http"), "{err}");
        assert!(!err.contains("s3cr3t-token"), "{err}");
        assert!(Hook::parse("https://open.feishu.cn/").is_err());
        assert!(Hook::parse("open.feishu.cn/open-apis/bot/v2/hook/x").is_err());
    }
}
