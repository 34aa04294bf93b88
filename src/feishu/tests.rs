//! End-to-end tests of the client against scripted servers: each server answers with
//! canned replies in order and records what it was sent, so the tests check both how an
//! answer is sorted and exactly what left the client.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::scripted::*;
use super::token::TOKEN_PATH;
use super::*;

/// One attempt, as the engine makes it: a token, then the exchange. A refused token comes
/// back as a fatal failure here; the engine's resend is tested in `engine::tests`.
async fn call<T>(client: &Client, request: Request<T>) -> Result<Answer<T>, Failure> {
    let token = client.token().await?;
    match client.send(&request, &token).await? {
        Reply::Answered(answer) => Ok(answer),
        Reply::TokenRefused { code, msg, log_id } => {
            client.forget(&token);
            Err(Failure::fresh_token_refused(code, msg, log_id))
        }
    }
}

async fn create(server: &Server) -> Result<Answer<String>, Failure> {
    call(
        &server.client(),
        Request::create_reward(&cash_body(), UserIdType::OpenId),
    )
    .await
}

// ---------------------------------------------------------------- what is sent

#[tokio::test]
async fn create_reward_sends_token_headers_and_the_exact_body() {
    let server = Server::start(vec![
        Canned::ok(json!({"id": "6930815272790114324"})).header("x-tt-logid", "LOG-OK"),
    ])
    .await;
    let answer = create(&server).await.unwrap();
    assert_eq!(answer.value, "6930815272790114324");
    assert_eq!(answer.log_id.as_deref(), Some("LOG-OK"));

    let tokens = server.token_requests();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].method, "POST");
    assert_eq!(
        tokens[0].header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let sent: serde_json::Value = serde_json::from_slice(&tokens[0].body).unwrap();
    assert_eq!(sent, json!({"app_id": APP_ID, "app_secret": SECRET}));

    let calls = server.calls();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.method, "POST");
    assert_eq!(call.path, "/open-apis/hire/v1/external_referral_rewards");
    assert_eq!(call.query.as_deref(), Some("user_id_type=open_id"));
    assert_eq!(
        call.header("authorization"),
        Some(format!("Bearer {}", token_name(1)).as_str())
    );
    assert_eq!(
        call.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(call.body, serde_json::to_vec(&cash_body()).unwrap());
    let text = String::from_utf8(call.body.clone()).unwrap();
    assert!(
        text.contains(r#""cash":{"currency_type":"CNY","amount":100.5}"#),
        "{text}"
    );
}

#[tokio::test]
async fn user_id_type_goes_into_the_query() {
    let server = Server::start(vec![Canned::ok(json!({"id": "1"}))]).await;
    call(
        &server.client(),
        Request::create_reward(&cash_body(), UserIdType::UnionId),
    )
    .await
    .unwrap();
    assert_eq!(
        server.calls()[0].query.as_deref(),
        Some("user_id_type=union_id")
    );
}

#[tokio::test]
async fn delete_reward_sends_delete_to_the_id() {
    let server = Server::start(vec![Canned::ok(json!({})).header("x-tt-logid", "LOG-DEL")]).await;
    let answer = call(
        &server.client(),
        Request::delete_reward("6930815272790114324"),
    )
    .await
    .unwrap();
    assert_eq!(answer.log_id.as_deref(), Some("LOG-DEL"));
    let call = &server.calls()[0];
    assert_eq!(call.method, "DELETE");
    assert_eq!(
        call.path,
        "/open-apis/hire/v1/external_referral_rewards/6930815272790114324"
    );
    assert!(call.header("authorization").is_some());
    assert_eq!(
        call.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert!(call.body.is_empty());
}

#[tokio::test]
async fn ids_are_escaped_in_paths() {
    let server = Server::start(vec![Canned::ok(json!({}))]).await;
    call(&server.client(), Request::delete_reward("a/b c"))
        .await
        .unwrap();
    assert_eq!(
        server.calls()[0].path,
        "/open-apis/hire/v1/external_referral_rewards/a%2Fb%20c"
    );
}

#[tokio::test]
async fn register_account_sends_mobile_and_email_only_when_given() {
    let server = Server::start(vec![
        Canned::ok(account_json()).header("x-tt-logid", "LOG-REG"),
        Canned::ok(account_json()),
    ])
    .await;
    let client = server.client();
    let answer = call(
        &client,
        Request::register_account(Some(("86", "18900001111")), Some("hire@open.com")),
    )
    .await
    .unwrap();
    assert_eq!(answer.log_id.as_deref(), Some("LOG-REG"));
    assert_eq!(
        answer.value.account_id.as_deref(),
        Some("6942778198054125570")
    );
    call(
        &client,
        Request::register_account(None, Some("hire@open.com")),
    )
    .await
    .unwrap();
    let calls = server.calls();
    assert_eq!(calls[0].method, "POST");
    assert_eq!(calls[0].path, "/open-apis/hire/v1/referral_account");
    assert_eq!(
        String::from_utf8(calls[0].body.clone()).unwrap(),
        r#"{"mobile":{"code":"86","number":"18900001111"},"email":"hire@open.com"}"#
    );
    assert_eq!(
        String::from_utf8(calls[1].body.clone()).unwrap(),
        r#"{"email":"hire@open.com"}"#
    );
}

#[tokio::test]
async fn enable_and_deactivate_account() {
    let server = Server::start(vec![Canned::ok(account_json()), Canned::ok(account_json())]).await;
    let client = server.client();
    let enabled = call(&client, Request::enable_account("6942778198054125570"))
        .await
        .unwrap();
    assert_eq!(enabled.value.status, Some(ACCOUNT_ENABLED));
    call(&client, Request::deactivate_account("6942778198054125570"))
        .await
        .unwrap();
    let calls = server.calls();
    assert_eq!(calls[0].path, "/open-apis/hire/v1/referral_account/enable");
    assert_eq!(
        String::from_utf8(calls[0].body.clone()).unwrap(),
        r#"{"referral_account_id":"6942778198054125570"}"#
    );
    assert_eq!(calls[1].method, "POST");
    assert_eq!(
        calls[1].path,
        "/open-apis/hire/v1/referral_account/6942778198054125570/deactivate"
    );
    for call in &calls {
        assert_eq!(
            call.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert_eq!(
            call.header("authorization"),
            Some(format!("Bearer {}", token_name(1)).as_str())
        );
    }
}

#[tokio::test]
async fn account_assets_reads_amounts_exactly() {
    // The amount is written by hand: a float would turn 0.07 into 0.07000000000000001.
    let body = r#"{"code":0,"msg":"SUCCESS","data":{"account":{"account_id":"42","status":2,
        "assets":{"confirmed_bonus":{"point_bonus":100,"cash_bonus":[{"currency_type":"CNY","amount":0.07}]},
                  "paid_bonus":{"point_bonus":0,"cash_bonus":[{"currency_type":"USD","amount":12345678901234.56}]}},
        "referrer":{"id":"on_1","name":{"zh_cn":"张三","en_us":"Zhang San"}}}}}"#;
    let server = Server::start(vec![Canned {
        status: 200,
        headers: vec![("x-tt-logid", "LOG-A".into())],
        body: body.into(),
        delay: Duration::ZERO,
    }])
    .await;
    let answer = call(
        &server.client(),
        Request::account_assets("42", UserIdType::UnionId),
    )
    .await
    .unwrap();
    let call = &server.calls()[0];
    assert_eq!(call.method, "GET");
    assert_eq!(
        call.path,
        "/open-apis/hire/v1/referral_account/get_account_assets"
    );
    assert_eq!(
        call.query.as_deref(),
        Some("referral_account_id=42&user_id_type=union_id")
    );
    let account = answer.value;
    assert_eq!(account.status, Some(ACCOUNT_DEACTIVATED));
    let assets = account.assets.unwrap();
    let confirmed = &assets.confirmed_bonus.unwrap().cash_bonus[0];
    assert_eq!(confirmed.amount.unwrap().to_string(), "0.07");
    let paid = &assets.paid_bonus.unwrap().cash_bonus[0];
    assert_eq!(paid.amount.unwrap().to_string(), "12345678901234.56");
    assert_eq!(
        account.referrer.unwrap().name.unwrap().en_us.as_deref(),
        Some("Zhang San")
    );
}

// ---------------------------------------------------------------- the code table

#[tokio::test]
async fn http_429_is_rate_limited_with_the_reset_header() {
    let server = Server::start(vec![
        Canned::code(429, 99991400, "request trigger frequency limit")
            .header("x-ogw-ratelimit-reset", "2")
            .header("retry-after", "7")
            .header("x-tt-logid", "LOG-429"),
    ])
    .await;
    let failure = create(&server).await.unwrap_err();
    assert_eq!(
        failure,
        Failure::RateLimited {
            reset: Some(Duration::from_secs(2)),
            log_id: Some("LOG-429".into())
        }
    );
}

#[tokio::test]
async fn http_429_without_a_body_falls_back_to_retry_after() {
    let server = Server::start(vec![Canned {
        status: 429,
        headers: vec![("retry-after", "3".into())],
        body: String::new(),
        delay: Duration::ZERO,
    }])
    .await;
    let failure = create(&server).await.unwrap_err();
    assert!(
        matches!(failure, Failure::RateLimited { reset: Some(d), log_id: None } if d == Duration::from_secs(3)),
        "{failure:?}"
    );
}

#[tokio::test]
async fn code_99991400_with_http_400_is_rate_limited() {
    let server = Server::start(vec![
        Canned::code(400, 99991400, "request trigger frequency limit")
            .header("x-tt-logid", "LOG-RL"),
    ])
    .await;
    let failure = create(&server).await.unwrap_err();
    assert_eq!(
        failure,
        Failure::RateLimited {
            reset: None,
            log_id: Some("LOG-RL".into())
        }
    );
}

#[tokio::test]
async fn code_1002001_with_http_500_is_transient() {
    let server = Server::start(vec![
        Canned::code(500, 1002001, "系统错误").header("x-tt-logid", "LOG-500"),
    ])
    .await;
    let failure = create(&server).await.unwrap_err();
    assert_eq!(
        failure,
        Failure::Transient {
            what: "code 1002001: 系统错误".into(),
            code: Some(1002001),
            log_id: Some("LOG-500".into())
        }
    );
    assert_eq!(
        failure.to_string(),
        "code 1002001: 系统错误 (log id LOG-500)"
    );
}

#[tokio::test]
async fn http_503_with_an_html_body_is_transient() {
    let server = Server::start(vec![Canned {
        status: 503,
        headers: vec![
            ("content-type", "text/html".into()),
            ("x-tt-logid", "LOG-503".into()),
        ],
        body: "<html><body>Service Unavailable</body></html>".into(),
        delay: Duration::ZERO,
    }])
    .await;
    let failure = create(&server).await.unwrap_err();
    assert_eq!(
        failure,
        Failure::Transient {
            what: "HTTP 503".into(),
            code: None,
            log_id: Some("LOG-503".into())
        }
    );
}

#[tokio::test]
async fn code_1002002_is_permanent_with_the_servers_msg() {
    let server = Server::start(vec![
        Canned::code(400, 1002002, "参数错误: referral_user_id is invalid")
            .header("x-tt-logid", "LOG-P"),
    ])
    .await;
    let failure = create(&server).await.unwrap_err();
    assert_eq!(
        failure,
        Failure::Permanent {
            code: 1002002,
            msg: "参数错误: referral_user_id is invalid".into(),
            log_id: Some("LOG-P".into())
        }
    );
}

#[tokio::test]
async fn account_codes_1002551_1002552_1002553_are_permanent() {
    let server = Server::start(vec![
        Canned::code(400, 1002551, "用户不存在"),
        Canned::code(400, 1002552, "无法匹配唯一用户"),
        Canned::code(400, 1002553, "账户不存在"),
    ])
    .await;
    let client = server.client();
    let a = call(
        &client,
        Request::register_account(None, Some("nobody@example.com")),
    )
    .await
    .unwrap_err();
    let b = call(
        &client,
        Request::register_account(Some(("86", "18900001111")), None),
    )
    .await
    .unwrap_err();
    let c = call(&client, Request::enable_account("404"))
        .await
        .unwrap_err();
    for (failure, code, msg) in [
        (a, 1002551, "用户不存在"),
        (b, 1002552, "无法匹配唯一用户"),
        (c, 1002553, "账户不存在"),
    ] {
        assert_eq!(
            failure,
            Failure::Permanent {
                code,
                msg: msg.into(),
                log_id: None
            }
        );
    }
}

#[tokio::test]
async fn code_99991672_is_fatal_and_names_the_scope() {
    let server = Server::start(vec![
        Canned::code(
            400,
            99991672,
            "Access denied. One of the following scopes is required",
        )
        .header("x-tt-logid", "LOG-PERM"),
        Canned::code(400, 99991672, "Access denied"),
    ])
    .await;
    let client = server.client();
    let reward = call(
        &client,
        Request::create_reward(&cash_body(), UserIdType::OpenId),
    )
    .await
    .unwrap_err();
    let Failure::Fatal {
        code,
        advice,
        log_id,
        ..
    } = &reward
    else {
        panic!("{reward:?}")
    };
    assert_eq!(*code, Some(99991672));
    assert_eq!(log_id.as_deref(), Some("LOG-PERM"));
    assert!(advice.contains("hire:external_referral_reward"), "{advice}");
    assert!(advice.contains("权限管理"), "{advice}");
    assert!(advice.contains("publish a new app version"), "{advice}");

    let account = call(&client, Request::account_assets("1", UserIdType::OpenId))
        .await
        .unwrap_err();
    let Failure::Fatal { advice, .. } = &account else {
        panic!("{account:?}")
    };
    assert!(advice.contains("hire:referral_account"), "{advice}");
    assert!(!advice.contains("external_referral_reward"), "{advice}");
}

#[tokio::test]
async fn code_99991401_is_fatal_about_the_ip_allow_list() {
    let server = Server::start(vec![Canned::code(400, 99991401, "ip not allowed")]).await;
    let failure = create(&server).await.unwrap_err();
    let Failure::Fatal { code, advice, .. } = &failure else {
        panic!("{failure:?}")
    };
    assert_eq!(*code, Some(99991401));
    assert!(advice.contains("IP allow-list"), "{advice}");
}

#[tokio::test]
async fn other_fatal_codes_stop_the_run() {
    for code in [99991679, 99991662, 99991673] {
        let server = Server::start(vec![Canned::code(400, code, "denied")]).await;
        let failure = create(&server).await.unwrap_err();
        assert!(
            matches!(failure, Failure::Fatal { code: Some(c), .. } if c == code),
            "{code}: {failure:?}"
        );
    }
}

#[tokio::test]
async fn unknown_business_code_is_permanent() {
    let server = Server::start(vec![Canned::code(400, 1002999, "something new")]).await;
    let failure = create(&server).await.unwrap_err();
    assert!(
        matches!(failure, Failure::Permanent { code: 1002999, .. }),
        "{failure:?}"
    );
}

#[tokio::test]
async fn success_without_data_id_is_transient() {
    let server = Server::start(vec![Canned::ok(json!({}))]).await;
    let failure = create(&server).await.unwrap_err();
    assert!(
        matches!(failure, Failure::Transient { code: Some(0), .. }),
        "{failure:?}"
    );
}

// ---------------------------------------------------------------- the token

#[tokio::test]
async fn token_is_fetched_once_for_several_calls() {
    let server = Server::start(vec![
        Canned::ok(json!({"id": "1"})),
        Canned::ok(json!({"id": "2"})),
        Canned::ok(account_json()),
    ])
    .await;
    let client = server.client();
    client.check_credentials().await.unwrap();
    call(
        &client,
        Request::create_reward(&cash_body(), UserIdType::OpenId),
    )
    .await
    .unwrap();
    call(
        &client.clone(),
        Request::create_reward(&cash_body(), UserIdType::OpenId),
    )
    .await
    .unwrap();
    call(&client, Request::enable_account("1")).await.unwrap();
    assert_eq!(server.token_requests().len(), 1);
    for call in server.calls() {
        assert_eq!(
            call.header("authorization"),
            Some(format!("Bearer {}", token_name(1)).as_str())
        );
    }
}

#[tokio::test]
async fn concurrent_first_calls_share_one_token_fetch() {
    let slow_token = Canned::json(
        200,
        json!({"code": 0, "msg": "ok", "tenant_access_token": token_name(1), "expire": 7200}),
    )
    .delayed(Duration::from_millis(200));
    let server = Server::with_tokens(
        vec![slow_token],
        (0..8)
            .map(|i| Canned::ok(json!({"id": i.to_string()})))
            .collect(),
    )
    .await;
    let client = server.client();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            call(
                &client,
                Request::create_reward(&cash_body(), UserIdType::OpenId),
            )
            .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(server.token_requests().len(), 1);
    assert_eq!(server.calls().len(), 8);
}

#[tokio::test]
async fn every_token_code_is_a_refused_token_even_with_http_200() {
    for (status, code) in [
        (200, 99991661),
        (400, 99991663),
        (200, 99991664),
        (400, 99991665),
        (400, 99991668),
        (400, 99991671),
        (200, 99991677),
    ] {
        let server = Server::start(vec![
            Canned::code(status, code, "token").header("x-tt-logid", "LOG-T"),
        ])
        .await;
        let client = server.client();
        let token = client.token().await.unwrap();
        let reply = client
            .send(
                &Request::create_reward(&cash_body(), UserIdType::OpenId),
                &token,
            )
            .await
            .unwrap();
        let Reply::TokenRefused {
            code: refused,
            log_id,
            ..
        } = reply
        else {
            panic!("{code}: {reply:?}")
        };
        assert_eq!(refused, code);
        assert_eq!(log_id.as_deref(), Some("LOG-T"));
    }
}

#[tokio::test]
async fn a_forgotten_token_is_fetched_anew_and_a_newer_one_is_kept() {
    let server = Server::start(vec![]).await;
    let client = server.client();
    let first = client.token().await.unwrap();
    assert_eq!(client.token().await.unwrap(), first);
    client.forget(&first);
    let second = client.token().await.unwrap();
    assert_ne!(second, first);
    // Forgetting a token that is no longer current keeps the newer one.
    client.forget(&first);
    assert_eq!(client.token().await.unwrap(), second);
    assert_eq!(client.freshest(first), second);
    assert_eq!(server.token_requests().len(), 2);
}

#[tokio::test]
async fn token_endpoint_refusing_the_app_is_fatal() {
    let server = Server::with_tokens(
        vec![
            Canned::code(400, 10014, "app secret invalid").header("x-tt-logid", "LOG-TOK"),
            Canned::code(400, 10003, "invalid param"),
        ],
        vec![],
    )
    .await;
    let client = server.client();
    let failure = client.check_credentials().await.unwrap_err();
    let Failure::Fatal {
        code,
        advice,
        log_id,
        ..
    } = &failure
    else {
        panic!("{failure:?}")
    };
    assert_eq!(*code, Some(10014));
    assert_eq!(log_id.as_deref(), Some("LOG-TOK"));
    assert!(advice.contains("FEISHU_APP_ID"), "{advice}");
    assert!(advice.contains("FEISHU_APP_SECRET"), "{advice}");
    // A business call with refused credentials never goes out.
    let failure = call(
        &client,
        Request::create_reward(&cash_body(), UserIdType::OpenId),
    )
    .await
    .unwrap_err();
    assert!(failure.is_fatal(), "{failure:?}");
    assert!(server.calls().is_empty());
}

#[tokio::test]
async fn token_endpoint_outage_is_transient_for_calls_and_fatal_for_the_check() {
    let server = Server::with_tokens(
        vec![
            Canned {
                status: 503,
                headers: vec![],
                body: "busy".into(),
                delay: Duration::ZERO,
            },
            Canned {
                status: 502,
                headers: vec![],
                body: "bad gateway".into(),
                delay: Duration::ZERO,
            },
        ],
        vec![Canned::ok(json!({"id": "1"}))],
    )
    .await;
    let client = server.client();
    let failure = call(
        &client,
        Request::create_reward(&cash_body(), UserIdType::OpenId),
    )
    .await
    .unwrap_err();
    assert!(matches!(failure, Failure::Transient { .. }), "{failure:?}");
    let failure = client.check_credentials().await.unwrap_err();
    assert!(failure.is_fatal(), "{failure:?}");
    assert!(failure.to_string().contains("HTTP 502"), "{failure}");
    // The next attempt fetches a token (the default answer) and goes through.
    call(
        &client,
        Request::create_reward(&cash_body(), UserIdType::OpenId),
    )
    .await
    .unwrap();
}

// ---------------------------------------------------------------- the network

/// A raw server: answers the token request, then closes every other connection as soon as
/// it has read the request, without a byte of answer.
async fn dropping_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let head = read_request(&mut socket).await;
                if head.contains(TOKEN_PATH) {
                    let body = json!({"code": 0, "msg": "ok", "tenant_access_token": token_name(1), "expire": 7200}).to_string();
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                }
                // Dropping the socket closes it.
            });
        }
    });
    format!("http://{addr}")
}

/// Reads one HTTP/1.1 request (head and Content-Length body); returns the head.
async fn read_request(socket: &mut tokio::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = socket.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let length = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = socket.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return head;
        }
    }
    String::from_utf8_lossy(&buf).to_string()
}

#[tokio::test]
async fn dropped_connection_is_transient() {
    let base = dropping_server().await;
    let client = client_for(&base, Duration::from_secs(5));
    let failure = call(
        &client,
        Request::create_reward(&cash_body(), UserIdType::OpenId),
    )
    .await
    .unwrap_err();
    let Failure::Transient { what, code, .. } = &failure else {
        panic!("{failure:?}")
    };
    assert_eq!(*code, None);
    assert!(what.starts_with("connection closed"), "{what}");
}

#[tokio::test]
async fn slow_answer_times_out_as_transient() {
    let server = Server::start(vec![
        Canned::ok(json!({"id": "1"})).delayed(Duration::from_secs(3)),
    ])
    .await;
    let client = client_for(&server.base_url, Duration::from_millis(300));
    let failure = call(
        &client,
        Request::create_reward(&cash_body(), UserIdType::OpenId),
    )
    .await
    .unwrap_err();
    assert_eq!(
        failure,
        Failure::Transient {
            what: "timed out after 300 ms".into(),
            code: None,
            log_id: None
        }
    );
}

#[tokio::test]
async fn refused_connection_is_unreachable_never_in_doubt() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = client_for(&format!("http://{addr}"), Duration::from_secs(2));
    let failure = call(
        &client,
        Request::create_reward(&cash_body(), UserIdType::OpenId),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&failure, Failure::Unreachable { what } if what.starts_with("could not connect")),
        "{failure:?}"
    );
}

// ---------------------------------------------------------------- secrecy

/// A tracing writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secret_and_tokens_never_show_in_failures_debug_or_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = Server::start(vec![
        Canned::code(429, 99991400, "limit").header("x-ogw-ratelimit-reset", "1"),
        Canned::code(400, 99991400, "limit"),
        Canned::code(500, 1002001, "系统错误"),
        Canned {
            status: 503,
            headers: vec![],
            body: "<html/>".into(),
            delay: Duration::ZERO,
        },
        Canned::code(400, 1002002, "参数错误"),
        Canned::code(400, 99991672, "denied"),
        Canned::code(400, 99991401, "ip"),
        Canned::code(200, 99991663, "token"),
        Canned::code(200, 99991663, "token"),
        Canned::code(200, 99991677, "token"),
        Canned::ok(json!({"id": "ok"})),
    ])
    .await;
    let client = server.client();
    let mut shown = vec![format!("{client:?}"), format!("{client:#?}")];
    for _ in 0..11 {
        match call(
            &client,
            Request::create_reward(&cash_body(), UserIdType::OpenId),
        )
        .await
        {
            Ok(answer) => shown.push(format!("{answer:?}")),
            Err(failure) => {
                shown.push(failure.to_string());
                shown.push(format!("{failure:?}"));
            }
        }
    }
    shown.push(format!("{client:?}"));

    let refusing =
        Server::with_tokens(vec![Canned::code(400, 10014, "app secret invalid")], vec![]).await;
    let failure = refusing.client().check_credentials().await.unwrap_err();
    shown.push(failure.to_string());
    shown.push(format!("{failure:?}"));

    let dropped = client_for(&dropping_server().await, Duration::from_secs(5));
    let failure = call(
        &dropped,
        Request::create_reward(&cash_body(), UserIdType::OpenId),
    )
    .await
    .unwrap_err();
    shown.push(failure.to_string());
    shown.push(format!("{failure:?}"));

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    // The client's own lines were captured (answered, or failed when a loaded machine
    // let a call time out): what is checked below is what it logs.
    assert!(
        logs.contains("rewardsync::feishu::client"),
        "tracing was not captured: {logs}"
    );
    shown.push(logs);
    // The tokens really were used, so their absence below means something.
    assert!(server.token_requests().len() >= 2);
    for text in &shown {
        assert!(!text.contains(SECRET), "secret shown in: {text}");
        assert!(!text.contains(TOKEN_PREFIX), "token shown in: {text}");
    }
}

// ---------------------------------------------------------------- the types

#[test]
fn client_is_send_sync_and_its_futures_are_send() {
    fn send_sync<T: Send + Sync + Clone>() {}
    fn send<T: Send>(_: &T) {}
    send_sync::<Client>();
    let client = client_for("http://127.0.0.1:9", Duration::from_secs(1));
    let token = Token::for_tests("t");
    send(&client.token());
    send(&client.send(
        &Request::create_reward(&cash_body(), UserIdType::OpenId),
        &token,
    ));
    send(&client.send(&Request::delete_reward("1"), &token));
    send(&client.send(&Request::register_account(None, Some("a@b.c")), &token));
    send(&client.send(&Request::enable_account("1"), &token));
    send(&client.send(&Request::deactivate_account("1"), &token));
    send(&client.send(&Request::account_assets("1", UserIdType::UserId), &token));
    send(&client.check_credentials());
}

#[test]
fn user_id_type_values_match_the_query_parameter() {
    for value in UserIdType::ALL {
        assert_eq!(UserIdType::parse(value.as_str()), Some(value));
    }
    assert_eq!(UserIdType::default().as_str(), "open_id");
}

#[tokio::test]
async fn short_lived_token_is_refreshed_before_use() {
    let short = |n: usize| {
        Canned::json(
            200,
            json!({"code": 0, "msg": "ok", "tenant_access_token": token_name(n), "expire": 1}),
        )
    };
    let server = Server::with_tokens(
        vec![short(1), short(2)],
        vec![
            Canned::ok(json!({"id": "1"})),
            Canned::ok(json!({"id": "2"})),
        ],
    )
    .await;
    let client = server.client();
    call(
        &client,
        Request::create_reward(&cash_body(), UserIdType::OpenId),
    )
    .await
    .unwrap();
    // Half of the 1 s life is the refresh point.
    tokio::time::sleep(Duration::from_millis(600)).await;
    call(
        &client,
        Request::create_reward(&cash_body(), UserIdType::OpenId),
    )
    .await
    .unwrap();
    assert_eq!(server.token_requests().len(), 2);
    assert_eq!(
        server.calls()[1].header("authorization"),
        Some(format!("Bearer {}", token_name(2)).as_str())
    );
}

// ---------------------------------------------------------------- people lookups

fn owned(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

fn sent_json(call: &super::scripted::Recorded) -> String {
    String::from_utf8(call.body.clone()).unwrap()
}

#[tokio::test]
async fn user_lookup_sends_both_lists_and_reads_every_entry() {
    let server = Server::start(vec![
        Canned::ok(json!({"user_list": [
            {"user_id": "ou_a", "email": "a@example.com",
             "status": {"is_frozen": false, "is_resigned": true, "is_activated": true,
                        "is_exited": false, "is_unjoin": false}},
            {"email": "nobody@example.com"},
            {"user_id": "", "mobile": "13011111111"},
            {"user_id": "ou_m", "mobile": "+12126668888", "department_ids": ["d1"]}
        ]}))
        .header("x-tt-logid", "LOG-USERS"),
    ])
    .await;
    let request = Request::batch_get_user_ids(
        &owned(&["a@example.com", "nobody@example.com"]),
        &owned(&["13011111111", "+12126668888"]),
        true,
        UserIdType::OpenId,
    )
    .unwrap();
    assert_eq!(request.family(), Family::UserLookup);
    let answer = call(&server.client(), request).await.unwrap();
    assert_eq!(answer.log_id.as_deref(), Some("LOG-USERS"));

    let sent = &server.calls()[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, "/open-apis/contact/v3/users/batch_get_id");
    assert_eq!(sent.query.as_deref(), Some("user_id_type=open_id"));
    assert_eq!(
        sent.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        sent_json(sent),
        r#"{"emails":["a@example.com","nobody@example.com"],"mobiles":["13011111111","+12126668888"],"include_resigned":true}"#
    );

    let found = &answer.value;
    assert_eq!(found.len(), 4);
    assert_eq!(found[0].contact, Contact::Email("a@example.com".into()));
    assert_eq!(found[0].user_id.as_deref(), Some("ou_a"));
    let status = found[0].status.expect("status present");
    assert!(status.is_resigned && status.is_activated);
    assert!(!status.is_frozen && !status.is_exited && !status.is_unjoin);
    // Not found: no user_id, or an empty one.
    assert_eq!(
        found[1].contact,
        Contact::Email("nobody@example.com".into())
    );
    assert_eq!(found[1].user_id, None);
    assert_eq!(found[2].contact, Contact::Mobile("13011111111".into()));
    assert_eq!(found[2].user_id, None);
    assert_eq!(found[3].contact, Contact::Mobile("+12126668888".into()));
    assert_eq!(found[3].user_id.as_deref(), Some("ou_m"));
    assert_eq!(found[3].status, None);
}

#[tokio::test]
async fn user_lookup_leaves_out_an_empty_list_and_asks_the_id_type() {
    let server = Server::start(vec![
        Canned::ok(json!({"user_list": [{"user_id": "u1", "mobile": "13011111111"}]})),
        Canned::ok(json!({"user_list": []})),
    ])
    .await;
    let client = server.client();
    let answer = call(
        &client,
        Request::batch_get_user_ids(&[], &owned(&["13011111111"]), false, UserIdType::UserId)
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(answer.value[0].user_id.as_deref(), Some("u1"));
    let answer = call(
        &client,
        Request::batch_get_user_ids(&owned(&["a@x.cn"]), &[], false, UserIdType::UnionId).unwrap(),
    )
    .await
    .unwrap();
    assert!(answer.value.is_empty());
    let calls = server.calls();
    assert_eq!(calls[0].query.as_deref(), Some("user_id_type=user_id"));
    assert_eq!(
        sent_json(&calls[0]),
        r#"{"mobiles":["13011111111"],"include_resigned":false}"#
    );
    assert_eq!(calls[1].query.as_deref(), Some("user_id_type=union_id"));
    assert_eq!(
        sent_json(&calls[1]),
        r#"{"emails":["a@x.cn"],"include_resigned":false}"#
    );
}

#[tokio::test]
async fn talent_lookup_sends_one_kind_of_list_and_reads_duplicates() {
    let server = Server::start(vec![
        Canned::ok(json!({"talent_list": [
            {"talent_id": "t1", "mobile_code": "86", "mobile_number": "13800000001"},
            {"talent_id": "t2", "mobile_code": "86", "mobile_number": "13800000001",
             "is_onboarded": false},
            {"talent_id": "t3", "mobile_code": "86", "mobile_number": "13800000003"}
        ]})),
        Canned::ok(json!({"talent_list": [{"talent_id": "t9", "email": "c@example.com"}]})),
        Canned::ok(json!({})),
    ])
    .await;
    let client = server.client();
    let mobiles = Request::batch_get_talent_ids(
        TalentKey::Mobile { code: "86".into() },
        &owned(&["13800000001", "13800000002", "13800000003"]),
    )
    .unwrap();
    assert_eq!(mobiles.family(), Family::TalentLookup);
    let found = call(&client, mobiles).await.unwrap().value;
    // The second number has no talent: absent. The first has two.
    let for_first: Vec<&str> = found
        .iter()
        .filter(|t| t.mobile_number.as_deref() == Some("13800000001"))
        .map(|t| t.talent_id.as_str())
        .collect();
    assert_eq!(for_first, vec!["t1", "t2"]);
    assert!(
        !found
            .iter()
            .any(|t| t.mobile_number.as_deref() == Some("13800000002"))
    );
    assert_eq!(found[2].mobile_code.as_deref(), Some("86"));
    assert_eq!(found[2].email, None);

    let emails = Request::batch_get_talent_ids(
        TalentKey::Email,
        &owned(&["c@example.com", "d@example.com"]),
    )
    .unwrap();
    let found = call(&client, emails).await.unwrap().value;
    assert_eq!(
        found,
        vec![TalentMatch {
            talent_id: "t9".into(),
            email: Some("c@example.com".into()),
            mobile_code: None,
            mobile_number: None,
        }]
    );
    let other = Request::batch_get_talent_ids(
        TalentKey::Mobile { code: "1".into() },
        &owned(&["2126668888"]),
    )
    .unwrap();
    assert!(call(&client, other).await.unwrap().value.is_empty());

    let calls = server.calls();
    for sent in &calls {
        assert_eq!(sent.method, "POST");
        assert_eq!(sent.path, "/open-apis/hire/v1/talents/batch_get_id");
        assert_eq!(sent.query, None);
    }
    assert_eq!(
        sent_json(&calls[0]),
        r#"{"mobile_code":"86","mobile_number_list":["13800000001","13800000002","13800000003"]}"#
    );
    assert_eq!(
        sent_json(&calls[1]),
        r#"{"email_list":["c@example.com","d@example.com"]}"#
    );
    assert_eq!(
        sent_json(&calls[2]),
        r#"{"mobile_code":"1","mobile_number_list":["2126668888"]}"#
    );
}

#[tokio::test]
async fn a_lookup_without_its_scope_is_fatal_and_names_it() {
    let denied = || {
        Canned::code(
            400,
            99991672,
            "Access denied. One of the following scopes is required",
        )
    };
    let server = Server::start(vec![denied(), denied(), denied()]).await;
    let client = server.client();
    let emails = owned(&["a@example.com"]);
    let advice = |failure: Failure| match failure {
        Failure::Fatal {
            code: Some(99991672),
            advice,
            ..
        } => advice,
        other => panic!("{other:?}"),
    };

    let users = Request::batch_get_user_ids(&emails, &[], false, UserIdType::OpenId).unwrap();
    let text = advice(call(&client, users).await.unwrap_err());
    assert!(
        text.contains("the app lacks the permission contact:user.id:readonly: grant it"),
        "{text}"
    );
    assert!(!text.contains("employee_id"), "{text}");
    assert!(!text.contains("hire:"), "{text}");

    let users = Request::batch_get_user_ids(&emails, &[], false, UserIdType::UserId).unwrap();
    let text = advice(call(&client, users).await.unwrap_err());
    assert!(text.contains("contact:user.id:readonly"), "{text}");
    assert!(text.contains("contact:user.employee_id:readonly"), "{text}");

    let talents = Request::batch_get_talent_ids(TalentKey::Email, &emails).unwrap();
    let text = advice(call(&client, talents).await.unwrap_err());
    assert!(
        text.contains("the app lacks the permission hire:talent:readonly"),
        "{text}"
    );
    assert!(text.contains("权限管理"), "{text}");
}

#[tokio::test]
async fn an_invalid_mobile_refuses_the_talent_call() {
    let server = Server::start(vec![
        Canned::code(400, INVALID_MOBILE_CODE, "invalid mobile number")
            .header("x-tt-logid", "LOG-MOB"),
    ])
    .await;
    let request =
        Request::batch_get_talent_ids(TalentKey::Mobile { code: "86".into() }, &owned(&["123"]))
            .unwrap();
    let failure = call(&server.client(), request).await.unwrap_err();
    assert_eq!(
        failure,
        Failure::Permanent {
            code: 1002009,
            msg: "invalid mobile number".into(),
            log_id: Some("LOG-MOB".into()),
        }
    );
}

#[tokio::test]
async fn a_lookup_answer_without_data_is_transient() {
    let server = Server::start(vec![Canned::json(200, json!({"code": 0, "msg": "ok"}))]).await;
    let request =
        Request::batch_get_user_ids(&owned(&["a@x.cn"]), &[], false, UserIdType::OpenId).unwrap();
    let failure = call(&server.client(), request).await.unwrap_err();
    assert!(matches!(failure, Failure::Transient { .. }), "{failure:?}");
}

#[test]
fn lookup_families_have_names_and_both_limits() {
    for family in Family::ALL {
        assert_eq!(Family::from_name(family.name()), Some(family));
    }
    assert_eq!(Family::from_name("user lookup"), Some(Family::UserLookup));
    assert_eq!(Family::RewardImport.pace(), Family::RewardImport.limit());
    assert_eq!(
        Family::from_name("talent lookup"),
        Some(Family::TalentLookup)
    );
    for family in [Family::UserLookup, Family::TalentLookup] {
        assert_eq!(family.limit(), super::Rate::per_second(50.0));
        assert_eq!(family.pace(), super::Rate::per_second(48.0));
        assert_eq!(family.window(), Some(super::Rate::per_minute(1000.0)));
        assert!(!family.follows_rate_flag());
    }
    assert_eq!(Family::RewardImport.window(), None);
}
