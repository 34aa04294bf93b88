use std::sync::atomic::AtomicUsize;

use serde_json::json;

use super::*;
use crate::feishu::scripted::{Canned, Server, cash_body, token_name};
use crate::feishu::{Request, UserIdType};
use crate::run::throttle::{Rate, Throttle};

fn engine(retry_budget: u32, stop: Stop) -> Engine {
    let policy = RetryPolicy {
        backoff_base: Duration::from_millis(1),
        retry_budget,
        ..RetryPolicy::default()
    };
    Engine::new(
        Arc::new(Throttle::new(Rate::per_second(1000.0))),
        policy,
        Arc::new(Halt::new(stop)),
    )
}

fn reward() -> Request<String> {
    Request::create_reward(&cash_body(), UserIdType::OpenId)
}

/// A `before` hook that counts its calls.
fn counting(
    calls: &AtomicUsize,
) -> impl FnMut() -> std::future::Ready<Result<(), LedgerError>> + '_ {
    move || {
        calls.fetch_add(1, Ordering::SeqCst);
        std::future::ready(Ok(()))
    }
}

#[test]
fn backoff_grows_and_is_capped() {
    let policy = RetryPolicy::default();
    for retry in 1..=10 {
        let wait = backoff(&policy, retry);
        let ceiling = policy
            .backoff_base
            .saturating_mul(1 << (retry - 1))
            .min(policy.backoff_max);
        assert!(wait <= ceiling && wait >= ceiling / 2, "{retry}: {wait:?}");
    }
}

#[tokio::test]
async fn a_refused_token_is_fetched_anew_and_the_resend_is_an_attempt_of_its_own() {
    let server = Server::start(vec![
        Canned::code(200, 99991663, "Invalid access token for authorization"),
        Canned::ok(json!({"id": "7"})).header("x-tt-logid", "LOG-AFTER"),
    ])
    .await;
    let engine = engine(5, crate::run::stop::never());
    let marks = AtomicUsize::new(0);
    let end = engine
        .attempt(&server.client(), &reward(), counting(&marks))
        .await
        .unwrap()
        .end;
    let Attempted::Done(answer) = end else {
        panic!("{end:?}")
    };
    assert_eq!(answer.value, "7");
    assert_eq!(answer.log_id.as_deref(), Some("LOG-AFTER"));
    // Two attempts, each marked in flight and each through the throttle.
    assert_eq!(marks.load(Ordering::SeqCst), 2);
    assert_eq!(engine.counts().sent, 2);
    assert_eq!(server.token_requests().len(), 2);
    let calls = server.calls();
    assert_eq!(
        calls[0].header("authorization"),
        Some(format!("Bearer {}", token_name(1)).as_str())
    );
    assert_eq!(
        calls[1].header("authorization"),
        Some(format!("Bearer {}", token_name(2)).as_str())
    );
    assert_eq!(calls[0].body, calls[1].body);
}

#[tokio::test]
async fn a_fresh_token_refused_again_is_fatal_and_halts_the_run() {
    let server = Server::start(vec![
        Canned::code(200, 99991677, "token expired"),
        Canned::code(200, 99991663, "Invalid access token").header("x-tt-logid", "LOG-T2"),
    ])
    .await;
    let engine = engine(5, crate::run::stop::never());
    let client = server.client();
    let end = engine
        .attempt(&client, &reward(), counting(&AtomicUsize::new(0)))
        .await
        .unwrap()
        .end;
    assert!(
        matches!(
            end,
            Attempted::Unsettled {
                in_doubt: false,
                error: Some(LastError {
                    code: Some(99991663),
                    ..
                })
            }
        ),
        "{end:?}"
    );
    let Some(Failure::Fatal { advice, log_id, .. }) = engine.halt().fatal_failure() else {
        panic!("no fatal failure kept")
    };
    assert!(advice.contains("FEISHU_APP_SECRET"), "{advice}");
    assert_eq!(log_id.as_deref(), Some("LOG-T2"));
    // Halted: the next item sends nothing and is certainly not stored.
    let marks = AtomicUsize::new(0);
    let next = engine
        .attempt(&client, &reward(), counting(&marks))
        .await
        .unwrap()
        .end;
    assert!(
        matches!(
            next,
            Attempted::Unsettled {
                in_doubt: false,
                error: None
            }
        ),
        "{next:?}"
    );
    assert_eq!(marks.load(Ordering::SeqCst), 0);
    assert_eq!(server.calls().len(), 2);
}

#[tokio::test]
async fn a_token_asked_for_before_a_refusal_and_refused_too_is_not_fatal() {
    // Two requests leave with token 1, which the server has just revoked. The first is
    // refused after 0.3 s and fetches token 2; the second is refused at 0.9 s and resends
    // with token 2 — asked for before its own refusal, and revoked with token 1 (a
    // revocation can race a refresh). That proves nothing about the credentials: it
    // fetches token 3, and only a refusal of a token asked for after it would be fatal.
    let refused = || Canned::code(200, 99991663, "Invalid access token");
    let server = Server::start(vec![
        refused().delayed(Duration::from_millis(300)),
        refused().delayed(Duration::from_millis(900)),
        Canned::ok(json!({"id": "1"})),
        refused(),
        Canned::ok(json!({"id": "2"})),
    ])
    .await;
    let engine = engine(5, crate::run::stop::never());
    let client = server.client();
    let (request, marks) = (reward(), AtomicUsize::new(0));
    let (first, second) = tokio::join!(
        engine.attempt(&client, &request, counting(&marks)),
        engine.attempt(&client, &request, counting(&marks)),
    );
    for end in [first.unwrap().end, second.unwrap().end] {
        assert!(matches!(end, Attempted::Done(_)), "{end:?}");
    }
    assert!(engine.halt().fatal_failure().is_none(), "the run goes on");
    assert_eq!(server.token_requests().len(), 3);
    let tokens: Vec<_> = server
        .calls()
        .iter()
        .map(|c| c.header("authorization").unwrap_or_default().to_owned())
        .collect();
    let bearer = |n| format!("Bearer {}", token_name(n));
    assert_eq!(
        tokens,
        [bearer(1), bearer(1), bearer(2), bearer(2), bearer(3)]
    );
}

#[tokio::test]
async fn the_token_is_in_hand_before_the_in_flight_mark_and_the_slot() {
    let slow_token = Canned::json(
        200,
        json!({"code": 0, "msg": "ok", "tenant_access_token": token_name(1), "expire": 7200}),
    )
    .delayed(Duration::from_millis(100));
    let server = Server::with_tokens(vec![slow_token], vec![Canned::ok(json!({"id": "1"}))]).await;
    let engine = engine(5, crate::run::stop::never());
    let tokens_at_mark = Mutex::new(Vec::new());
    let end = engine
        .attempt(&server.client(), &reward(), || {
            tokens_at_mark
                .lock()
                .unwrap()
                .push(server.token_requests().len());
            std::future::ready(Ok(()))
        })
        .await
        .unwrap()
        .end;
    assert!(matches!(end, Attempted::Done(_)), "{end:?}");
    assert_eq!(*tokens_at_mark.lock().unwrap(), [1]);
}

#[tokio::test]
async fn transient_faults_that_outlast_the_budget_leave_the_item_in_doubt() {
    let server = Server::start(vec![
        Canned::code(500, 1002001, "系统错误"),
        Canned::code(500, 1002001, "系统错误"),
        Canned::code(500, 1002001, "系统错误").header("x-tt-logid", "LOG-LAST"),
    ])
    .await;
    let engine = engine(2, crate::run::stop::never());
    let marks = AtomicUsize::new(0);
    let end = engine
        .attempt(&server.client(), &reward(), counting(&marks))
        .await
        .unwrap()
        .end;
    let Attempted::Unsettled {
        in_doubt: true,
        error: Some(error),
    } = end
    else {
        panic!("{end:?}")
    };
    assert_eq!(error.code, Some(1002001));
    assert_eq!(error.log_id.as_deref(), Some("LOG-LAST"));
    assert!(
        error.message.contains("left for the next run"),
        "{}",
        error.message
    );
    assert_eq!(
        marks.load(Ordering::SeqCst),
        3,
        "budget 2 = three attempts, each marked first"
    );
    assert_eq!(engine.counts().sent, 3);
}

#[tokio::test]
async fn rate_limits_alone_never_leave_an_item_in_doubt() {
    let limited = || Canned::code(429, 99991400, "limit").header("x-ogw-ratelimit-reset", "0");
    let server = Server::start(vec![limited(), limited(), limited()]).await;
    let mut engine = engine(5, crate::run::stop::never());
    engine.policy.rate_limit_budget = 2;
    let end = engine
        .attempt(&server.client(), &reward(), counting(&AtomicUsize::new(0)))
        .await
        .unwrap()
        .end;
    assert!(
        matches!(
            end,
            Attempted::Unsettled {
                in_doubt: false,
                error: Some(_)
            }
        ),
        "{end:?}"
    );
    assert_eq!(engine.counts().rate_limited, 3);
}

#[tokio::test]
async fn a_stop_before_the_first_attempt_sends_nothing() {
    let server = Server::start(vec![Canned::ok(json!({"id": "1"}))]).await;
    let (stop, stopped) = watch::channel(None);
    stop.send(Some(Signal::Terminate)).unwrap();
    let engine = engine(5, stopped);
    let marks = AtomicUsize::new(0);
    let end = engine
        .attempt(&server.client(), &reward(), counting(&marks))
        .await
        .unwrap()
        .end;
    assert!(
        matches!(
            end,
            Attempted::Unsettled {
                in_doubt: false,
                error: None
            }
        ),
        "{end:?}"
    );
    assert_eq!(marks.load(Ordering::SeqCst), 0);
    assert!(server.requests().is_empty());
    assert_eq!(engine.halt().signal(), Some(Signal::Terminate));
}
