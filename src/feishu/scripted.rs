//! A scripted Feishu for tests: each server answers with canned replies in order and
//! records what it was sent, so tests check both how an answer is sorted and exactly what
//! left the client.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Response};
use serde_json::json;
use tokio::net::TcpListener;

use super::token::TOKEN_PATH;
use super::*;
use crate::reward::{Amount, Bonus, Cash, RewardBody};

pub(crate) const APP_ID: &str = "cli_test_app";
pub(crate) const SECRET: &str = "very-secret-app-secret-42";
/// Every token the scripted servers issue starts with this.
pub(crate) const TOKEN_PREFIX: &str = "t-scripted-token-";

// ---------------------------------------------------------------- the scripted server

/// One canned answer.
#[derive(Clone)]
pub(crate) struct Canned {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: String,
    pub(crate) delay: Duration,
}

impl Canned {
    /// `{"code":0,"msg":"success","data":…}` with a log id.
    pub(crate) fn ok(data: serde_json::Value) -> Canned {
        Canned::json(200, json!({"code": 0, "msg": "success", "data": data}))
    }

    /// A non-zero code with its msg.
    pub(crate) fn code(status: u16, code: i64, msg: &str) -> Canned {
        Canned::json(status, json!({"code": code, "msg": msg}))
    }

    pub(crate) fn json(status: u16, body: serde_json::Value) -> Canned {
        Canned {
            status,
            headers: vec![("content-type", "application/json; charset=utf-8".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: &str) -> Canned {
        self.headers.push((name, value.to_string()));
        self
    }

    pub(crate) fn delayed(mut self, delay: Duration) -> Canned {
        self.delay = delay;
        self
    }
}

/// One request the server got.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Recorded {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[derive(Default)]
pub(crate) struct Script {
    /// Answers of the token endpoint; when empty, a fresh token is issued.
    pub(crate) token: Mutex<VecDeque<Canned>>,
    /// Answers of every other path, in order.
    pub(crate) calls: Mutex<VecDeque<Canned>>,
    pub(crate) recorded: Mutex<Vec<Recorded>>,
    pub(crate) issued: AtomicUsize,
}

/// A scripted server on 127.0.0.1, alive as long as the test's runtime.
pub(crate) struct Server {
    pub(crate) base_url: String,
    pub(crate) script: Arc<Script>,
}

impl Server {
    pub(crate) async fn start(calls: Vec<Canned>) -> Server {
        Server::with_tokens(Vec::new(), calls).await
    }

    pub(crate) async fn with_tokens(token: Vec<Canned>, calls: Vec<Canned>) -> Server {
        let script = Arc::new(Script {
            token: Mutex::new(token.into()),
            calls: Mutex::new(calls.into()),
            ..Script::default()
        });
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(script.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Server {
            base_url: format!("http://{addr}"),
            script,
        }
    }

    pub(crate) fn client(&self) -> Client {
        client_for(&self.base_url, Duration::from_secs(5))
    }

    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.script.recorded.lock().unwrap().clone()
    }

    pub(crate) fn token_requests(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == TOKEN_PATH)
            .collect()
    }

    pub(crate) fn calls(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path != TOKEN_PATH)
            .collect()
    }
}

pub(crate) fn client_for(base_url: &str, request_timeout: Duration) -> Client {
    let target = Target::new(base_url, APP_ID).unwrap();
    let options = ClientOptions {
        connect_timeout: Duration::from_secs(2),
        request_timeout,
    };
    Client::new(target, Secret::new(SECRET.into()), options).unwrap()
}

pub(crate) fn token_name(n: usize) -> String {
    format!("{TOKEN_PREFIX}{n}")
}

pub(crate) async fn answer(State(script): State<Arc<Script>>, request: Request) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let path = parts.uri.path().to_string();
    script.recorded.lock().unwrap().push(Recorded {
        method: parts.method.to_string(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers.clone(),
        body: body.to_vec(),
    });
    let canned = if path == TOKEN_PATH {
        let scripted = script.token.lock().unwrap().pop_front();
        scripted.unwrap_or_else(|| {
            let n = script.issued.fetch_add(1, Ordering::SeqCst) + 1;
            Canned::json(
                200,
                json!({"code": 0, "msg": "ok", "tenant_access_token": token_name(n), "expire": 7200}),
            )
        })
    } else {
        let scripted = script.calls.lock().unwrap().pop_front();
        scripted.unwrap_or_else(|| Canned::code(418, -1, "the test script has no more answers"))
    };
    if !canned.delay.is_zero() {
        tokio::time::sleep(canned.delay).await;
    }
    let mut response = Response::builder().status(canned.status);
    for (name, value) in &canned.headers {
        response = response.header(*name, value);
    }
    response.body(Body::from(canned.body)).unwrap()
}

// ---------------------------------------------------------------- fixtures

pub(crate) fn cash_body() -> RewardBody {
    RewardBody {
        referral_user_id: "ou_referrer".into(),
        create_user_id: None,
        confirm_user_id: None,
        pay_user_id: None,
        external_id: "ext-001".into(),
        application_id: Some("app-1".into()),
        talent_id: None,
        job_id: None,
        reason: Some("入职奖励".into()),
        rule_type: 1,
        bonus: Bonus {
            bonus_type: 2,
            point_bonus: None,
            cash: Some(Cash {
                currency_type: "CNY".into(),
                amount: Amount::new("100.50".parse().unwrap()),
            }),
        },
        stage: 2,
        create_time: Some("1704720275000".into()),
        confirm_time: None,
        pay_time: None,
        onboard_time: None,
        conversion_time: None,
        comment: None,
    }
}

pub(crate) fn account_json() -> serde_json::Value {
    json!({"account": {"account_id": "6942778198054125570", "status": 1,
        "assets": {"confirmed_bonus": {"point_bonus": 100, "cash_bonus": [{"currency_type": "CNY", "amount": 100}]}}}})
}
