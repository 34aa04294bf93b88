//! The custom group bot webhook (自定义机器人, `api/people-and-more.md` §4):
//! `POST /open-apis/bot/v2/hook/:token`. It checks the message's shape and, with a bot
//! secret, its signature and timestamp; holds each bot to 5 messages a second and 100 a
//! minute; and keeps every message, so tests and a rehearsing user can read what was posted.
//!
//! Feishu documents the codes, not the HTTP status of these answers: the sandbox answers them
//! with HTTP 200, the code in the body (a client must read the code either way).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::Value;
use sha2::Sha256;

use super::AppState;
use super::reply::Reply;

/// The webhook's route.
pub const ROUTE: &str = "/open-apis/bot/v2/hook/{token}";

/// The largest body a bot takes.
pub const MAX_BODY: usize = 20 * 1024;

/// Bad request: not a message the bot can post.
pub const BAD_REQUEST: i64 = 9499;
/// The signature does not match, or the timestamp is more than an hour away.
pub const SIGN_FAILED: i64 = 19021;
/// Too many messages to this bot.
pub const RATE_LIMITED: i64 = 11232;

/// How far a signed timestamp may be from the sandbox's clock.
const TIMESTAMP_WINDOW: u64 = 3600;

/// The message types the webhook documents.
const MSG_TYPES: [&str; 5] = ["text", "post", "image", "share_chat", "interactive"];

/// The limits per bot: (window, messages).
const LIMITS: [(Duration, usize); 2] =
    [(Duration::from_secs(1), 5), (Duration::from_secs(60), 100)];

/// One message the webhook received.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BotMessage {
    /// The bot's token, cut to its first 4 characters: it is a credential.
    pub token: String,
    /// The body as received.
    pub body: Value,
    /// `valid` (signed and checked), `unsigned` (no bot secret: not checked), or why it was
    /// refused (`invalid signature`, `timestamp out of range`, `missing sign`).
    pub signature: String,
    /// The code answered.
    pub code: i64,
    /// When it arrived, unix seconds.
    pub received_at: u64,
}

/// The bots' state: the secret their signatures are checked with, the messages, the arrivals
/// each limit counts.
#[derive(Debug, Default)]
pub struct Bots {
    secret: Option<String>,
    messages: Vec<BotMessage>,
    arrivals: HashMap<String, VecDeque<Instant>>,
}

impl Bots {
    /// Bots whose messages must be signed with `secret` (None: not checked).
    pub fn new(secret: Option<String>) -> Bots {
        Bots {
            secret,
            ..Bots::default()
        }
    }

    /// Every message received, oldest first.
    pub fn messages(&self) -> &[BotMessage] {
        &self.messages
    }

    /// Counts an arrival for `token` at `now`; false when a limit is already reached.
    fn admit(&mut self, token: &str, now: Instant) -> bool {
        let arrivals = self.arrivals.entry(token.to_owned()).or_default();
        let longest = LIMITS.iter().map(|(w, _)| *w).max().unwrap_or_default();
        while arrivals
            .front()
            .is_some_and(|t| now.duration_since(*t) >= longest)
        {
            arrivals.pop_front();
        }
        let full = LIMITS.iter().any(|(window, most)| {
            arrivals
                .iter()
                .filter(|t| now.duration_since(**t) < *window)
                .count()
                >= *most
        });
        if !full {
            arrivals.push_back(now);
        }
        !full
    }
}

/// Why a body is not a message the bot can post, if it is not.
fn malformed(body: &Value) -> Option<String> {
    let Some(object) = body.as_object() else {
        return Some("the body is not a JSON object".into());
    };
    let msg_type = match object.get("msg_type").and_then(Value::as_str) {
        None => return Some("msg_type is missing".into()),
        Some(t) if !MSG_TYPES.contains(&t) => {
            return Some(format!("msg_type {t:?} is not one of {MSG_TYPES:?}"));
        }
        Some(t) => t,
    };
    match msg_type {
        "interactive" if !object.get("card").is_some_and(Value::is_object) => {
            Some("an interactive message needs a card object".into())
        }
        "text"
            if !object
                .get("content")
                .and_then(|c| c.get("text"))
                .is_some_and(Value::is_string) =>
        {
            Some("a text message needs content.text".into())
        }
        _ => None,
    }
}

/// Checks a signed body against `secret`; Err says why it fails.
fn check_signature(body: &Value, secret: &str, now: u64) -> Result<(), &'static str> {
    let timestamp = match body.get("timestamp") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err("missing timestamp"),
    };
    let Some(sign) = body.get("sign").and_then(Value::as_str) else {
        return Err("missing sign");
    };
    let Ok(at) = timestamp.parse::<u64>() else {
        return Err("timestamp out of range");
    };
    if at.abs_diff(now) > TIMESTAMP_WINDOW {
        return Err("timestamp out of range");
    }
    if !signed_with(secret, &timestamp, sign) {
        return Err("invalid signature");
    }
    Ok(())
}

/// True when `sign` is the signature the custom bot's documentation (`api/people-and-more.md`
/// §4) defines for `timestamp` and `secret`: base64 of HMAC-SHA256 keyed with
/// `timestamp + "\n" + secret` over an empty message.
///
/// The sandbox checks it the way a server should rather than by rebuilding the sender's
/// text: it decodes `sign` (strict standard base64, so a sign spelled any other way fails,
/// as a different string would) and compares the MAC in constant time.
fn signed_with(secret: &str, timestamp: &str, sign: &str) -> bool {
    let Ok(claimed) = base64::engine::general_purpose::STANDARD.decode(sign) else {
        return false;
    };
    let key = format!("{timestamp}\n{secret}");
    // HMAC takes a key of any length, so this never fails; if it did, nothing is signed.
    let Ok(mac) = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()) else {
        return false;
    };
    mac.verify_slice(&claimed).is_ok()
}

/// `POST /open-apis/bot/v2/hook/:token`.
pub async fn hook(State(state): State<AppState>, Path(token): Path<String>, body: Bytes) -> Reply {
    let now = state.clock().now();
    let unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let shown: String = token.chars().take(4).collect();
    state.bots(|bots| {
        let parsed: Result<Value, String> = if body.len() > MAX_BODY {
            Err(format!(
                "the body is {} bytes; a bot takes at most {MAX_BODY}",
                body.len()
            ))
        } else {
            serde_json::from_slice(&body).map_err(|e| format!("the body is not JSON: {e}"))
        };
        let (value, refusal) = match parsed {
            Ok(value) => {
                let refusal = malformed(&value);
                (value, refusal)
            }
            Err(why) => (Value::Null, Some(why)),
        };
        let record = |bots: &mut Bots, code: i64, signature: &str, value: Value| {
            bots.messages.push(BotMessage {
                token: format!("{shown}…"),
                body: value,
                signature: signature.to_owned(),
                code,
                received_at: unix,
            });
        };
        if let Some(why) = refusal {
            record(bots, BAD_REQUEST, "not checked", value);
            return Reply::error(StatusCode::OK, BAD_REQUEST, format!("Bad Request: {why}"));
        }
        if !bots.admit(&token, now) {
            record(bots, RATE_LIMITED, "not checked", value);
            return Reply::error(
                StatusCode::OK,
                RATE_LIMITED,
                "the bot is rate limited: at most 5 messages a second and 100 a minute",
            );
        }
        let checked = match bots.secret.clone() {
            None => Ok("unsigned"),
            Some(secret) => check_signature(&value, &secret, unix).map(|()| "valid"),
        };
        match checked {
            Ok(signature) => {
                record(bots, 0, signature, value);
                Reply::success("success", serde_json::json!({}))
            }
            Err(why) => {
                record(bots, SIGN_FAILED, why, value);
                Reply::error(
                    StatusCode::OK,
                    SIGN_FAILED,
                    format!("sign match fail or timestamp is not within one hour from current time ({why})"),
                )
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known signatures, computed outside Rust with Python's standard library:
    /// `base64.b64encode(hmac.new(f"{ts}\n{secret}".encode(), b"", hashlib.sha256).digest())`.
    /// The first is the pair the client's own test pins too.
    const KNOWN: [(&str, &str, &str); 5] = [
        (
            "1599360473",
            "test",
            "NVcdmaRhTlOqmXksontxmKEP4AYWAMD5VOczwSqarks=",
        ),
        (
            "1700000000",
            "s3",
            "eadg3K8D5pJHina1SanWPdQUcpqxvN+0kGvFxsngPzI=",
        ),
        (
            "1700000000",
            "other",
            "ORIobdxDoyfJgF2JaJQm+b1UbGPKnBTTUqskMcSEgi4=",
        ),
        (
            "1699996399",
            "s3",
            "kV3oc7iVA8/kO+ouDxghptjtQtrf9aqiUXBnypfx0Ec=",
        ),
        (
            "1700000000",
            "密钥",
            "cyn+2wyXar1IIl3eihT1dIzSxsVv1BFWCgy6prBcWJM=",
        ),
    ];

    /// The signature a sender computes, from [`KNOWN`] (the tests sign nothing else).
    fn signature(timestamp: &str, secret: &str) -> String {
        KNOWN
            .iter()
            .find(|(t, s, _)| (*t, *s) == (timestamp, secret))
            .map(|(_, _, sign)| (*sign).to_owned())
            .unwrap_or_else(|| panic!("no known signature for {timestamp} and {secret}"))
    }

    #[test]
    fn the_documented_signature_is_accepted_and_nothing_else() {
        for (timestamp, secret, sign) in KNOWN {
            assert!(signed_with(secret, timestamp, sign), "{timestamp} {secret}");
            assert!(!signed_with("x", timestamp, sign), "{timestamp} {secret}");
            assert!(!signed_with(secret, "1", sign), "{timestamp} {secret}");
        }
        let (timestamp, secret, sign) = KNOWN[1];
        // The same bytes spelled otherwise: no padding, a line break, URL-safe letters.
        for respelled in [
            sign.trim_end_matches('='),
            &format!("{sign}\n"),
            &sign.replace('+', "-").replace('/', "_"),
            "",
            "not base64 at all",
        ] {
            assert!(!signed_with(secret, timestamp, respelled), "{respelled:?}");
        }
    }

    #[test]
    fn a_signature_is_checked_against_the_secret_and_the_hour() {
        let now = 1_700_000_000;
        let signed = |ts: u64, secret: &str| serde_json::json!({"timestamp": ts.to_string(), "sign": signature(&ts.to_string(), secret), "msg_type": "text", "content": {"text": "x"}});
        assert_eq!(check_signature(&signed(now, "s3"), "s3", now), Ok(()));
        assert_eq!(
            check_signature(&signed(now, "other"), "s3", now),
            Err("invalid signature")
        );
        assert_eq!(
            check_signature(&signed(now - 3601, "s3"), "s3", now),
            Err("timestamp out of range")
        );
        assert_eq!(
            check_signature(&serde_json::json!({"msg_type": "text"}), "s3", now),
            Err("missing timestamp")
        );
    }

    #[test]
    fn a_bot_takes_five_messages_a_second_and_a_hundred_a_minute() {
        let mut bots = Bots::default();
        let start = Instant::now();
        let admitted = (0..6).filter(|_| bots.admit("t", start)).count();
        assert_eq!(admitted, 5);
        let mut at = start;
        let mut total = 5;
        for _ in 0..40 {
            at += Duration::from_secs(1);
            total += (0..5).filter(|_| bots.admit("t", at)).count();
        }
        assert!(total <= 100, "{total}");
        assert!(bots.admit("another", at));
    }
}
