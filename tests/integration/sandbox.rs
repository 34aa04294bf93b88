//! The sandbox, driven over loopback HTTP as a client would: every endpoint's success and
//! documented errors, tokens, idempotency, rate limits and each seeded fault. Rate limits
//! and token expiry use the manual clock, so no test depends on the machine's speed.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use rewardsync_sandbox::{
    self as sandbox, Clock, Directory, Employee, FaultPlan, FaultSettings, Sandbox, SandboxConfig,
};
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
/// A well-formed open_id of no sample employee, as a user's real file holds them.
const STRANGER_OPEN: &str = "ou_5f1e0c2b9a8d7e6f5a4b3c2d1e0f9a8b";

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

    /// The id of the account `body` registers (asserting it registers).
    async fn register_id(&self, body: &Value) -> String {
        let a = self.register(body).await;
        assert_eq!(a.code(), 0, "{}", a.text);
        a.body["data"]["account"]["account_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// `data.account` of `get_account_assets` under a `user_id_type`.
    async fn assets(&self, account_id: &str, kind: &str) -> Value {
        let a = self
            .get(&format!(
                "{ASSETS}?referral_account_id={account_id}&user_id_type={kind}"
            ))
            .await;
        assert_eq!(a.code(), 0, "{}", a.text);
        a.body["data"]["account"].clone()
    }

    /// A request to the sandbox's own endpoints (no token: they need none).
    async fn control(&self, method: reqwest::Method, path: &str, body: &str) -> Answer {
        let request = self
            .http
            .request(method, self.url(path))
            .body(body.to_owned());
        answer(request.send().await.unwrap()).await
    }
}

/// `reward(external_id)` for another referrer.
fn reward_for(external_id: &str, referrer: &str) -> Value {
    let mut body = reward(external_id);
    body["referral_user_id"] = json!(referrer);
    body
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
async fn referral_user_id_must_be_well_formed_for_its_user_id_type() {
    let env = Env::default().await;
    let a = env.import(&reward("u1")).await;
    assert_eq!(a.code(), 0);
    let a = env.import(&reward_for("u2", "ou_not_an_employee")).await;
    assert_param_error(&a, "referral_user_id");
    assert!(
        a.msg()
            .contains("\"ou_not_an_employee\" is not a well-formed open_id")
            && a.msg().contains("letters and digits"),
        "{}",
        a.text
    );
    // An open_id is not a union_id, nor a user_id.
    let a = env
        .post(&format!("{REWARDS}?user_id_type=union_id"), &reward("u3"))
        .await;
    assert_param_error(&a, "referral_user_id");
    assert!(a.msg().contains("union_id"), "{}", a.text);
    let a = env
        .post(&format!("{REWARDS}?user_id_type=user_id"), &reward("u3b"))
        .await;
    assert_param_error(&a, "referral_user_id");
    assert!(a.msg().contains("user_id_type"), "{}", a.text);
    let a = env
        .post(
            &format!("{REWARDS}?user_id_type=union_id"),
            &reward_for("u4", ZHANG_UNION),
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.text);
    let a = env
        .post(
            &format!("{REWARDS}?user_id_type=user_id"),
            &reward_for("u5", ZHANG_USER),
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.text);
    let a = env
        .post(&format!("{REWARDS}?user_id_type=email"), &reward("u6"))
        .await;
    assert_param_error(&a, "user_id_type");
    let state = env.sandbox.summary();
    assert_eq!((state.reward_count, state.made_up_employee_count), (3, 0));
}

// ---- who the sandbox knows ----

#[tokio::test]
async fn an_unknown_referrer_is_made_up_once_and_found_again_under_every_identifier() {
    let env = Env::default().await;
    for external_id in ["real-1", "real-2"] {
        let a = env.import(&reward_for(external_id, STRANGER_OPEN)).await;
        assert_eq!(a.code(), 0, "{}", a.text);
    }
    let state = env.sandbox.state();
    assert_eq!(
        state.made_up_employee_count, 1,
        "the same referrer twice is one person"
    );
    let made_up = state.made_up_employees.unwrap().remove(0);
    assert_eq!(made_up.open_id, STRANGER_OPEN);
    assert!(made_up.union_id.starts_with("on_"), "{made_up:?}");
    let rewards = state.rewards.unwrap();
    assert!(
        rewards
            .iter()
            .all(|r| r.referrer_user_id == made_up.user_id)
    );

    // Registered by the made-up e-mail, the account holds both rewards ...
    let id = env.register_id(&json!({"email": made_up.email})).await;
    let account = env.assets(&id, "open_id").await;
    assert_eq!(account["referrer"]["id"], STRANGER_OPEN);
    assert_eq!(account["referrer"]["email"], made_up.email.as_str());
    assert_eq!(
        account["referrer"]["name"]["en_us"],
        made_up.name_en.as_str()
    );
    assert_eq!(account["assets"]["confirmed_bonus"]["point_bonus"], 200);
    // ... and a reward naming the same person by union_id lands there too.
    let a = env
        .post(
            &format!("{REWARDS}?user_id_type=union_id"),
            &reward_for("real-3", &made_up.union_id),
        )
        .await;
    assert_eq!(a.code(), 0, "{}", a.text);
    let account = env.assets(&id, "union_id").await;
    assert_eq!(account["referrer"]["id"], made_up.union_id.as_str());
    assert_eq!(account["assets"]["confirmed_bonus"]["point_bonus"], 300);
    // The mobile finds the same account.
    let again = env
        .register_id(
            &json!({"mobile": {"code": made_up.mobile_code, "number": made_up.mobile_number}}),
        )
        .await;
    assert_eq!(again, id);
    let state = env.sandbox.summary();
    assert_eq!((state.made_up_employee_count, state.accounts.len()), (1, 1));

    // Another sandbox makes up the very same employee for the same open_id.
    let other = Env::default().await;
    assert_eq!(
        other
            .import(&reward_for("elsewhere", STRANGER_OPEN))
            .await
            .code(),
        0
    );
    assert_eq!(
        other.sandbox.state().made_up_employees.unwrap(),
        vec![made_up]
    );
}

#[tokio::test]
async fn a_strict_directory_refuses_unknown_referrers_with_1002002_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("staff.csv");
    std::fs::write(
        &path,
        "user_id,open_id,union_id,name_zh,name_en,email,mobile_code,mobile_number\n\
         u-1,ou_staff1,on_staff1,职员,Staff,staff@corp.example,86,13800000001\n",
    )
    .unwrap();
    let env = Env::new(SandboxConfig {
        directory: Directory::from_path(&path).unwrap(),
        strict_directory: true,
        ..Default::default()
    })
    .await;
    assert_eq!(env.import(&reward_for("s1", "ou_staff1")).await.code(), 0);
    let a = env.import(&reward_for("s2", STRANGER_OPEN)).await;
    assert_param_error(&a, "referral_user_id");
    assert!(
        a.msg()
            .contains("not the open_id of anyone in the sandbox's directory")
            && a.msg().contains(&format!("--directory {}", path.display())),
        "{}",
        a.text
    );
    // A malformed id is still told apart from an unknown one.
    let a = env.import(&reward_for("s3", "ou_a.b")).await;
    assert!(a.msg().contains("not a well-formed open_id"), "{}", a.text);
    // Registration by an unknown e-mail: 1002551, as Feishu answers.
    let a = env
        .register(&json!({"email": "stranger@corp.example"}))
        .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, 1002551),
        "{}",
        a.text
    );
    assert!(a.msg().contains("staff.csv"), "{}", a.text);
    env.register_id(&json!({"email": "STAFF@corp.example"}))
        .await;
    let state = env.sandbox.summary();
    assert_eq!((state.reward_count, state.made_up_employee_count), (1, 0));
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
    let env = Env::new(SandboxConfig {
        strict_directory: true,
        ..Default::default()
    })
    .await;
    let a = env.register(&json!({"email": "nobody@example.com"})).await;
    assert_eq!((a.status, a.code()), (StatusCode::BAD_REQUEST, 1002551));
    assert!(a.msg().contains("samples/employees.csv"), "{}", a.text);
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
async fn register_by_an_unknown_email_makes_up_the_employee_without_a_directory() {
    let env = Env::default().await;
    let id = env
        .register_id(&json!({"email": "nobody@example.com"}))
        .await;
    assert_eq!(
        env.register_id(&json!({"email": "Nobody@Example.com"}))
            .await,
        id
    );
    let account = env.assets(&id, "open_id").await;
    assert_eq!(account["referrer"]["email"], "nobody@example.com");
    let open_id = account["referrer"]["id"].as_str().unwrap().to_owned();
    assert!(open_id.starts_with("ou_"), "{account}");
    // Rewards for that open_id land in the account.
    assert_eq!(env.import(&reward_for("n1", &open_id)).await.code(), 0);
    let account = env.assets(&id, "open_id").await;
    assert_eq!(account["assets"]["confirmed_bonus"]["point_bonus"], 100);
    // The sample directory's shared mobile stays ambiguous; nonsense is a parameter error.
    let a = env
        .register(&json!({"mobile": {"code": "86", "number": SHARED_MOBILE}}))
        .await;
    assert_eq!((a.status, a.code()), (StatusCode::BAD_REQUEST, 1002552));
    assert_param_error(&env.register(&json!({"email": "a@b"})).await, "email");
    assert_param_error(
        &env.register(&json!({"mobile": {"code": "86", "number": "139-1000"}}))
            .await,
        "mobile.number",
    );
    // A mobile of one person and an e-mail of another name no one.
    let a = env
        .register(&json!({"mobile": {"code": "86", "number": "13910000000"}, "email": "nobody@example.com"}))
        .await;
    assert_eq!(a.code(), 1002551, "{}", a.text);
    let state = env.sandbox.summary();
    assert_eq!((state.made_up_employee_count, state.accounts.len()), (1, 1));
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
        directory: directory.clone(),
        strict_directory: true,
        ..Default::default()
    })
    .await;
    assert_eq!(env.import(&reward_for("d1", "ou_only")).await.code(), 0);
    let a = env.import(&reward("d2")).await;
    assert_param_error(&a, "referral_user_id");
    assert!(
        a.msg().contains("a directory given in memory"),
        "{}",
        a.text
    );
    // Not strict: 张伟 is a stranger here, and made up.
    let open = Env::new(SandboxConfig {
        directory,
        ..Default::default()
    })
    .await;
    assert_eq!(open.import(&reward("d2")).await.code(), 0);
    assert_eq!(open.sandbox.summary().made_up_employee_count, 1);
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

#[tokio::test]
async fn faults_change_mid_run_over_http_and_answer_the_settings_in_force() {
    use reqwest::Method;
    let env = Env::new(SandboxConfig {
        reward_rate: 1000,
        latency: Duration::from_millis(1),
        ..Default::default()
    })
    .await;
    let a = env
        .control(Method::POST, "/sandbox/faults", r#"{"drop_rate":1}"#)
        .await;
    assert_eq!(a.code(), 0, "{}", a.text);
    assert_eq!(
        a.body["data"],
        json!({"fail_rate": 0.0, "drop_rate": 1.0, "latency_ms": 1, "jitter_ms": 0, "deny_permission": false})
    );
    let sent = env
        .http
        .post(env.url(REWARDS))
        .bearer_auth(&env.token)
        .json(&reward("dropped"))
        .send()
        .await;
    assert!(sent.is_err(), "drop_rate 1 drops every call: {sent:?}");
    let a = env
        .control(Method::POST, "/sandbox/faults", r#"{"drop_rate":0}"#)
        .await;
    assert_eq!(a.body["data"]["drop_rate"], 0.0, "{}", a.text);
    let a = env.import(&reward("dropped")).await;
    assert_eq!(a.code(), 0, "{}", a.text);
    let state = env.sandbox.summary();
    assert_eq!((state.reward_count, state.reward_receipts), (1, 2));
    assert_eq!(state.dropped[&format!("POST {REWARDS}")], 1);

    // Bad values are refused, naming them, and change nothing.
    let a = env
        .control(
            Method::POST,
            "/sandbox/faults",
            r#"{"fail_rate":1.5,"drop_rate":0.5}"#,
        )
        .await;
    assert_param_error(&a, "fail_rate");
    let a = env
        .control(Method::POST, "/sandbox/faults", r#"{"seed":3}"#)
        .await;
    assert_param_error(&a, "seed");
    let a = env
        .control(Method::POST, "/sandbox/faults", r#"{"latency_ms":-1}"#)
        .await;
    assert_param_error(&a, "latency_ms");
    let a = env.control(Method::GET, "/sandbox/faults", "").await;
    assert_eq!(a.body["data"]["drop_rate"], 0.0, "{}", a.text);
    assert_eq!(env.sandbox.faults().latency_ms, 1);

    let a = env
        .control(
            Method::POST,
            "/sandbox/faults",
            r#"{"deny_permission":true}"#,
        )
        .await;
    assert_eq!(a.body["data"]["deny_permission"], true, "{}", a.text);
    assert_eq!(env.import(&reward("denied")).await.code(), 99991672);
    // The sandbox's own endpoints are not business calls: never counted.
    let requests = env.sandbox.summary().requests;
    assert!(
        requests.keys().all(|k| !k.contains("/sandbox/")),
        "{requests:?}"
    );
    env.control(Method::GET, "/sandbox/nowhere", "").await;
    assert_eq!(env.sandbox.summary().requests, requests);
}

#[tokio::test]
async fn set_faults_changes_faults_mid_run_and_restarts_the_plan_from_the_seed() {
    let config = SandboxConfig {
        fail_rate: 0.5,
        seed: 7,
        reward_rate: 1000,
        ..Default::default()
    };
    let env = Env::new(config).await;
    for i in 0..5 {
        env.import(&reward(&format!("before-{i}"))).await;
    }
    let always = FaultSettings {
        fail_rate: 1.0,
        ..env.sandbox.faults()
    };
    assert_eq!(env.sandbox.set_faults(always), Ok(always));
    let a = env.import(&reward("fails")).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::INTERNAL_SERVER_ERROR, 1002001)
    );
    assert!(
        env.sandbox
            .set_faults(FaultSettings {
                drop_rate: 2.0,
                ..FaultSettings::default()
            })
            .is_err()
    );
    assert_eq!(
        env.sandbox.faults(),
        always,
        "a refused change changes nothing"
    );

    // After a change the calls fail as in a sandbox started with the new settings.
    let settings = FaultSettings {
        fail_rate: 0.3,
        ..FaultSettings::default()
    };
    env.sandbox.set_faults(settings).unwrap();
    let mut plan = FaultPlan::new(7, settings);
    let mut failed = 0;
    for i in 0..30 {
        let expected = plan.next_decision();
        let a = env.import(&reward(&format!("after-{i}"))).await;
        if expected.fail {
            failed += 1;
            assert_eq!(a.code(), 1002001, "call {i}");
        } else {
            assert_eq!(a.code(), 0, "call {i}: {}", a.text);
        }
    }
    assert!(
        (3..=18).contains(&failed),
        "seed 7 at 0.3 failed {failed} of 30"
    );

    env.sandbox
        .set_faults(FaultSettings {
            deny_permission: true,
            ..FaultSettings::default()
        })
        .unwrap();
    assert_eq!(env.import(&reward("denied")).await.code(), 99991672);
    env.sandbox.set_faults(FaultSettings::default()).unwrap();
    assert_eq!(env.import(&reward("fine")).await.code(), 0);
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
    let err = sandbox::start(SandboxConfig {
        latency: Duration::from_secs(601),
        ..Default::default()
    })
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("latency_ms"), "{err}");
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

/// `rewardsync sandbox --listen 127.0.0.1:0 ARGS…` started, and the three `export`
/// lines it prints (base URL, app id, app secret), values only.
async fn spawn_command(args: &[&str]) -> (Child, Vec<String>) {
    use std::io::BufRead;
    let mut child = Child(
        std::process::Command::new(assert_cmd::cargo::cargo_bin("rewardsync"))
            .args(["sandbox", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (found, exports) = std::sync::mpsc::channel();
    // Reads to the end (the child's death), so the child never writes to a closed pipe.
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.strip_prefix("export ") {
                let value = rest.split_once('=').map_or("", |(_, v)| v);
                let _ = found.send(value.to_owned());
            }
        }
    });
    let exports = tokio::task::spawn_blocking(move || exports.iter().take(3).collect::<Vec<_>>())
        .await
        .unwrap();
    assert_eq!(exports.len(), 3, "{exports:?}");
    (child, exports)
}

/// A token from the sandbox at `base`.
async fn token_from(base: &str, app_id: &str, app_secret: &str) -> String {
    let a = answer(
        client()
            .post(format!("{base}{TOKEN}"))
            .json(&json!({"app_id": app_id, "app_secret": app_secret}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.code(), 0, "{}", a.text);
    a.body["tenant_access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn command_prints_a_paste_ready_block_and_serves_it() {
    let (_child, exports) = spawn_command(&[
        "--app-secret",
        "s3cret",
        "--app-id",
        "cli_test",
        "--seed",
        "3",
    ])
    .await;
    let base = &exports[0];
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert_eq!(exports[1], "cli_test");
    assert_eq!(exports[2], "s3cret");
    token_from(base, "cli_test", "s3cret").await;
}

#[tokio::test]
async fn command_with_a_directory_knows_exactly_its_employees() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.csv");
    std::fs::write(
        &path,
        "user_id,open_id,union_id,name_zh,name_en,email,mobile_code,mobile_number\n\
         u-1,ou_one,on_one,一,One,one@corp.example,86,13800000001\n",
    )
    .unwrap();
    let (_child, exports) = spawn_command(&["--directory", path.to_str().unwrap()]).await;
    let base = &exports[0];
    let token = token_from(base, &exports[1], &exports[2]).await;
    let import = |referrer: &str, external_id: &str| {
        client()
            .post(format!("{base}{REWARDS}?user_id_type=open_id"))
            .bearer_auth(&token)
            .json(&reward_for(external_id, referrer))
            .send()
    };
    let a = answer(import("ou_one", "c1").await.unwrap()).await;
    assert_eq!(a.code(), 0, "{}", a.text);
    let a = answer(import(ZHANG_OPEN, "c2").await.unwrap()).await;
    assert_param_error(&a, "referral_user_id");
    assert!(a.msg().contains("one.csv"), "{}", a.text);
}

#[test]
fn command_help_names_a_sample_employee_the_lookups_and_the_talents_file() {
    let output = assert_cmd::Command::cargo_bin("rewardsync")
        .unwrap()
        .args(["sandbox", "--help"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    // Help is wrapped to the terminal's width: compare with single spaces.
    let help = String::from_utf8(output).unwrap();
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "the 20 built-in sample employees (samples/employees.csv, e.g. zhang.wei@example.com)",
        "made up on first sight",
        "POST /sandbox/faults",
        "--talents <FILE>",
        "--deny-scope <SCOPE>",
        "POST /open-apis/contact/v3/users/batch_get_id",
        "POST /open-apis/hire/v1/talents/batch_get_id",
        "50/s and 1000/min",
        "resigned",
    ] {
        assert!(help.contains(expected), "{expected:?} not in: {help}");
    }
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
