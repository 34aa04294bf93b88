//! Reading an answer: status, `x-tt-logid`, and the body's `code` sorted into success, a
//! refused token, or one of the [`Failure`] classes of SPEC §1.
//!
//! One pure function does the sorting so that every rule of the code table sits in one
//! place and can be tested without a socket.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::text::server_text;

use super::failure::{
    BASE_URL_ADVICE, CREDENTIALS_ADVICE, FATAL_CODES, Failure, RATE_LIMIT_CODE, SYSTEM_ERROR_CODE,
    Scope, TOKEN_CODES, fatal_advice,
};

/// A successful call's value and the log id of its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer<T> {
    /// What the call returned.
    pub value: T,
    /// The `x-tt-logid` header of the answer, for Feishu support.
    pub log_id: Option<String>,
}

/// The header Feishu puts its request log id in.
pub(crate) const LOG_ID_HEADER: &str = "x-tt-logid";

/// Which kind of endpoint answered: the rules for codes differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// The tenant token endpoint: any refusal is about the app's credentials.
    Token,
    /// A Hire call needing this scope.
    Business(Scope),
}

/// How an answer was sorted.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// Code 0: the body's `data`, if any.
    Success {
        data: Option<Box<RawValue>>,
        log_id: Option<String>,
    },
    /// A token error code: refresh the token and resend once.
    TokenRefused {
        code: i64,
        msg: String,
        log_id: Option<String>,
    },
    /// Anything else.
    Failed(Failure),
}

/// The common envelope `{"code", "msg", "data"}`; `data` is kept raw so that amounts are
/// read from their own text later, never through a float.
#[derive(Deserialize)]
struct Envelope {
    code: i64,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    data: Option<Box<RawValue>>,
    #[serde(default)]
    error: Option<ErrorDetail>,
}

/// Newer gateways also put the log id in the body.
#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    log_id: Option<String>,
}

/// Sorts one answer.
pub(crate) fn classify(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    endpoint: Endpoint,
) -> Verdict {
    let mut log_id = header_text(headers, LOG_ID_HEADER);
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Verdict::Failed(Failure::RateLimited {
            reset: rate_limit_reset(headers),
            log_id,
        });
    }
    let envelope = match serde_json::from_slice::<Envelope>(body) {
        Ok(envelope) => envelope,
        Err(_) => return Verdict::Failed(unreadable(status, log_id)),
    };
    if log_id.is_none() {
        log_id = envelope
            .error
            .and_then(|e| e.log_id)
            .map(|id| server_text(&id));
    }
    let Envelope {
        code, msg, data, ..
    } = envelope;
    // Shown in summaries, the errors file, logs and `--json`, and kept in the ledger:
    // escaped and cut once, here, where it enters (SPEC §2.5).
    let msg = server_text(&msg);
    let transient = |what: String, log_id| {
        Verdict::Failed(Failure::Transient {
            what,
            code: Some(code),
            log_id,
        })
    };
    if code == RATE_LIMIT_CODE {
        return Verdict::Failed(Failure::RateLimited {
            reset: rate_limit_reset(headers),
            log_id,
        });
    }
    if code == 0 {
        return if status.is_success() {
            Verdict::Success { data, log_id }
        } else {
            transient(format!("HTTP {} with code 0", status.as_u16()), log_id)
        };
    }
    match endpoint {
        Endpoint::Token if status.is_server_error() => transient(
            format!("HTTP {}, code {code}: {msg}", status.as_u16()),
            log_id,
        ),
        Endpoint::Token => {
            let advice = if code == 99991401 {
                fatal_advice(code, Scope::Reward)
            } else {
                CREDENTIALS_ADVICE.to_string()
            };
            Verdict::Failed(Failure::Fatal {
                code: Some(code),
                msg,
                advice,
                log_id,
            })
        }
        Endpoint::Business(_) if TOKEN_CODES.contains(&code) => {
            Verdict::TokenRefused { code, msg, log_id }
        }
        Endpoint::Business(_) if code == SYSTEM_ERROR_CODE => {
            transient(format!("code {code}: {msg}"), log_id)
        }
        Endpoint::Business(scope) if FATAL_CODES.contains(&code) => {
            Verdict::Failed(Failure::Fatal {
                code: Some(code),
                msg,
                advice: fatal_advice(code, scope),
                log_id,
            })
        }
        // A server fault whatever the code says: the row itself may be fine.
        Endpoint::Business(_) if status.is_server_error() => transient(
            format!("HTTP {}, code {code}: {msg}", status.as_u16()),
            log_id,
        ),
        Endpoint::Business(_) => Verdict::Failed(Failure::Permanent { code, msg, log_id }),
    }
}

/// An answer whose body is not Feishu's JSON envelope.
fn unreadable(status: StatusCode, log_id: Option<String>) -> Failure {
    let what = format!("HTTP {}", status.as_u16());
    if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
        Failure::Transient {
            what,
            code: None,
            log_id,
        }
    } else if status.is_success() {
        Failure::Transient {
            what: format!("{what} with an unreadable body"),
            code: None,
            log_id,
        }
    } else {
        // A redirect or a 404 page means the base URL points somewhere else: retrying
        // every row would not help.
        Failure::Fatal {
            code: None,
            msg: format!("{what} without a Feishu answer"),
            advice: BASE_URL_ADVICE.to_string(),
            log_id,
        }
    }
}

/// Reads a successful call's `data` as `T`; a missing or malformed one is transient
/// (the server said yes but the answer did not arrive whole).
pub(crate) fn parse_data<T: DeserializeOwned>(
    data: Option<&RawValue>,
    what: &str,
    log_id: &Option<String>,
) -> Result<T, Failure> {
    let broken = |detail: String| Failure::Transient {
        what: format!("code 0 but {what} is {detail}"),
        code: Some(0),
        log_id: log_id.clone(),
    };
    let raw = data.ok_or_else(|| broken("missing".into()))?;
    // The parser's message may quote what the server sent.
    serde_json::from_str(raw.get())
        .map_err(|e| broken(format!("unreadable: {}", server_text(&e.to_string()))))
}

/// How long a rate-limited caller should wait: `x-ogw-ratelimit-reset`, else `Retry-After`.
fn rate_limit_reset(headers: &HeaderMap) -> Option<Duration> {
    ["x-ogw-ratelimit-reset", "retry-after"]
        .iter()
        .find_map(|name| header_text(headers, name).and_then(|v| seconds(&v)))
}

/// A number of seconds (whole or fractional); HTTP dates and junk are ignored.
fn seconds(text: &str) -> Option<Duration> {
    let secs: f64 = text.trim().parse().ok()?;
    Duration::try_from_secs_f64(secs).ok()
}

/// A header's value as text, when present and printable.
fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| server_text(v.trim()))
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    const REWARD: Endpoint = Endpoint::Business(Scope::Reward);

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn sort(status: u16, hs: &[(&'static str, &str)], body: &str, endpoint: Endpoint) -> Verdict {
        classify(
            StatusCode::from_u16(status).unwrap(),
            &headers(hs),
            body.as_bytes(),
            endpoint,
        )
    }

    fn failure(v: Verdict) -> Failure {
        match v {
            Verdict::Failed(f) => f,
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn success_keeps_data_and_log_id() {
        let v = sort(
            200,
            &[("x-tt-logid", "L0")],
            r#"{"code":0,"msg":"success","data":{"id":"7"}}"#,
            REWARD,
        );
        let Verdict::Success { data, log_id } = v else {
            panic!("{v:?}")
        };
        assert_eq!(log_id.as_deref(), Some("L0"));
        assert_eq!(data.unwrap().get(), r#"{"id":"7"}"#);
    }

    #[test]
    fn rate_limit_headers_are_read_in_order() {
        let f = failure(sort(
            429,
            &[("x-ogw-ratelimit-reset", "3"), ("retry-after", "9")],
            "",
            REWARD,
        ));
        assert_eq!(
            f,
            Failure::RateLimited {
                reset: Some(Duration::from_secs(3)),
                log_id: None
            }
        );
        let f = failure(sort(429, &[("retry-after", "0.5")], "", REWARD));
        assert!(
            matches!(f, Failure::RateLimited { reset: Some(d), .. } if d == Duration::from_millis(500))
        );
        let f = failure(sort(
            429,
            &[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")],
            "",
            REWARD,
        ));
        assert!(matches!(f, Failure::RateLimited { reset: None, .. }));
    }

    #[test]
    fn body_code_wins_over_a_2xx_or_4xx_status() {
        let f = failure(sort(
            400,
            &[],
            r#"{"code":99991400,"msg":"request trigger frequency limit"}"#,
            REWARD,
        ));
        assert!(matches!(f, Failure::RateLimited { .. }));
        let v = sort(
            200,
            &[],
            r#"{"code":99991663,"msg":"Invalid access token"}"#,
            REWARD,
        );
        assert!(matches!(v, Verdict::TokenRefused { code: 99991663, .. }));
    }

    #[test]
    fn log_id_falls_back_to_the_body() {
        let f = failure(sort(
            400,
            &[],
            r#"{"code":1002002,"msg":"bad","error":{"log_id":"B1"}}"#,
            REWARD,
        ));
        assert_eq!(f.log_id(), Some("B1"));
    }

    #[test]
    fn non_json_answers() {
        let f = failure(sort(503, &[], "<html>busy</html>", REWARD));
        assert_eq!(f.to_string(), "HTTP 503");
        let f = failure(sort(200, &[], "<html>", REWARD));
        assert!(matches!(f, Failure::Transient { .. }), "{f}");
        let f = failure(sort(404, &[], "<html>not found</html>", REWARD));
        assert!(f.is_fatal(), "{f}");
        assert!(f.to_string().contains("base URL"), "{f}");
    }

    #[test]
    fn unknown_code_with_5xx_is_transient_and_with_4xx_permanent() {
        let f = failure(sort(502, &[], r#"{"code":123,"msg":"x"}"#, REWARD));
        assert!(
            matches!(
                f,
                Failure::Transient {
                    code: Some(123),
                    ..
                }
            ),
            "{f}"
        );
        let f = failure(sort(400, &[], r#"{"code":123,"msg":"x"}"#, REWARD));
        assert!(matches!(f, Failure::Permanent { code: 123, .. }), "{f}");
    }

    #[test]
    fn token_endpoint_refusals_are_fatal() {
        let f = failure(sort(
            400,
            &[],
            r#"{"code":10014,"msg":"app secret invalid"}"#,
            Endpoint::Token,
        ));
        assert!(f.is_fatal());
        assert!(f.to_string().contains("FEISHU_APP_SECRET"), "{f}");
        let f = failure(sort(
            500,
            &[],
            r#"{"code":10001,"msg":"x"}"#,
            Endpoint::Token,
        ));
        assert!(matches!(f, Failure::Transient { .. }), "{f}");
    }

    #[test]
    fn data_is_parsed_or_transient() {
        #[derive(Deserialize, Debug)]
        struct Id {
            #[allow(dead_code)]
            id: String,
        }
        let raw = RawValue::from_string(r#"{"id":"1"}"#.into()).unwrap();
        assert!(parse_data::<Id>(Some(&raw), "data.id", &None).is_ok());
        let f = parse_data::<Id>(None, "data.id", &None).unwrap_err();
        assert!(matches!(f, Failure::Transient { .. }), "{f}");
    }
}
