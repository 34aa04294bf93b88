//! One HTTP exchange: send a request, read the whole answer, and turn network faults
//! (timeouts, refused or dropped connections) into [`Failure::Transient`].

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::failure::{Failure, show_duration};

/// The Content-Type every call carries, as the documentation fixes it.
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// A whole answer: status, headers and body bytes.
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Sends the request and reads the answer to its end.
pub(crate) async fn exchange(
    request: reqwest::RequestBuilder,
    timeouts: (Duration, Duration),
) -> Result<Reply, Failure> {
    let response = request
        .send()
        .await
        .map_err(|e| network_fault(&e, timeouts, false))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| network_fault(&e, timeouts, true))?;
    Ok(Reply {
        status,
        headers,
        body: body.to_vec(),
    })
}

/// Describes a network fault in a few words. `reading`: the answer had begun to arrive.
/// A failed connection means the request never left; anything later may have reached
/// the server.
fn network_fault(
    error: &reqwest::Error,
    (connect_timeout, request_timeout): (Duration, Duration),
    reading: bool,
) -> Failure {
    if error.is_connect() {
        let what = if error.is_timeout() {
            format!(
                "could not connect within {}",
                show_duration(connect_timeout)
            )
        } else {
            format!("could not connect: {}", root_cause(error))
        };
        return Failure::Unreachable { what };
    }
    let what = if error.is_timeout() {
        format!("timed out after {}", show_duration(request_timeout))
    } else if reading {
        format!(
            "connection closed while reading the answer: {}",
            root_cause(error)
        )
    } else {
        format!("connection closed before an answer: {}", root_cause(error))
    };
    Failure::Transient {
        what,
        code: None,
        log_id: None,
    }
}

/// The innermost error's message: the one that says what happened ("connection refused").
/// Request URLs never hold a token or the secret, so nothing here can leak them.
fn root_cause(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
