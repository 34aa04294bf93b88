//! Imports whose people are named by e-mail or mobile (SPEC §2.3), against the sandbox:
//! the lookups batched, the cache across runs, `--refresh-people`, the unknown left
//! unresolved (and found next run once they exist), an ambiguous candidate, a denied scope
//! stopping the run before any reward is sent, a body by e-mails hashing as by ids, and a
//! lookup outage leaving its rows pending, not unresolved (issue 22).

use rewardsync_sandbox::{
    Directory, FaultSettings, SandboxConfig, Scope, ScopeSet, Talent, TalentPool,
};

use crate::common::{Live, Workdir};

const USERS: &str = "POST /open-apis/contact/v3/users/batch_get_id";
const TALENTS: &str = "POST /open-apis/hire/v1/talents/batch_get_id";
const REWARDS: &str = "POST /open-apis/hire/v1/external_referral_rewards";

/// Requests the sandbox answered on `endpoint`, whatever their status.
fn calls(live: &Live, endpoint: &str) -> u64 {
    live.sandbox
        .summary()
        .requests
        .get(endpoint)
        .map_or(0, |by_status| by_status.values().sum())
}

fn import(live: &Live, wrk: &Workdir, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--json", "--no-progress"]);
    let output = live.command(wrk, &all).output().unwrap();
    let json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    (output.status.code().unwrap(), json)
}

/// `n` rewards, each by its own referrer's e-mail and candidate's mobile.
fn by_email(n: usize) -> String {
    let mut csv =
        String::from("referral_user_email,talent_mobile,external_id,rule_type,stage,point_bonus\n");
    for i in 0..n {
        csv.push_str(&format!(
            "p{i}@example.com,139 {:04} {:04},E{i},1,3,100\n",
            i / 10_000,
            i % 10_000
        ));
    }
    csv
}

#[test]
fn lookups_are_batched_and_a_rerun_looks_no_one_up() {
    let live = Live::fast();
    let wrk = Workdir::new();
    wrk.create("people.csv", by_email(101));
    let (code, json) = import(&live, &wrk, &["people.csv"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["imported"], 101);
    // 101 distinct e-mails: 50 + 50 + 1 a call. 101 mobiles of one country: the same.
    assert_eq!(calls(&live, USERS), 3);
    assert_eq!(calls(&live, TALENTS), 3);
    assert_eq!(calls(&live, REWARDS), 101);
    assert_eq!(
        json["lookups"], 6,
        "the summary counts the lookups among the requests sent"
    );
    assert_eq!(json["sent"], 107);

    let (code, json) = import(&live, &wrk, &["people.csv"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["already_imported"], 101);
    assert_eq!(calls(&live, USERS), 3, "every person is known: no lookup");
    assert_eq!(calls(&live, TALENTS), 3);

    let (code, _) = import(&live, &wrk, &["people.csv", "--refresh-people"]);
    assert_eq!(code, 0);
    assert_eq!(
        calls(&live, USERS),
        6,
        "--refresh-people looks everyone up again"
    );
    assert_eq!(
        calls(&live, REWARDS),
        101,
        "and sends nothing: the same ids"
    );
}

#[test]
fn emails_and_mobiles_of_referrers_go_in_one_call() {
    let live = Live::fast();
    let wrk = Workdir::new();
    wrk.create(
        "mixed.csv",
        "referral_user_email,referral_user_mobile,application_id,external_id,rule_type,stage,point_bonus\n\
         a@example.com,,7214,M1,1,3,100\n\
         ,13800000001,7214,M2,1,3,100\n",
    );
    let (code, json) = import(&live, &wrk, &["mixed.csv"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(calls(&live, USERS), 1);
    assert_eq!(
        calls(&live, TALENTS),
        0,
        "the candidate is an application id"
    );
}

#[test]
fn a_reward_by_emails_has_the_hash_of_the_same_reward_by_ids() {
    let live = Live::fast();
    let wrk = Workdir::new();
    // 张伟 of the sample directory, and an application id for the candidate.
    wrk.create(
        "by_email.csv",
        "referral_user_email,application_id,external_id,rule_type,stage,point_bonus\n\
         zhang.wei@example.com,7214,H1,1,3,100\n",
    );
    wrk.create(
        "by_id.csv",
        "referral_user_id,application_id,external_id,rule_type,stage,point_bonus\n\
         ou_8fe08882a7ae1007efe66632ce51f7a2,7214,H1,1,3,100\n",
    );
    assert_eq!(import(&live, &wrk, &["by_email.csv"]).0, 0);
    let (code, json) = import(&live, &wrk, &["by_id.csv"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["already_imported"], 1, "not a conflict: the same body");
    assert_eq!(calls(&live, REWARDS), 1);
}

#[test]
fn an_unknown_person_is_unresolved_and_asked_for_again_next_run() {
    let directory = Directory::from_reader(
        "user_id,open_id,union_id,name_zh,name_en,email,mobile_code,mobile_number\n\
         7000000000000000001,ou_known,on_known,张三,Zhang San,known@example.com,86,13900000001\n"
            .as_bytes(),
    )
    .unwrap();
    let live = Live::start(SandboxConfig {
        directory,
        strict_directory: true,
        ..Live::fast_config()
    });
    let wrk = Workdir::new();
    wrk.create(
        "people.csv",
        "referral_user_email,application_id,external_id,rule_type,stage,point_bonus\n\
         known@example.com,7214,U1,1,3,100\n\
         ghost@example.com,7214,U2,1,3,100\n",
    );
    let (code, json) = import(&live, &wrk, &["people.csv", "--errors", "fix.csv"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        (json["imported"].as_u64(), json["unresolved"].as_u64()),
        (Some(1), Some(1))
    );
    let reason = json["reasons"]["unresolved"][0]["message"]
        .as_str()
        .unwrap();
    assert!(
        reason.contains("no Feishu user has e-mail \"ghost@example.com\"")
            && reason.contains("--include-resigned"),
        "{reason}"
    );
    let fix = std::fs::read_to_string(wrk.path("fix.csv")).unwrap();
    assert!(fix.contains("ghost@example.com,7214,U2"), "{fix}");
    assert_eq!(calls(&live, REWARDS), 1, "the unresolved row is not sent");

    // Not cached as missing: the next run asks again, and finds nobody yet.
    let (code, json) = import(&live, &wrk, &["people.csv"]);
    assert_eq!(code, 1);
    assert_eq!(json["unresolved"], 1);
    assert_eq!(calls(&live, USERS), 2);
}

#[test]
fn a_candidate_several_talents_share_is_unresolved_naming_them() {
    let talents = TalentPool::from_reader(
        "talent_id,email,mobile_code,mobile_number\n\
         7300000000000000001,dup@example.com,,\n\
         7300000000000000002,dup@example.com,,\n\
         7300000000000000003,one@example.com,,\n"
            .as_bytes(),
    )
    .unwrap();
    let live = Live::start(SandboxConfig {
        talents,
        strict_talents: true,
        ..Live::fast_config()
    });
    let wrk = Workdir::new();
    wrk.create(
        "talents.csv",
        "referral_user_id,talent_email,external_id,rule_type,stage,point_bonus\n\
         ou_8fe08882a7ae1007efe66632ce51f7a2,one@example.com,T1,1,3,100\n\
         ou_8fe08882a7ae1007efe66632ce51f7a2,dup@example.com,T2,1,3,100\n",
    );
    let (code, json) = import(&live, &wrk, &["talents.csv"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["imported"], 1);
    let reason = json["reasons"]["unresolved"][0]["message"]
        .as_str()
        .unwrap();
    assert!(
        reason.contains(
            "2 talents have e-mail \"dup@example.com\" (7300000000000000001, 7300000000000000002)"
        ),
        "{reason}"
    );
    let sent = live.state().rewards.unwrap();
    assert_eq!(
        sent[0].body.talent_id.as_deref(),
        Some("7300000000000000003")
    );
}

/// A sandbox whose talent pool is exactly `talents` (`talent_id,email,mobile_code,mobile_number`).
fn strict_talents(talents: &str) -> Live {
    Live::start(SandboxConfig {
        talents: TalentPool::from_reader(talents.as_bytes()).unwrap(),
        strict_talents: true,
        ..Live::fast_config()
    })
}

const REFERRER: &str = "ou_8fe08882a7ae1007efe66632ce51f7a2";

/// `--dry-run --json`'s people counts: (named, known, to look up).
fn dry_run_people(live: &Live, wrk: &Workdir, file: &str) -> (u64, u64, u64) {
    let (_, json) = import(live, wrk, &[file, "--dry-run"]);
    let people = &json["people"];
    let count = |k: &str| people[k].as_u64().unwrap_or_else(|| panic!("{json}"));
    (count("named"), count("known"), count("to_look_up"))
}

/// SPEC §2.3: a candidate's e-mail beside an application_id is looked up; the body
/// carries both ids, as if the file had given application_id and talent_id.
#[test]
fn a_candidate_email_beside_an_application_id_sends_both_ids_as_by_ids() {
    let live = strict_talents(
        "talent_id,email,mobile_code,mobile_number\n7300000000000000007,li.na@example.com,,\n",
    );
    let wrk = Workdir::new();
    wrk.create(
        "by_email.csv",
        format!(
            "referral_user_id,application_id,talent_email,external_id,rule_type,stage,point_bonus\n\
             {REFERRER},7214,li.na@example.com,A1,1,3,100\n"
        ),
    );
    wrk.create(
        "by_ids.csv",
        format!(
            "referral_user_id,application_id,talent_id,external_id,rule_type,stage,point_bonus\n\
             {REFERRER},7214,7300000000000000007,A1,1,3,100\n"
        ),
    );
    assert_eq!(
        dry_run_people(&live, &wrk, "by_email.csv"),
        (1, 0, 1),
        "the dry run counts the candidate among the people to look up"
    );
    let (code, json) = import(&live, &wrk, &["by_email.csv"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["imported"], 1);
    assert_eq!(calls(&live, TALENTS), 1);
    let sent = live.state().rewards.unwrap();
    assert_eq!(
        (
            sent[0].body.application_id.as_deref(),
            sent[0].body.talent_id.as_deref()
        ),
        (Some("7214"), Some("7300000000000000007")),
        "the body carries both ids"
    );

    // The ledger's cache knows the candidate now: no lookup, and the dry run says so.
    assert_eq!(dry_run_people(&live, &wrk, "by_email.csv"), (1, 1, 0));
    let (code, json) = import(&live, &wrk, &["by_email.csv"]);
    assert_eq!((code, &json["already_imported"]), (0, &1.into()), "{json}");
    assert_eq!(calls(&live, TALENTS), 1, "the candidate is cached");

    // The same reward by ids: the same body hash, so already imported, not changed.
    let (code, json) = import(&live, &wrk, &["by_ids.csv"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["already_imported"], 1, "not a conflict: the same body");
    assert_eq!(calls(&live, REWARDS), 1);
}

/// SPEC §2.3: an unknown candidate beside an application_id makes the row unresolved
/// (not sent with the application_id alone), and it is sent once the talent exists.
#[test]
fn an_unknown_candidate_mobile_beside_an_application_id_is_unresolved_until_the_talent_exists() {
    let live = strict_talents("talent_id,email,mobile_code,mobile_number\n");
    let wrk = Workdir::new();
    wrk.create(
        "rewards.csv",
        format!(
            "referral_user_id,application_id,talent_mobile,external_id,rule_type,stage,point_bonus\n\
             {REFERRER},7214,,B1,1,3,100\n\
             {REFERRER},7215,139 0000 0042,B2,1,3,100\n"
        ),
    );
    let (code, json) = import(&live, &wrk, &["rewards.csv", "--errors", "fix.csv"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        (json["imported"].as_u64(), json["unresolved"].as_u64()),
        (Some(1), Some(1)),
        "{json}"
    );
    let reason = &json["reasons"]["unresolved"][0];
    let message = reason["message"].as_str().unwrap();
    assert!(
        message.contains("no talent has mobile \"13900000042\"")
            && message.contains("leave talent_mobile empty"),
        "{json}"
    );
    assert!(reason.to_string().contains("talent_mobile"), "{json}");
    let fix = std::fs::read_to_string(wrk.path("fix.csv")).unwrap();
    assert!(fix.contains("7215,139 0000 0042,B2"), "{fix}");
    let sent = live.state().rewards.unwrap();
    assert_eq!(
        sent.iter()
            .map(|r| r.body.external_id.as_str())
            .collect::<Vec<_>>(),
        ["B1"],
        "B2 is not sent with its application_id alone"
    );
    // The human summary names the column, the value and the line.
    let output = live
        .command(&wrk, &["import", "rewards.csv", "--no-progress"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        text.contains("column talent_mobile: no talent has mobile \"13900000042\"")
            && text.contains("— rewards.csv:3"),
        "{text}"
    );

    // HR enters the candidate: the next run looks them up again and sends the row.
    live.sandbox.app_state().talents(|t| {
        t.add(Talent {
            talent_id: "7300000000000000042".into(),
            email: String::new(),
            mobile_code: "86".into(),
            mobile_number: "13900000042".into(),
            identification_type: None,
            identification_number: String::new(),
        })
    });
    let (code, json) = import(&live, &wrk, &["rewards.csv"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(
        (json["imported"].as_u64(), json["unresolved"].as_u64()),
        (Some(1), Some(0)),
        "{json}"
    );
    let sent = live.state().rewards.unwrap();
    let b2 = sent.iter().find(|r| r.body.external_id == "B2").unwrap();
    assert_eq!(
        (
            b2.body.application_id.as_deref(),
            b2.body.talent_id.as_deref()
        ),
        (Some("7215"), Some("7300000000000000042"))
    );
}

#[test]
fn a_denied_contact_scope_stops_the_run_before_any_reward_is_sent() {
    let live = Live::start(SandboxConfig {
        deny_scopes: ScopeSet::of([Scope::ContactUserId]),
        ..Live::fast_config()
    });
    let wrk = Workdir::new();
    wrk.create("people.csv", by_email(3));
    let (code, json) = import(&live, &wrk, &["people.csv"]);
    assert_eq!(code, 3, "{json}");
    let advice = json["fatal"].to_string() + &json["advice"].to_string();
    assert!(advice.contains("contact:user.id:readonly"), "{json}");
    assert_eq!(calls(&live, REWARDS), 0);
}

#[test]
fn lookups_interrupted_by_ctrl_c_send_nothing_and_resume_with_the_rest() {
    let live = Live::start(SandboxConfig {
        latency: std::time::Duration::from_millis(200),
        ..Live::fast_config()
    });
    let wrk = Workdir::new();
    // 5,000 referrers and 5,000 candidates: 100 user calls, 100 talent calls, 4 s at 50/s.
    wrk.create("people.csv", by_email(5000));
    let child = live
        .std_command(&wrk, &["import", "people.csv", "--no-progress"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    live.wait_for("10 user lookups", |s| {
        s.requests
            .get(USERS)
            .map_or(0, |by| by.values().sum::<u64>())
            >= 10
    });
    let output = crate::common::signal_and_wait(child, "INT");
    assert_eq!(output.status.code(), Some(130), "{output:?}");
    assert_eq!(
        calls(&live, REWARDS),
        0,
        "stopped while looking up: nothing sent"
    );
    let first = calls(&live, USERS);
    assert!(first < 100, "stopped before the end: {first} calls");
    let status = wrk.status();
    assert_eq!(status["imported"], 0);

    // The people found before the stop are kept: the resume looks up only the rest.
    let (code, json) = import(
        &live,
        &wrk,
        &["people.csv", "--rate", "1000", "--concurrency", "64"],
    );
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["imported"], 5000);
    assert_eq!(
        calls(&live, USERS),
        100,
        "each of the 100 calls' people looked up once over the two runs"
    );
}

/// Issue 22: lookups that fail until their retries run out (5xx, then dropped connections)
/// are no "no such person": the rows stay pending (nothing unresolved, nothing sent), the
/// summary says their people could not be looked up, the run exits 1, and a run once the
/// lookups answer again resolves and sends them.
#[test]
fn a_lookup_outage_leaves_its_rows_pending_and_a_rerun_sends_them() {
    let live = Live::fast();
    let wrk = Workdir::new();
    wrk.create("people.csv", by_email(3));
    let outage = |faults: FaultSettings| live.sandbox.set_faults(faults).unwrap();
    outage(FaultSettings {
        fail_rate: 1.0,
        ..FaultSettings::default()
    });
    let (code, json) = import(&live, &wrk, &["people.csv", "--retries", "1"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        (
            json["pending"].as_u64(),
            json["unresolved"].as_u64(),
            json["imported"].as_u64()
        ),
        (Some(3), Some(0), Some(0)),
        "{json}"
    );
    let reasons = json["reasons"]["pending"].to_string();
    assert!(
        reasons.contains("not sent: their people could not be looked up (Feishu did not answer")
            && reasons.contains("the next run looks them up again"),
        "{reasons}"
    );
    assert!(calls(&live, USERS) > 0, "the lookups were tried");
    assert_eq!(calls(&live, REWARDS), 0, "nothing sent");
    let pending = wrk.export("pending");
    let ids: Vec<&str> = pending.iter().map(|r| &r[0]).collect();
    assert_eq!(ids, ["E0", "E1", "E2"]);
    assert!(
        pending
            .iter()
            .all(|r| r.iter().any(|f| f.contains("could not be looked up"))),
        "{pending:?}"
    );
    assert!(wrk.export("unresolved").is_empty());

    // Dropped connections, in words: pending, and never "no such person".
    outage(FaultSettings {
        drop_rate: 1.0,
        ..FaultSettings::default()
    });
    let output = live
        .command(
            &wrk,
            &["import", "people.csv", "--retries", "1", "--no-progress"],
        )
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("pending: 3 rows")
            && text.contains("their people could not be looked up (Feishu did not answer"),
        "{text}"
    );
    assert!(
        text.contains("0 rows unresolved, 3 rows held back (their people could not be looked up)")
            && !text.contains("unresolved:")
            && !text.contains("no such person"),
        "{text}"
    );
    assert_eq!(wrk.export("pending").len(), 3);
    assert_eq!(calls(&live, REWARDS), 0, "nothing sent");

    // The lookups answer again: the same rows are looked up, resolved and sent.
    outage(FaultSettings::default());
    let (code, json) = import(&live, &wrk, &["people.csv"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(
        (json["imported"].as_u64(), json["pending"].as_u64()),
        (Some(3), Some(0))
    );
    assert!(wrk.export("pending").is_empty());
}

/// Issue 22: Feishu refuses a talent lookup whole (1002009) when it judges one mobile of
/// the batch invalid; the batch is sent again one value a call, so the other candidates
/// resolve in the same run and only the invalid one is unresolved.
#[test]
fn a_talent_batch_refused_for_one_invalid_mobile_is_split_and_the_others_resolve() {
    let live = Live::fast();
    live.sandbox
        .app_state()
        .talents(|t| t.refuse_mobile("139 0000 0003"));
    let wrk = Workdir::new();
    wrk.create("people.csv", by_email(5));
    let (code, json) = import(&live, &wrk, &["people.csv"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        (
            json["imported"].as_u64(),
            json["unresolved"].as_u64(),
            json["pending"].as_u64()
        ),
        (Some(4), Some(1), Some(0)),
        "{json}"
    );
    // One batch of five, refused whole, then each of the five alone.
    assert_eq!(calls(&live, TALENTS), 6);
    let unresolved = json["reasons"]["unresolved"].to_string();
    assert!(unresolved.contains("13900000003"), "{unresolved}");
    assert!(unresolved.contains("people.csv:5"), "{unresolved}");
}
