//! The sandbox, driven over loopback HTTP as a client would: every endpoint's success and
//! documented errors, tokens, idempotency, rate limits and each seeded fault. Rate limits
//! and token expiry use the manual clock, so no test depends on the machine's speed.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use rewardsync::sandbox::{self, Clock, Directory, Employee, Sandbox, SandboxConfig};
use serde_json::{Value, json};

const TOKEN: &str = "/open-apis/auth/v3/tenant_access_token/internal";
const REWARDS: &str = "/open-apis/hire/v1/external_referral_rewards";
const ACCOUNT: &str = "/open-apis/hire/v1/referral_account";
const ASSETS: &str = "/open-apis/hire/v1/referral_account/get_account_assets";

/// 张伟 in samples/employees.csv.
const ZHANG_OPEN: &str = "ou_8fe08882a7ae1007efe66632ce51f7a2";
const ZHANG_UNION: &str = "on_16af8f6d836d4f8933684ee1176007cf";
const ZHANG_USER: &str = "7000158194525710254";
/// The mobile number 高远 and 罗敏 share.
const SHARED_MOBILE: &str = "13932222206";

/// One answer: status, log id, body.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    logid: String,
    headers: reqwest::header::HeaderMap,
    text: String,
    body: Value,
}

impl Answer {
    fn code(&self) -> i64 {
        self.body["code"].as_i64().unwrap_or(-1)
    }
    fn msg(&self) -> &str {
        self.body["msg"].as_str().unwrap_or("")
    }
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

struct Env {
    sandbox: Sandbox,
    http: reqwest::Client,
    token: String,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let logid = headers
        .get("x-tt-logid")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        logid,
        headers,
        text,
        body,
    }
}

impl Env {
    async fn new(config: SandboxConfig) -> Env {
        let sandbox = sandbox::start(config).await.unwrap();
        let http = client();
        let mut env = Env {
            sandbox,
            http,
            token: String::new(),
        };
        env.token = env.grant().await;
        env
    }

    async fn default() -> Env {
        Env::new(SandboxConfig::default()).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    async fn token_request(&self, body: Value) -> Answer {
        answer(
            self.http
                .post(self.url(TOKEN))
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    async fn grant(&self) -> String {
        let a = self
            .token_request(json!({"app_id": "cli_sandbox", "app_secret": "sandbox_secret"}))
            .await;
        assert_eq!(a.code(), 0, "{}", a.text);
        a.body["tenant_access_token"].as_str().unwrap().to_owned()
    }

    async fn post_with(&self, token: Option<&str>, path: &str, body: &Value) -> Answer {
        let mut request = self
            .http
            .post(self.url(path))
            .header("content-type", "application/json; charset=utf-8")
            .body(body.to_string());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        answer(request.send().await.unwrap()).await
    }

    async fn post(&self, path: &str, body: &Value) -> Answer {
        self.post_with(Some(&self.token), path, body).await
    }

    async fn post_raw(&self, path: &str, body: &str) -> Answer {
        let request = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.token)
            .header("content-type", "application/json; charset=utf-8")
            .body(body.to_owned());
        answer(request.send().await.unwrap()).await
    }

    async fn get(&self, path: &str) -> Answer {
        let request = self.http.get(self.url(path)).bearer_auth(&self.token);
        answer(request.send().await.unwrap()).await
    }

    async fn delete(&self, path: &str) -> Answer {
        let request = self.http.delete(self.url(path)).bearer_auth(&self.token);
        answer(request.send().await.unwrap()).await
    }

    async fn import(&self, body: &Value) -> Answer {
        self.post(&format!("{REWARDS}?user_id_type=open_id"), body)
            .await
    }

    async fn register(&self, body: &Value) -> Answer {
        self.post(ACCOUNT, body).await
    }
}

/// A valid points reward for 张伟 (open_id), stage 2.
fn reward(external_id: &str) -> Value {
    json!({
        "referral_user_id": ZHANG_OPEN,
        "external_id": external_id,
        "application_id": "6930815272790114325",
        "rule_type": 1,
        "bonus": {"bonus_type": 1, "point_bonus": 100},
        "stage": 2,
        "create_time": "1704720275000"
    })
}

fn cash_reward(external_id: &str, currency: &str, amount: &str, stage: i64) -> Value {
    let mut body = reward(external_id);
    body["bonus"] = serde_json::from_str(&format!(
        r#"{{"bonus_type":2,"cash":{{"currency_type":"{currency}","amount":{amount}}}}}"#
    ))
    .unwrap();
    body["stage"] = json!(stage);
    body
}

fn assert_param_error(a: &Answer, field: &str) {
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert_eq!(a.code(), 1002002, "{}", a.text);
    assert!(
        a.msg().contains(field),
        "msg should name {field}: {}",
        a.text
    );
    assert!(!a.logid.is_empty(), "no x-tt-logid on {}", a.text);
}

// ---- tokens ----

#[tokio::test]
async fn token_grant_has_top_level_fields_and_repeats_the_same_token() {
    let env = Env::default().await;
    let a = env
        .token_request(json!({"app_id": "cli_sandbox", "app_secret": "sandbox_secret"}))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body["msg"], "ok");
    assert_eq!(a.body["tenant_access_token"], env.token.as_str());
    assert!(env.token.starts_with("t-"));
    assert!(a.body["expire"].as_u64().unwrap() <= 7200);
    assert!(
        a.body.get("data").is_none(),
        "token fields are top-level: {}",
        a.text
    );
    assert!(!a.logid.is_empty());
    assert_eq!(env.sandbox.summary().tokens_issued, 1);
}

#[tokio::test]
async fn token_request_without_content_type_is_accepted() {
    let env = Env::default().await;
    let response = env
        .http
        .post(env.url(TOKEN))
        .body(r#"{"app_id":"cli_sandbox","app_secret":"sandbox_secret"}"#)
        .send()
        .await
        .unwrap();
    let a = answer(response).await;
    assert_eq!(a.code(), 0, "{}", a.text);
    assert_eq!(a.body["tenant_access_token"], env.token.as_str());
}

#[tokio::test]
async fn wrong_secret_and_unknown_app_get_no_token() {
    let env = Env::default().await;
    let a = env
        .token_request(json!({"app_id": "cli_sandbox", "app_secret": "nope"}))
        .await;
    assert_eq!(a.code(), 10014, "{}", a.text);
    assert!(a.body.get("tenant_access_token").is_none());
    assert!(!a.logid.is_empty());
    let a = env
        .token_request(json!({"app_id": "cli_other", "app_secret": "sandbox_secret"}))
        .await;
    assert_eq!(a.code(), 10003, "{}", a.text);
    assert!(a.body.get("tenant_access_token").is_none());
}

#[tokio::test]
async fn missing_and_unknown_tokens_get_their_codes_with_http_400() {
    let env = Env::default().await;
    let a = env.post_with(None, REWARDS, &reward("x")).await;
    assert_eq!((a.status, a.code()), (StatusCode::BAD_REQUEST, 99991661));
    assert!(!a.logid.is_empty());
    let a = env.post_with(Some("t-forged"), REWARDS, &reward("x")).await;
    assert_eq!((a.status, a.code()), (StatusCode::BAD_REQUEST, 99991663));
    assert_eq!(env.sandbox.summary().reward_count, 0);
}

#[tokio::test]
async fn expired_tokens_answer_99991677_with_http_200_until_refreshed() {
    let env = Env::default().await;
    env.sandbox.expire_tokens();
    let a = env.import(&reward("e-1")).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::OK, 99991677),
        "{}",
        a.text
    );
    assert!(!a.logid.is_empty());
    // The same switch over HTTP, for a client in another process.
    let fresh = env.grant().await;
    assert_ne!(fresh, env.token);
    let ok = env.post_with(Some(&fresh), REWARDS, &reward("e-1")).await;
    assert_eq!(ok.code(), 0, "{}", ok.text);
    let switch = answer(
        env.http
            .post(env.url("/sandbox/expire-tokens"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(switch.code(), 0);
    let a = env.post_with(Some(&fresh), REWARDS, &reward("e-2")).await;
    assert_eq!((a.status, a.code()), (StatusCode::OK, 99991677));
    assert_eq!(env.sandbox.summary().reward_count, 1);
}

#[tokio::test]
async fn token_with_under_30_minutes_left_is_replaced_and_both_stay_valid() {
    let clock = Clock::manual();
    let env = Env::new(SandboxConfig {
        clock: clock.clone(),
        ..Default::default()
    })
    .await;
    clock.advance(Duration::from_secs(3600));
    let a = env
        .token_request(json!({"app_id": "cli_sandbox", "app_secret": "sandbox_secret"}))
        .await;
    assert_eq!(a.body["tenant_access_token"], env.token.as_str());
    assert_eq!(a.body["expire"], 3600);
    clock.advance(Duration::from_secs(1801));
    let newer = env.grant().await;
    assert_ne!(newer, env.token);
    assert_eq!(env.import(&reward("old-token")).await.code(), 0);
    clock.advance(Duration::from_secs(1799));
    assert_eq!(env.import(&reward("old-token-late")).await.code(), 99991677);
    let ok = env
        .post_with(Some(&newer), REWARDS, &reward("new-token"))
        .await;
    assert_eq!(ok.code(), 0, "{}", ok.text);
}

#[tokio::test]
async fn short_token_ttl_expires_on_the_clock() {
    let clock = Clock::manual();
    let env = Env::new(SandboxConfig {
        clock: clock.clone(),
        token_ttl: Duration::from_secs(60),
        ..Default::default()
    })
    .await;
    clock.advance(Duration::from_secs(59));
    assert_eq!(env.import(&reward("in-time")).await.code(), 0);
    clock.advance(Duration::from_secs(1));
    assert_eq!(env.import(&reward("too-late")).await.code(), 99991677);
}

// ---- rewards ----

#[tokio::test]
async fn import_returns_a_19_digit_id_and_stores_the_reward() {
    let env = Env::default().await;
    let body = cash_reward("ext-1", "CNY", "100.5", 2);
    let a = env.import(&body).await;
    assert_eq!(
        (a.status, a.code(), a.msg()),
        (StatusCode::OK, 0, "success")
    );
    let id = a.body["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 19);
    assert!(id.bytes().all(|b| b.is_ascii_digit()));
    let state = env.sandbox.state();
    let rewards = state.rewards.unwrap();
    assert_eq!(rewards.len(), 1);
    assert_eq!(rewards[0].id, id);
    assert_eq!(rewards[0].received, 1);
    assert_eq!(rewards[0].referrer_user_id, ZHANG_USER);
    assert_eq!(serde_json::to_value(&rewards[0].body).unwrap(), body);
}

#[tokio::test]
async fn import_is_idempotent_by_external_id_but_counts_receipts() {
    let env = Env::default().await;
    let first = env.import(&reward("dup")).await;
    let second = env.import(&reward("dup")).await;
    assert_eq!(second.code(), 0);
    assert_eq!(first.body["data"]["id"], second.body["data"]["id"]);
    assert_ne!(first.logid, second.logid);
    let state = env.sandbox.state();
    assert_eq!(state.reward_count, 1);
    assert_eq!(state.reward_receipts, 2);
    assert_eq!(state.rewards.unwrap()[0].received, 2);
}

#[tokio::test]
async fn delete_removes_and_a_reimport_gets_a_new_id() {
    let env = Env::default().await;
    let first = env.import(&reward("del")).await;
    let id = first.body["data"]["id"].as_str().unwrap().to_owned();
    let a = env.delete(&format!("{REWARDS}/{id}")).await;
    assert_eq!(a.code(), 0, "{}", a.text);
    assert_eq!(env.sandbox.summary().reward_count, 0);
    let again = env.delete(&format!("{REWARDS}/{id}")).await;
    assert_param_error(&again, "id");
    let garbage = env.delete(&format!("{REWARDS}/not-an-id")).await;
    assert_param_error(&garbage, "id");
    let second = env.import(&reward("del")).await;
    assert_eq!(second.code(), 0);
    assert_ne!(second.body["data"]["id"], first.body["data"]["id"]);
    let state = env.sandbox.state();
    assert_eq!((state.reward_count, state.rewards_deleted), (1, 1));
}

#[tokio::test]
async fn an_int_sent_as_a_string_is_a_parameter_error_naming_the_field() {
    let env = Env::default().await;
    let mut body = reward("t1");
    body["rule_type"] = json!("1");
    assert_param_error(&env.import(&body).await, "rule_type");
    let mut body = reward("t2");
    body["bonus"]["point_bonus"] = json!("100");
    assert_param_error(&env.import(&body).await, "bonus.point_bonus");
    let body = cash_reward("t3", "CNY", "\"100.5\"", 2);
    assert_param_error(&env.import(&body).await, "bonus.cash.amount");
    assert_eq!(env.sandbox.summary().reward_count, 0);
}

#[tokio::test]
async fn missing_and_unknown_fields_are_parameter_errors_naming_them() {
    let env = Env::default().await;
    let mut body = reward("m1");
    body.as_object_mut().unwrap().remove("external_id");
    assert_param_error(&env.import(&body).await, "external_id");
    let mut body = reward("m2");
    body["bonus"].as_object_mut().unwrap().remove("bonus_type");
    assert_param_error(&env.import(&body).await, "bonus_type");
    let mut body = reward("m3");
    body["referrer"] = json!("someone");
    assert_param_error(&env.import(&body).await, "referrer");
    assert_param_error(&env.post_raw(REWARDS, "").await, "body");
    assert_param_error(&env.post_raw(REWARDS, "{not json").await, "body");
    assert_eq!(env.sandbox.summary().reward_count, 0);
}

#[tokio::test]
async fn domain_rules_are_checked_server_side() {
    let env = Env::default().await;
    let mut body = reward("r1");
    body["rule_type"] = json!(9);
    assert_param_error(&env.import(&body).await, "rule_type");
    let mut body = reward("r2");
    body["stage"] = json!(0);
    assert_param_error(&env.import(&body).await, "stage");
    let mut body = reward("r3");
    body.as_object_mut().unwrap().remove("application_id");
    assert_param_error(&env.import(&body).await, "application_id");
    let mut body = reward("r4");
    body["bonus"]["point_bonus"] = json!(-1);
    assert_param_error(&env.import(&body).await, "bonus.point_bonus");
    assert_param_error(
        &env.import(&cash_reward("r5", "CNY", "1.005", 2)).await,
        "bonus.cash.amount",
    );
    assert_param_error(
        &env.import(&cash_reward("r6", "CNY", "-1", 2)).await,
        "bonus.cash.amount",
    );
    assert_param_error(
        &env.import(&cash_reward("r7", "XXX", "1", 2)).await,
        "bonus.cash.currency_type",
    );
    let mut body = reward("r8");
    body["bonus"] = json!({"bonus_type": 2});
    assert_param_error(&env.import(&body).await, "bonus.cash");
    assert_eq!(env.sandbox.summary().reward_count, 0);
}

#[tokio::test]
async fn referral_user_must_be_an_employee_under_the_user_id_type() {
    let env = Env::default().await;
    let a = env.import(&reward("u1")).await;
    assert_eq!(a.code(), 0);
    let mut body = reward("u2");
    body["referral_user_id"] = json!("ou_nobody");
    let a = env.import(&body).await;
    assert_eq!((a.status, a.code()), (StatusCode::BAD_REQUEST, 1002551));
    // An open_id is not a union_id.
    let a = env
        .post(&format!("{REWARDS}?user_id_type=union_id"), &reward("u3"))
        .await;
    assert_eq!(a.code(), 1002551, "{}", a.text);
    let mut body = reward("u4");
    body["referral_user_id"] = json!(ZHANG_UNION);
    let a = env
        .post(&format!("{REWARDS}?user_id_type=union_id"), &body)
        .await;
    assert_eq!(a.code(), 0, "{}", a.text);
    let mut body = reward("u5");
    body["referral_user_id"] = json!(ZHANG_USER);
    let a = env
        .post(&format!("{REWARDS}?user_id_type=user_id"), &body)
        .await;
    assert_eq!(a.code(), 0, "{}", a.text);
    let a = env
        .post(&format!("{REWARDS}?user_id_type=email"), &reward("u6"))
        .await;
    assert_param_error(&a, "user_id_type");
    assert_eq!(env.sandbox.summary().reward_count, 3);
}

// ---- accounts ----

#[tokio::test]
async fn register_finds_the_employee_and_returns_the_same_account_twice() {
    let env = Env::default().await;
    let a = env
        .register(&json!({"email": "zhang.wei@example.com"}))
        .await;
    assert_eq!(a.code(), 0, "{}", a.text);
    let account = &a.body["data"]["account"];
    let id = account["account_id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 19);
    assert_eq!(account["status"], 1);
    assert_eq!(account["assets"]["confirmed_bonus"]["point_bonus"], 0);
    assert_eq!(
        account["assets"]["confirmed_bonus"]["cash_bonus"],
        json!([])
    );
    let again = env
        .register(&json!({"mobile": {"code": "86", "number": "13910000000"}}))
        .await;
    assert_eq!(again.body["data"]["account"]["account_id"], id.as_str());
    assert_eq!(env.sandbox.summary().accounts.len(), 1);
}

#[tokio::test]
async fn register_errors_unknown_ambiguous_and_missing() {
    let env = Env::default().await;
    let a = env.register(&json!({"email": "nobody@example.com"})).await;
    assert_eq!((a.status, a.code()), (StatusCode::BAD_REQUEST, 1002551));
    let a = env
        .register(&json!({"mobile": {"code": "86", "number": SHARED_MOBILE}}))
        .await;
    assert_eq!((a.status, a.code()), (StatusCode::BAD_REQUEST, 1002552));
    // The email tells the two apart.
    let a = env
        .register(&json!({"mobile": {"code": "86", "number": SHARED_MOBILE}, "email": "luo.min@example.com"}))
        .await;
    assert_eq!(a.code(), 0, "{}", a.text);
    assert_param_error(&env.register(&json!({})).await, "mobile");
    assert_param_error(
        &env.register(&json!({"mobile": {"code": "86"}})).await,
        "mobile.number",
    );
    assert_param_error(&env.register(&json!({"email": 5})).await, "email");
    assert_eq!(env.sandbox.summary().accounts.len(), 1);
}

#[tokio::test]
async fn deactivate_and_enable_change_the_status() {
    let env = Env::default().await;
    let a = env.register(&json!({"email": "li.na@example.com"})).await;
    let id = a.body["data"]["account"]["account_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = env
        .post(&format!("{ACCOUNT}/{id}/deactivate"), &json!({}))
        .await;
    assert_eq!((a.code(), a.msg()), (0, "SUCCESS"), "{}", a.text);
    assert_eq!(a.body["data"]["account"]["status"], 2);
    assert_eq!(env.sandbox.summary().accounts[0].status, 2);
    let a = env
        .post(
            &format!("{ACCOUNT}/enable"),
            &json!({"referral_account_id": id}),
        )
        .await;
    assert_eq!(a.body["data"]["account"]["status"], 1, "{}", a.text);
    assert_eq!(env.sandbox.summary().accounts[0].status, 1);
    let a = env
        .post(
            &format!("{ACCOUNT}/enable"),
            &json!({"referral_account_id": "7300000000000099999"}),
        )
        .await;
    assert_eq!((a.status, a.code()), (StatusCode::BAD_REQUEST, 1002553));
    let a = env
        .post(&format!("{ACCOUNT}/123/deactivate"), &json!({}))
        .await;
    assert_eq!(a.code(), 1002553);
    assert_param_error(
        &env.post(&format!("{ACCOUNT}/enable"), &json!({})).await,
        "referral_account_id",
    );
}

#[tokio::test]
async fn assets_sum_confirmed_and_paid_rewards_exactly() {
    let env = Env::default().await;
    let a = env
        .register(&json!({"email": "zhang.wei@example.com"}))
        .await;
    let id = a.body["data"]["account"]["account_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for body in [
        cash_reward("c1", "CNY", "100.5", 2),
        cash_reward("c2", "CNY", "0.07", 2),
        cash_reward("c3", "USD", "0.1", 2),
        cash_reward("c4", "CNY", "0.2", 3),
        cash_reward("c5", "CNY", "999", 1), // pending: not an asset
        reward("p1"),                       // 100 points, stage 2
    ] {
        assert_eq!(env.import(&body).await.code(), 0);
    }
    let mut paid_points = reward("p2");
    paid_points["stage"] = json!(3);
    paid_points["bonus"]["point_bonus"] = json!(7);
    assert_eq!(env.import(&paid_points).await.code(), 0);
    // A repeat changes nothing.
    assert_eq!(
        env.import(&cash_reward("c1", "CNY", "100.5", 2))
            .await
            .code(),
        0
    );

    let a = env
        .get(&format!(
            "{ASSETS}?referral_account_id={id}&user_id_type=user_id"
        ))
        .await;
    assert_eq!((a.code(), a.msg()), (0, "SUCCESS"), "{}", a.text);
    assert!(
        a.text.contains(r#""confirmed_bonus":{"point_bonus":100,"cash_bonus":[{"currency_type":"CNY","amount":100.57},{"currency_type":"USD","amount":0.1}]}"#),
        "{}",
        a.text
    );
    assert!(
        a.text.contains(
            r#""paid_bonus":{"point_bonus":7,"cash_bonus":[{"currency_type":"CNY","amount":0.2}]}"#
        ),
        "{}",
        a.text
    );
    let referrer = &a.body["data"]["account"]["referrer"];
    assert_eq!(referrer["id"], ZHANG_USER);
    assert_eq!(
        referrer["name"],
        json!({"zh_cn": "张伟", "en_us": "Zhang Wei"})
    );
    assert_eq!(referrer["email"], "zhang.wei@example.com");
    assert_eq!(referrer["mobile"], "13910000000");
    let a = env.get(&format!("{ASSETS}?referral_account_id={id}")).await;
    assert_eq!(a.body["data"]["account"]["referrer"]["id"], ZHANG_OPEN);

    // Deleting a reward takes it out of the balance.
    let state = env.sandbox.state();
    let c2 = state
        .rewards
        .unwrap()
        .into_iter()
        .find(|r| r.external_id == "c2")
        .unwrap();
    assert_eq!(env.delete(&format!("{REWARDS}/{}", c2.id)).await.code(), 0);
    let a = env.get(&format!("{ASSETS}?referral_account_id={id}")).await;
    assert!(
        a.text.contains(r#"{"currency_type":"CNY","amount":100.5}"#),
        "{}",
        a.text
    );
}

#[tokio::test]
async fn assets_errors_unknown_account_and_missing_id() {
    let env = Env::default().await;
    let a = env
        .get(&format!("{ASSETS}?referral_account_id=7300000000000099999"))
        .await;
    assert_eq!((a.status, a.code()), (StatusCode::BAD_REQUEST, 1002553));
    assert_param_error(&env.get(ASSETS).await, "referral_account_id");
    let a = env.register(&json!({"email": "li.na@example.com"})).await;
    let id = a.body["data"]["account"]["account_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_param_error(
        &env.get(&format!(
            "{ASSETS}?referral_account_id={id}&user_id_type=phone"
        ))
        .await,
        "user_id_type",
    );
}

#[tokio::test]
async fn a_directory_can_be_given_in_memory() {
    let directory = Directory::new(vec![Employee {
        user_id: "u-1".into(),
        open_id: "ou_only".into(),
        union_id: "on_only".into(),
        name_zh: "测试".into(),
        name_en: "Test".into(),
        email: "only@example.com".into(),
        mobile_code: "86".into(),
        mobile_number: "100".into(),
    }]);
    let env = Env::new(SandboxConfig {
        directory,
        ..Default::default()
    })
    .await;
    let mut body = reward("d1");
    body["referral_user_id"] = json!("ou_only");
    assert_eq!(env.import(&body).await.code(), 0);
    assert_eq!(env.import(&reward("d2")).await.code(), 1002551);
}

// ---- rate limits ----

#[tokio::test]
async fn burst_of_30_gets_exactly_20_rate_limited() {
    let clock = Clock::manual();
    let env = Env::new(SandboxConfig {
        clock: clock.clone(),
        ..Default::default()
    })
    .await;
    let sends = (0..30).map(|i| {
        let body = reward(&format!("burst-{i}"));
        let env = &env;
        async move { env.import(&body).await }
    });
    let answers = futures_join_all(sends).await;
    let limited: Vec<_> = answers
        .iter()
        .filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!(limited.len(), 20);
    for a in &limited {
        assert_eq!(a.code(), 99991400, "{}", a.text);
        assert_eq!(a.header("x-ogw-ratelimit-limit"), "10");
        assert_eq!(a.header("x-ogw-ratelimit-reset"), "1");
        assert!(!a.logid.is_empty());
    }
    assert_eq!(answers.iter().filter(|a| a.code() == 0).count(), 10);
    let state = env.sandbox.summary();
    let key = format!("POST {REWARDS}");
    assert_eq!(state.reward_count, 10);
    assert!(state.peak_per_second[&key] <= 10);
    assert_eq!(state.peak_per_second[&key], 10);
    assert_eq!(state.throttled[&key], 20);
    assert_eq!(state.requests[&key]["429"], 20);
    // The window slides: a second later there is room again.
    clock.advance(Duration::from_millis(999));
    assert_eq!(
        env.import(&reward("late")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    clock.advance(Duration::from_millis(1));
    assert_eq!(env.import(&reward("later")).await.code(), 0);
}

/// Runs futures concurrently on this task (no extra dependency for `join_all`).
async fn futures_join_all<F: std::future::Future<Output = Answer>>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<Answer> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut out: Vec<Option<Answer>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(a) => out[i] = Some(a),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(Option::unwrap).collect()
}

#[tokio::test]
async fn registration_is_limited_per_minute_with_a_reset_in_seconds() {
    let clock = Clock::manual();
    let env = Env::new(SandboxConfig {
        clock: clock.clone(),
        ..Default::default()
    })
    .await;
    for _ in 0..100 {
        let a = env
            .register(&json!({"email": "zhang.wei@example.com"}))
            .await;
        assert_eq!(a.code(), 0);
    }
    clock.advance(Duration::from_millis(20_500));
    let a = env
        .register(&json!({"email": "zhang.wei@example.com"}))
        .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::TOO_MANY_REQUESTS, 99991400)
    );
    assert_eq!(a.header("x-ogw-ratelimit-limit"), "100");
    assert_eq!(a.header("x-ogw-ratelimit-reset"), "40");
    // Other endpoints keep their own windows.
    assert_eq!(env.import(&reward("own-window")).await.code(), 0);
}

#[tokio::test]
async fn reward_rate_raises_the_import_limit_and_tokens_are_never_limited() {
    let clock = Clock::manual();
    let env = Env::new(SandboxConfig {
        clock,
        reward_rate: 50,
        ..Default::default()
    })
    .await;
    for i in 0..50 {
        assert_eq!(env.import(&reward(&format!("fast-{i}"))).await.code(), 0);
    }
    assert_eq!(env.import(&reward("fast-50")).await.code(), 99991400);
    for _ in 0..30 {
        env.grant().await;
    }
}

// ---- faults ----

#[tokio::test]
async fn fail_rate_answers_500_1002001_as_the_seed_decides_and_stores_nothing() {
    let config = SandboxConfig {
        fail_rate: 0.3,
        seed: 7,
        reward_rate: 1000,
        ..Default::default()
    };
    let mut plan = config.fault_plan();
    let env = Env::new(config).await;
    let mut failed = 0;
    for i in 0..40 {
        let expected = plan.next_decision();
        let a = env.import(&reward(&format!("f-{i}"))).await;
        if expected.fail {
            failed += 1;
            assert_eq!(
                (a.status, a.code()),
                (StatusCode::INTERNAL_SERVER_ERROR, 1002001),
                "call {i}"
            );
            assert!(!a.logid.is_empty());
        } else {
            assert_eq!(a.code(), 0, "call {i}: {}", a.text);
        }
    }
    assert!(
        (5..=20).contains(&failed),
        "seed 7 at 0.3 failed {failed} of 40"
    );
    let state = env.sandbox.summary();
    assert_eq!(state.reward_count, 40 - failed);
    assert_eq!(state.failed[&format!("POST {REWARDS}")], failed as u64);
    // Token calls are never faulted.
    env.grant().await;
}

#[tokio::test]
async fn drop_rate_stores_the_reward_but_closes_the_connection_unanswered() {
    let config = SandboxConfig {
        drop_rate: 0.3,
        seed: 11,
        reward_rate: 1000,
        ..Default::default()
    };
    let mut plan = config.fault_plan();
    let env = Env::new(config).await;
    let mut dropped = Vec::new();
    for i in 0..30 {
        let expected = plan.next_decision();
        let external_id = format!("d-{i}");
        let sent = env
            .http
            .post(env.url(REWARDS))
            .bearer_auth(&env.token)
            .json(&reward(&external_id))
            .send()
            .await;
        if expected.drop {
            let err = sent.expect_err("a dropped call gets no answer");
            assert!(!err.is_timeout(), "{err}");
            dropped.push(external_id);
        } else {
            let a = answer(sent.unwrap()).await;
            assert_eq!(a.code(), 0, "call {i}: {}", a.text);
        }
    }
    assert!(
        (3..=18).contains(&dropped.len()),
        "seed 11 at 0.3 dropped {}",
        dropped.len()
    );
    let state = env.sandbox.state();
    assert_eq!(state.reward_count, 30, "dropped calls are stored too");
    assert_eq!(
        state.dropped[&format!("POST {REWARDS}")],
        dropped.len() as u64
    );
    let stored: HashSet<_> = state
        .rewards
        .unwrap()
        .into_iter()
        .map(|r| r.external_id)
        .collect();
    assert!(dropped.iter().all(|d| stored.contains(d)));
}

#[tokio::test]
async fn latency_and_jitter_delay_every_business_call_as_seeded() {
    let config = SandboxConfig {
        latency: Duration::from_millis(20),
        jitter: Duration::from_millis(30),
        seed: 5,
        ..Default::default()
    };
    let mut plan = config.fault_plan();
    let expected: Duration = (0..5).map(|_| plan.next_decision().delay).sum();
    let env = Env::new(config).await;
    for i in 0..5 {
        let started = Instant::now();
        assert_eq!(env.import(&reward(&format!("l-{i}"))).await.code(), 0);
        assert!(started.elapsed() >= Duration::from_millis(20));
    }
    env.grant().await; // not delayed, not counted
    let state = env.sandbox.summary();
    assert_eq!(state.injected_delay_ms, expected.as_millis() as u64);
    assert!(state.injected_delay_ms > 100, "jitter adds to latency");
}

#[tokio::test]
async fn deny_permission_names_the_missing_scope() {
    let env = Env::new(SandboxConfig {
        deny_permission: true,
        ..Default::default()
    })
    .await;
    let a = env.import(&reward("p")).await;
    assert_eq!((a.status, a.code()), (StatusCode::BAD_REQUEST, 99991672));
    assert!(
        a.msg().contains("hire:external_referral_reward"),
        "{}",
        a.text
    );
    let a = env
        .register(&json!({"email": "zhang.wei@example.com"}))
        .await;
    assert_eq!(a.code(), 99991672);
    assert!(a.msg().contains("hire:referral_account"), "{}", a.text);
    let a = env.get(&format!("{ASSETS}?referral_account_id=1")).await;
    assert!(a.msg().contains("hire:referral_account"), "{}", a.text);
    let state = env.sandbox.summary();
    assert_eq!((state.reward_count, state.accounts.len()), (0, 0));
}

#[tokio::test]
async fn rate_limit_is_decided_before_faults() {
    let clock = Clock::manual();
    let env = Env::new(SandboxConfig {
        clock,
        fail_rate: 1.0,
        ..Default::default()
    })
    .await;
    let mut codes = Vec::new();
    for i in 0..12 {
        codes.push(env.import(&reward(&format!("x-{i}"))).await.code());
    }
    assert_eq!(&codes[..10], &[1002001; 10]);
    assert_eq!(&codes[10..], &[99991400; 2]);
}

// ---- inspection and plumbing ----

#[tokio::test]
async fn state_over_http_matches_the_handle_and_can_leave_out_rewards() {
    let env = Env::default().await;
    env.import(&reward("s1")).await;
    env.import(&reward("s1")).await;
    env.import(&reward("s2")).await;
    env.post_with(None, REWARDS, &reward("s3")).await;
    let full = answer(
        env.http
            .get(env.url("/sandbox/state"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(full.body["data"]["rewards"].as_array().unwrap().len(), 2);
    let counts = answer(
        env.http
            .get(env.url("/sandbox/state?rewards=false"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let data = &counts.body["data"];
    assert!(data.get("rewards").is_none());
    assert_eq!(data["reward_count"], 2);
    assert_eq!(data["reward_receipts"], 3);
    let key = format!("POST {REWARDS}");
    assert_eq!(data["requests"][&key]["200"], 3);
    assert_eq!(data["requests"][&key]["400"], 1);
    assert_eq!(data["requests"][format!("POST {TOKEN}")]["200"], 1);
    assert_eq!(data, &serde_json::to_value(env.sandbox.summary()).unwrap());
}

#[tokio::test]
async fn every_answer_has_its_own_logid_even_404() {
    let env = Env::default().await;
    let mut seen = HashSet::new();
    let answers = vec![
        env.import(&reward("a")).await,
        env.import(&reward("a")).await,
        env.post_with(None, REWARDS, &reward("a")).await,
        env.get("/open-apis/nowhere").await,
        env.token_request(json!({"app_id": "x", "app_secret": "y"}))
            .await,
    ];
    assert_eq!(answers[3].status, StatusCode::NOT_FOUND);
    assert_eq!(answers[3].code(), 404);
    for a in answers {
        assert!(!a.logid.is_empty(), "{}", a.text);
        assert!(seen.insert(a.logid));
    }
}

#[tokio::test]
async fn shutdown_stops_listening() {
    let env = Env::default().await;
    let url = env.url(TOKEN);
    env.sandbox.shutdown().await.unwrap();
    assert!(client().post(url).body("{}").send().await.is_err());
}

#[tokio::test]
async fn bad_settings_are_refused() {
    let err = sandbox::start(SandboxConfig {
        fail_rate: 1.5,
        ..Default::default()
    })
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("fail_rate"), "{err}");
}

#[tokio::test]
async fn wrong_method_gets_a_json_405_with_a_logid() {
    let env = Env::default().await;
    let a = env.get(REWARDS).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(a.msg().contains("405"), "{}", a.text);
    assert!(!a.logid.is_empty());
}

// ---- the command ----

/// Kills the child it holds when dropped, so a failing test leaves no server behind.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn command_prints_a_paste_ready_block_and_serves_it() {
    use std::io::BufRead;
    let mut child = Child(
        std::process::Command::new(assert_cmd::cargo::cargo_bin("rewardsync"))
            .args([
                "sandbox",
                "--listen",
                "127.0.0.1:0",
                "--app-secret",
                "s3cret",
            ])
            .args(["--app-id", "cli_test", "--seed", "3"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let exports = tokio::task::spawn_blocking(move || {
        let mut exports = Vec::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("export ") {
                exports.push(rest.to_owned());
                if exports.len() == 3 {
                    break;
                }
            }
        }
        exports
    })
    .await
    .unwrap();
    assert_eq!(exports.len(), 3, "{exports:?}");
    let base = exports[0]
        .strip_prefix("FEISHU_BASE_URL=")
        .unwrap()
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert_eq!(exports[1], "FEISHU_APP_ID=cli_test");
    assert_eq!(exports[2], "FEISHU_APP_SECRET=s3cret");
    let a = answer(
        client()
            .post(format!("{base}{TOKEN}"))
            .body(r#"{"app_id":"cli_test","app_secret":"s3cret"}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.code(), 0, "{}", a.text);
}

#[test]
fn command_refuses_a_probability_above_one() {
    assert_cmd::Command::cargo_bin("rewardsync")
        .unwrap()
        .args(["sandbox", "--fail-rate", "1.5"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("between 0 and 1"));
}
