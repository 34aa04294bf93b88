//! The one response type of the sandbox: Feishu's `{"code","msg","data"}` envelope (or a
//! bare body for the token endpoint) with its HTTP status and headers. Handlers return it
//! for success and failure alike, so every answer is shaped the same way.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The header Feishu uses to name a request in its logs.
pub const LOGID_HEADER: &str = "x-tt-logid";

/// Feishu's response codes that the sandbox answers with.
pub mod code {
    /// Success.
    pub const OK: i64 = 0;
    /// Hire: system error (transient).
    pub const SYSTEM_ERROR: i64 = 1002001;
    /// Hire: parameter error.
    pub const PARAM_ERROR: i64 = 1002002;
    /// Hire: invalid mobile number (the talent lookup).
    pub const INVALID_MOBILE: i64 = 1002009;
    /// Hire: user not found.
    pub const USER_NOT_FOUND: i64 = 1002551;
    /// Hire: the mobile or email matches more than one user.
    pub const USER_NOT_UNIQUE: i64 = 1002552;
    /// Hire: referral account not found.
    pub const ACCOUNT_NOT_FOUND: i64 = 1002553;
    /// Auth: invalid request parameters (e.g. an unknown app id).
    pub const AUTH_INVALID_PARAM: i64 = 10003;
    /// Auth: wrong app secret.
    pub const AUTH_BAD_SECRET: i64 = 10014;
    /// Gateway: a request field breaks its rule ("field validation failed"), with the
    /// field in `error.field_violations`.
    pub const FIELD_VALIDATION: i64 = 99992402;
    /// Gateway: frequency limit hit.
    pub const RATE_LIMITED: i64 = 99991400;
    /// Gateway: no access token in the request.
    pub const TOKEN_MISSING: i64 = 99991661;
    /// Gateway: the access token is not one the server issued.
    pub const TOKEN_INVALID: i64 = 99991663;
    /// Gateway: the app lacks the permission (scope) the endpoint needs.
    pub const PERMISSION_DENIED: i64 = 99991672;
    /// Gateway: the access token has expired.
    pub const TOKEN_EXPIRED: i64 = 99991677;
    /// The sandbox's own answer for a path it does not serve.
    pub const NOT_FOUND: i64 = 404;
}

/// A finished answer: status, extra headers and a JSON body serialised once, up front
/// (so money written as exact decimals never passes through a float `Value`).
#[derive(Debug, Clone)]
pub struct Reply {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: String,
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    code: i64,
    msg: &'a str,
    data: T,
}

/// An error envelope with the SDK's `error` object (`lark_oapi.core.model.Error`).
#[derive(Serialize)]
struct Violated<'a> {
    code: i64,
    msg: &'a str,
    data: Empty,
    error: Violations<'a>,
}

#[derive(Serialize)]
struct Violations<'a> {
    field_violations: [FieldViolation<'a>; 1],
}

/// One `ErrorFieldViolation` of the SDK: the field, the value, what is wrong.
#[derive(Serialize)]
struct FieldViolation<'a> {
    field: &'a str,
    value: &'a str,
    description: &'a str,
}

/// The empty `data` object of an error reply.
#[derive(Serialize)]
struct Empty {}

impl Reply {
    /// HTTP 200, code 0, `msg` as given, `data` as given.
    pub fn success<T: Serialize>(msg: &str, data: T) -> Reply {
        Reply::json(
            StatusCode::OK,
            &Envelope {
                code: code::OK,
                msg,
                data,
            },
        )
    }

    /// An error envelope: the HTTP status, the Feishu code, a message, and empty `data`.
    pub fn error(status: StatusCode, code: i64, msg: impl AsRef<str>) -> Reply {
        Reply::json(
            status,
            &Envelope {
                code,
                msg: msg.as_ref(),
                data: Empty {},
            },
        )
    }

    /// HTTP 400, code 1002002: a parameter error whose message names the field.
    pub fn param(msg: impl AsRef<str>) -> Reply {
        Reply::error(StatusCode::BAD_REQUEST, code::PARAM_ERROR, msg)
    }

    /// HTTP 400, code 99992402 "field validation failed": the gateway's answer to a field
    /// that breaks its rule, naming it in `error.field_violations` and, for clients that
    /// print only `msg`, after the documented text as well.
    pub fn field_violation(field: &str, value: &str, description: &str) -> Reply {
        let msg = format!("field validation failed: {field}: {description}");
        Reply::json(
            StatusCode::BAD_REQUEST,
            &Violated {
                code: code::FIELD_VALIDATION,
                msg: &msg,
                data: Empty {},
                error: Violations {
                    field_violations: [FieldViolation {
                        field,
                        value,
                        description,
                    }],
                },
            },
        )
    }

    /// Any serialisable body as it is (the token endpoint's top-level fields).
    pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Reply {
        match serde_json::to_string(body) {
            Ok(body) => Reply {
                status,
                headers: Vec::new(),
                body,
            },
            Err(e) => Reply {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                headers: Vec::new(),
                body: format!(
                    r#"{{"code":{},"msg":{},"data":{{}}}}"#,
                    code::SYSTEM_ERROR,
                    serde_json::Value::String(format!("sandbox could not encode its answer: {e}"))
                ),
            },
        }
    }

    /// The same reply with one more header.
    pub fn with_header(mut self, name: &'static str, value: impl ToString) -> Reply {
        if let Ok(value) = HeaderValue::from_str(&value.to_string()) {
            self.headers.push((HeaderName::from_static(name), value));
        }
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            )],
            self.body,
        )
            .into_response();
        response.headers_mut().extend(self.headers);
        response
    }
}
