//! The sandbox's people lookups, driven over loopback HTTP as a client would: users by
//! e-mail or mobile (`contact/v3/users/batch_get_id`) and talents by mobile or e-mail
//! (`hire/v1/talents/batch_get_id`): their shapes, not-found entries, resigned employees,
//! the 50-value lists, the AND of talent lists, ambiguous talents, strict and open mode,
//! both quotas (on the manual clock) and denied scopes.

use std::time::Duration;

use reqwest::StatusCode;
use rewardsync_sandbox::{
    self as sandbox, Clock, Directory, FaultSettings, Sandbox, SandboxConfig, Scope, ScopeSet,
    TalentPool,
};
use serde_json::{Value, json};

const TOKEN: &str = "/open-apis/auth/v3/tenant_access_token/internal";
const USERS: &str = "/open-apis/contact/v3/users/batch_get_id";
const TALENTS: &str = "/open-apis/hire/v1/talents/batch_get_id";
const REWARDS: &str = "/open-apis/hire/v1/external_referral_rewards";

/// A directory with an active employee (mobile written `+86 139 …`), a resigned one, and
/// one abroad.
const STAFF: &str = "user_id,open_id,union_id,name_zh,name_en,email,mobile_code,mobile_number,resigned\n\
                     u-active,ou_active,on_active,在职,Active,active@corp.example,,+86 139 0000 0001,\n\
                     u-left,ou_left,on_left,离职,Left,left@corp.example,86,13900000002,true\n\
                     u-abroad,ou_abroad,on_abroad,海外,Abroad,abroad@corp.example,1,212-666-8888,false\n";

/// A talent pool with an e-mail shared by two talents and a mobile shared by two others.
const POOL: &str = "talent_id,email,mobile_code,mobile_number\n\
                    7001,twin@cand.example,86,13800000001\n\
                    7002,twin@cand.example,86,13800000002\n\
                    7003,solo@cand.example,86,13800000001\n\
                    7004,,1,2126668888\n";

/// One answer: status, headers, body.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
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
    fn users(&self) -> &Vec<Value> {
        assert_eq!(self.code(), 0, "{}", self.text);
        self.body["data"]["user_list"].as_array().unwrap()
    }
    fn talent_ids(&self) -> Vec<&str> {
        assert_eq!(self.code(), 0, "{}", self.text);
        self.body["data"]["talent_list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["talent_id"].as_str().unwrap())
            .collect()
    }
}

struct Env {
    sandbox: Sandbox,
    http: reqwest::Client,
    token: String,
}

impl Env {
    async fn new(config: SandboxConfig) -> Env {
        let sandbox = sandbox::start(config).await.unwrap();
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        let mut env = Env {
            sandbox,
            http,
            token: String::new(),
        };
        let a = env
            .send(
                TOKEN,
                &json!({"app_id": "cli_sandbox", "app_secret": "sandbox_secret"}),
            )
            .await;
        env.token = a.body["tenant_access_token"].as_str().unwrap().to_owned();
        env
    }

    async fn send(&self, path: &str, body: &Value) -> Answer {
        let response = self
            .http
            .post(format!("{}{path}", self.sandbox.base_url()))
            .bearer_auth(&self.token)
            .header("content-type", "application/json; charset=utf-8")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            text,
            body,
        }
    }

    async fn users(&self, id_type: &str, body: &Value) -> Answer {
        self.send(&format!("{USERS}?user_id_type={id_type}"), body)
            .await
    }

    async fn talents(&self, body: &Value) -> Answer {
        self.send(TALENTS, body).await
    }

    async fn import(&self, body: &Value) -> Answer {
        self.send(&format!("{REWARDS}?user_id_type=open_id"), body)
            .await
    }
}

fn strict_staff() -> SandboxConfig {
    SandboxConfig {
        directory: Directory::from_reader(STAFF.as_bytes()).unwrap(),
        strict_directory: true,
        ..Default::default()
    }
}

fn strict_pool() -> SandboxConfig {
    SandboxConfig {
        talents: TalentPool::from_reader(POOL.as_bytes()).unwrap(),
        strict_talents: true,
        ..Default::default()
    }
}

/// A valid reward for `referrer`, for the talent `talent_id`.
fn reward(external_id: &str, referrer: &str, talent_id: &str) -> Value {
    json!({
        "referral_user_id": referrer,
        "external_id": external_id,
        "talent_id": talent_id,
        "rule_type": 1,
        "bonus": {"bonus_type": 1, "point_bonus": 100},
        "stage": 2
    })
}

fn active() -> Value {
    json!({"is_frozen": false, "is_resigned": false, "is_activated": true, "is_exited": false, "is_unjoin": false})
}

// ---- users ----

#[tokio::test]
async fn users_come_back_one_entry_per_value_in_the_sdk_shape() {
    let env = Env::new(strict_staff()).await;
    let a = env
        .users(
            "open_id",
            &json!({
                "emails": ["Active@corp.example", "nobody@corp.example", "left@corp.example"],
                "mobiles": ["13900000001", "+12126668888", "+8613900000001", "13900000002"]
            }),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.users(),
        &vec![
            json!({"user_id": "ou_active", "email": "Active@corp.example", "status": active()}),
            json!({"email": "nobody@corp.example"}),
            json!({"email": "left@corp.example"}),
            // The directory wrote "+86 139 0000 0001": found by the bare 11 digits.
            json!({"user_id": "ou_active", "mobile": "13900000001", "status": active()}),
            json!({"user_id": "ou_abroad", "mobile": "+12126668888", "status": active()}),
            // Mainland numbers are sent bare; +86 in front finds no one.
            json!({"mobile": "+8613900000001"}),
            json!({"mobile": "13900000002"}),
        ]
    );
    let a = env
        .users("union_id", &json!({"emails": ["active@corp.example"]}))
        .await;
    assert_eq!(a.users()[0]["user_id"], "on_active");
    let a = env
        .users("user_id", &json!({"mobiles": ["13900000001"]}))
        .await;
    assert_eq!(a.users()[0]["user_id"], "u-active");
    let a = env.users("email", &json!({"emails": []})).await;
    assert_eq!(a.code(), 1002002, "{}", a.text);
    assert!(a.msg().contains("user_id_type"), "{}", a.text);
    // Strict: no one was made up.
    assert_eq!(env.sandbox.summary().made_up_employee_count, 0);
}

#[tokio::test]
async fn resigned_employees_come_back_only_with_include_resigned() {
    let env = Env::new(strict_staff()).await;
    let body = |include: bool| json!({"emails": ["left@corp.example"], "mobiles": ["13900000002"], "include_resigned": include});
    let hidden = env.users("open_id", &body(false)).await;
    assert!(
        hidden.users().iter().all(|u| u.get("user_id").is_none()),
        "{}",
        hidden.text
    );
    let shown = env.users("open_id", &body(true)).await;
    let resigned = json!({"is_frozen": false, "is_resigned": true, "is_activated": false, "is_exited": false, "is_unjoin": false});
    for user in shown.users() {
        assert_eq!(user["user_id"], "ou_left", "{}", shown.text);
        assert_eq!(user["status"], resigned);
    }
    // Open mode does not make up a stranger for a resigned employee's e-mail either.
    let open = Env::new(SandboxConfig {
        strict_directory: false,
        ..strict_staff()
    })
    .await;
    let a = open.users("open_id", &body(false)).await;
    assert!(
        a.users().iter().all(|u| u.get("user_id").is_none()),
        "{}",
        a.text
    );
    assert_eq!(open.sandbox.summary().made_up_employee_count, 0);
}

#[tokio::test]
async fn open_mode_makes_up_a_consistent_person_the_import_accepts() {
    let env = Env::new(SandboxConfig::default()).await;
    let body = json!({"emails": ["new.hire@legacy.example", "not-an-email"], "mobiles": ["13712345678", "12345"]});
    let first = env.users("open_id", &body).await;
    let again = env.users("open_id", &body).await;
    assert_eq!(first.users(), again.users(), "the same person each time");
    let users = first.users();
    let open_id = users[0]["user_id"].as_str().unwrap().to_owned();
    assert!(open_id.starts_with("ou_"), "{}", first.text);
    assert_eq!(users[0]["status"], active());
    assert_eq!(
        users[1],
        json!({"email": "not-an-email"}),
        "malformed: not found"
    );
    assert!(users[2]["user_id"].as_str().unwrap().starts_with("ou_"));
    assert_eq!(users[3], json!({"mobile": "12345"}));
    assert_eq!(env.sandbox.summary().made_up_employee_count, 2);
    // The made-up open_id is a referrer the import accepts ...
    let a = env
        .import(&reward("by-mail-1", &open_id, "6960663240925956660"))
        .await;
    assert_eq!(a.code(), 0, "{}", a.text);
    // ... and a fresh sandbox makes up the same person for the same e-mail.
    let other = Env::new(SandboxConfig::default()).await;
    let a = other
        .users("open_id", &json!({"emails": ["NEW.HIRE@legacy.example"]}))
        .await;
    assert_eq!(a.users()[0]["user_id"], open_id.as_str());
    // The sample employees are known as they are.
    let a = other
        .users("open_id", &json!({"emails": ["zhang.wei@example.com"]}))
        .await;
    assert_eq!(
        a.users()[0]["user_id"],
        "ou_8fe08882a7ae1007efe66632ce51f7a2"
    );
}

#[tokio::test]
async fn more_than_50_emails_or_mobiles_is_a_field_validation_error_naming_the_list() {
    let env = Env::new(SandboxConfig::default()).await;
    let emails: Vec<String> = (0..51).map(|i| format!("p{i}@corp.example")).collect();
    let mobiles: Vec<String> = (0..51).map(|i| format!("137000000{i:02}")).collect();
    let a = env.users("open_id", &json!({"emails": emails})).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, 99992402),
        "{}",
        a.text
    );
    assert!(a.msg().starts_with("field validation failed"), "{}", a.text);
    assert_eq!(a.body["error"]["field_violations"][0]["field"], "emails");
    let a = env
        .users(
            "open_id",
            &json!({"emails": &emails[..50], "mobiles": mobiles}),
        )
        .await;
    assert_eq!(a.code(), 99992402, "{}", a.text);
    assert_eq!(a.body["error"]["field_violations"][0]["field"], "mobiles");
    assert!(a.msg().contains("mobiles"), "{}", a.text);
    assert_eq!(
        env.sandbox.summary().made_up_employee_count,
        0,
        "refused whole"
    );
    // Exactly 50 of each is one call.
    let a = env
        .users(
            "open_id",
            &json!({"emails": &emails[..50], "mobiles": &mobiles[..50]}),
        )
        .await;
    assert_eq!(a.users().len(), 100);
}

// ---- talents ----

#[tokio::test]
async fn talents_echo_the_key_kinds_and_duplicates_give_several() {
    let env = Env::new(strict_pool()).await;
    let a = env
        .talents(&json!({"email_list": ["twin@cand.example", "nobody@cand.example"]}))
        .await;
    assert_eq!(
        a.body["data"]["talent_list"],
        json!([
            {"talent_id": "7001", "email": "twin@cand.example"},
            {"talent_id": "7002", "email": "twin@cand.example"}
        ]),
        "{}",
        a.text
    );
    // mobile_code defaults to 86 and is echoed.
    let a = env
        .talents(&json!({"mobile_number_list": ["13800000001", "13800000009"]}))
        .await;
    assert_eq!(
        a.body["data"]["talent_list"],
        json!([
            {"talent_id": "7001", "mobile_code": "86", "mobile_number": "13800000001"},
            {"talent_id": "7003", "mobile_code": "86", "mobile_number": "13800000001"}
        ]),
        "{}",
        a.text
    );
    let a = env
        .talents(&json!({"mobile_code": "1", "mobile_number_list": ["2126668888"]}))
        .await;
    assert_eq!(a.talent_ids(), ["7004"]);
    // Nothing matches: an empty list, code 0.
    let a = env
        .talents(&json!({"email_list": ["nobody@cand.example"]}))
        .await;
    assert!(a.talent_ids().is_empty());
    assert_eq!(env.sandbox.summary().made_up_talent_count, 0);
}

#[tokio::test]
async fn talent_lists_are_combined_with_and() {
    let env = Env::new(strict_pool()).await;
    let a = env
        .talents(&json!({
            "email_list": ["twin@cand.example"],
            "mobile_number_list": ["13800000001"]
        }))
        .await;
    // 7002 has another mobile, 7003 another e-mail: only 7001 has both.
    assert_eq!(a.talent_ids(), ["7001"]);
    assert_eq!(
        a.body["data"]["talent_list"][0],
        json!({"talent_id": "7001", "mobile_code": "86", "mobile_number": "13800000001", "email": "twin@cand.example"})
    );
    let a = env
        .talents(
            &json!({"email_list": ["solo@cand.example"], "mobile_number_list": ["13800000002"]}),
        )
        .await;
    assert!(a.talent_ids().is_empty(), "{}", a.text);
}

#[tokio::test]
async fn talent_requests_are_checked_with_their_codes() {
    let env = Env::new(strict_pool()).await;
    let many: Vec<String> = (0..51).map(|i| format!("t{i}@cand.example")).collect();
    let a = env.talents(&json!({"email_list": many})).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, 1002002),
        "{}",
        a.text
    );
    assert!(a.msg().contains("email_list"), "{}", a.text);
    let a = env.talents(&json!({"email_list": &many[..50]})).await;
    assert_eq!(a.code(), 0, "{}", a.text);
    let a = env
        .talents(&json!({"mobile_number_list": ["13800000001", "138-0000"]}))
        .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, 1002009),
        "{}",
        a.text
    );
    assert!(a.msg().contains("138-0000"), "{}", a.text);
    let a = env
        .talents(&json!({"mobile_code": "86", "mobile_number_list": ["2126668888"]}))
        .await;
    assert_eq!(a.code(), 1002009, "{}", a.text);
    let a = env
        .talents(&json!({"identification_number_list": ["110101199001011234"]}))
        .await;
    assert_eq!(a.code(), 1002002, "{}", a.text);
    assert!(a.msg().contains("identification_type"), "{}", a.text);
}

#[tokio::test]
async fn open_mode_makes_up_one_talent_per_value_and_the_import_accepts_it() {
    let env = Env::new(SandboxConfig::default()).await;
    let body = json!({"mobile_number_list": ["13600000001"]});
    let first = env.talents(&body).await;
    let again = env.talents(&body).await;
    assert_eq!(first.talent_ids().len(), 1);
    assert_eq!(first.talent_ids(), again.talent_ids());
    let talent_id = first.talent_ids()[0].to_owned();
    let by_mail = env
        .talents(&json!({"email_list": ["cand@legacy.example"]}))
        .await;
    assert_ne!(
        by_mail.talent_ids(),
        [talent_id.as_str()],
        "another value, another talent"
    );
    assert_eq!(env.sandbox.summary().made_up_talent_count, 2);
    let a = env
        .import(&reward(
            "by-mobile-1",
            "ou_8fe08882a7ae1007efe66632ce51f7a2",
            &talent_id,
        ))
        .await;
    assert_eq!(a.code(), 0, "{}", a.text);
    let other = Env::new(SandboxConfig::default()).await;
    assert_eq!(
        other.talents(&body).await.talent_ids(),
        [talent_id.as_str()]
    );
    // With a talents file, a value it lacks is simply absent.
    let strict = Env::new(strict_pool()).await;
    assert!(strict.talents(&body).await.talent_ids().is_empty());
}

// ---- limits, scopes, faults, inspection ----

#[tokio::test]
async fn lookups_allow_50_a_second_and_1000_a_minute() {
    let clock = Clock::manual();
    let env = Env::new(SandboxConfig {
        clock: clock.clone(),
        ..Default::default()
    })
    .await;
    let one = json!({"emails": ["zhang.wei@example.com"]});
    for _ in 0..50 {
        assert_eq!(env.users("open_id", &one).await.code(), 0);
    }
    let a = env.users("open_id", &one).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::TOO_MANY_REQUESTS, 99991400),
        "{}",
        a.text
    );
    assert_eq!(a.header("x-ogw-ratelimit-limit"), "50");
    assert_eq!(a.header("x-ogw-ratelimit-reset"), "1");
    // 50 in each of 20 seconds: 1000 in the minute, though no second is full.
    for _ in 1..20 {
        clock.advance(Duration::from_secs(1));
        for _ in 0..50 {
            assert_eq!(env.users("open_id", &one).await.code(), 0);
        }
    }
    clock.advance(Duration::from_secs(1));
    let a = env.users("open_id", &one).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.text);
    assert_eq!(a.header("x-ogw-ratelimit-limit"), "1000");
    assert_eq!(a.header("x-ogw-ratelimit-reset"), "40");
    // The talent lookup has limits of its own.
    assert_eq!(
        env.talents(&json!({"email_list": ["a@b.example"]}))
            .await
            .code(),
        0
    );
    clock.advance(Duration::from_secs(40));
    assert_eq!(env.users("open_id", &one).await.code(), 0);

    let state = env.sandbox.summary();
    let key = format!("POST {USERS}");
    assert_eq!(state.throttled[&key], 2);
    assert_eq!(state.peak_per_second[&key], 50);
    assert_eq!(state.requests[&key]["200"], 1001);
    assert_eq!(state.requests[&key]["429"], 2);
    assert_eq!(state.requests[&format!("POST {TALENTS}")]["200"], 1);
}

#[tokio::test]
async fn talent_lookups_are_held_to_50_a_second() {
    let clock = Clock::manual();
    let env = Env::new(SandboxConfig {
        clock: clock.clone(),
        ..strict_pool()
    })
    .await;
    let one = json!({"email_list": ["solo@cand.example"]});
    for _ in 0..50 {
        assert_eq!(env.talents(&one).await.code(), 0);
    }
    let a = env.talents(&one).await;
    assert_eq!(a.code(), 99991400, "{}", a.text);
    assert_eq!(a.header("x-ogw-ratelimit-limit"), "50");
    clock.advance(Duration::from_secs(1));
    assert_eq!(env.talents(&one).await.talent_ids(), ["7003"]);
    let state = env.sandbox.summary();
    assert_eq!(state.throttled[&format!("POST {TALENTS}")], 1);
    assert_eq!(state.peak_per_second[&format!("POST {TALENTS}")], 50);
}

#[tokio::test]
async fn a_denied_contact_scope_refuses_the_user_lookup_only() {
    let env = Env::new(SandboxConfig {
        deny_scopes: ScopeSet::of([Scope::ContactUserId]),
        ..Default::default()
    })
    .await;
    let a = env
        .users("open_id", &json!({"emails": ["zhang.wei@example.com"]}))
        .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, 99991672),
        "{}",
        a.text
    );
    assert!(a.msg().contains("[contact:user.id:readonly]"), "{}", a.text);
    // The rest of the app's permissions are intact.
    let a = env
        .import(&reward(
            "still-fine",
            "ou_8fe08882a7ae1007efe66632ce51f7a2",
            "6960663240925956660",
        ))
        .await;
    assert_eq!(a.code(), 0, "{}", a.text);
    assert_eq!(
        env.talents(&json!({"email_list": ["x@y.example"]}))
            .await
            .code(),
        0
    );
    // Changed while it runs: deny the talent scope instead, over HTTP.
    let a = env
        .send(
            "/sandbox/faults",
            &json!({"deny_scopes": ["hire:talent:readonly"]}),
        )
        .await;
    assert_eq!(
        a.body["data"]["deny_scopes"],
        json!(["hire:talent:readonly"]),
        "{}",
        a.text
    );
    let a = env.talents(&json!({"email_list": ["x@y.example"]})).await;
    assert_eq!(a.code(), 99991672, "{}", a.text);
    assert!(a.msg().contains("[hire:talent:readonly]"), "{}", a.text);
    let a = env
        .users("open_id", &json!({"emails": ["zhang.wei@example.com"]}))
        .await;
    assert_eq!(a.code(), 0, "{}", a.text);
    // Answering with user_ids needs the employee-id scope as well.
    env.send(
        "/sandbox/faults",
        &json!({"deny_scopes": ["contact:user.employee_id:readonly"]}),
    )
    .await;
    let a = env
        .users("user_id", &json!({"emails": ["zhang.wei@example.com"]}))
        .await;
    assert_eq!(a.code(), 99991672, "{}", a.text);
    assert!(
        a.msg().contains("contact:user.employee_id:readonly"),
        "{}",
        a.text
    );
    assert_eq!(env.users("open_id", &json!({"emails": []})).await.code(), 0);
    let a = env
        .send("/sandbox/faults", &json!({"deny_scopes": ["contact:nope"]}))
        .await;
    assert_eq!(a.code(), 1002002, "{}", a.text);
    assert!(a.msg().contains("unknown scope"), "{}", a.text);
}

#[tokio::test]
async fn faults_and_deny_permission_apply_to_the_lookups() {
    let env = Env::new(SandboxConfig::default()).await;
    env.sandbox
        .set_faults(FaultSettings {
            fail_rate: 1.0,
            ..FaultSettings::default()
        })
        .unwrap();
    let a = env
        .users("open_id", &json!({"emails": ["new@legacy.example"]}))
        .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::INTERNAL_SERVER_ERROR, 1002001)
    );
    let a = env
        .talents(&json!({"email_list": ["new@legacy.example"]}))
        .await;
    assert_eq!(a.code(), 1002001, "{}", a.text);
    let state = env.sandbox.summary();
    assert_eq!(state.failed[&format!("POST {USERS}")], 1);
    assert_eq!(
        (state.made_up_employee_count, state.made_up_talent_count),
        (0, 0),
        "a failed call does nothing"
    );
    env.sandbox
        .set_faults(FaultSettings {
            deny_permission: true,
            ..FaultSettings::default()
        })
        .unwrap();
    let a = env
        .talents(&json!({"email_list": ["new@legacy.example"]}))
        .await;
    assert_eq!(a.code(), 99991672, "{}", a.text);
    assert!(a.msg().contains("hire:talent:readonly"), "{}", a.text);
}

// ---- the command ----

/// Kills the child it holds when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn command_with_talents_prints_them_and_answers_from_the_file() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("talents.csv");
    std::fs::write(&path, POOL).unwrap();
    let mut child = Child(
        std::process::Command::new(assert_cmd::cargo::cargo_bin("rewardsync"))
            .args(["sandbox", "--listen", "127.0.0.1:0", "--talents"])
            .arg(&path)
            .args(["--deny-scope", "contact:user.id:readonly"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = lines_tx.send(line);
        }
    });
    let banner = tokio::task::spawn_blocking(move || {
        let mut banner = Vec::new();
        for line in lines_rx.iter() {
            let done = line.starts_with("export FEISHU_APP_SECRET");
            banner.push(line);
            if done {
                break;
            }
        }
        banner
    })
    .await
    .unwrap();
    let text = banner.join("\n");
    for expected in [
        "talents:       exactly the 4 from --talents",
        "50/s + 1000/min POST /open-apis/contact/v3/users/batch_get_id",
        "50/s + 1000/min POST /open-apis/hire/v1/talents/batch_get_id",
        "deny scopes contact:user.id:readonly",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    let base = banner
        .iter()
        .find_map(|l| l.strip_prefix("export FEISHU_BASE_URL="))
        .unwrap()
        .to_owned();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let token: Value = http
        .post(format!("{base}{TOKEN}"))
        .json(&json!({"app_id": "cli_sandbox", "app_secret": "sandbox_secret"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["tenant_access_token"].as_str().unwrap();
    let lookup = |path: &str, body: Value| {
        http.post(format!("{base}{path}"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let found: Value = lookup(TALENTS, json!({"email_list": ["twin@cand.example"]}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        found["data"]["talent_list"][1]["talent_id"], "7002",
        "{found}"
    );
    let denied: Value = lookup(USERS, json!({"emails": ["zhang.wei@example.com"]}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(denied["code"], 99991672, "{denied}");
}
