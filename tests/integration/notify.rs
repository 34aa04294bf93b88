//! The run's notification to a Feishu custom bot (SPEC §7), received by the sandbox's
//! webhook: the card's content, its signature, failures that leave the exit code alone, and
//! the bot's token kept out of every output and of the ledger.

use predicates::prelude::*;
use predicates::str::contains;
use rewardsync_sandbox::SandboxConfig;

use crate::common::{Live, Workdir};

/// A token no output may contain.
const TOKEN: &str = "T0KEN-never-shown-9f8e7d6c";
const SECRET: &str = "b0t-s1gning-s3cret";

/// Two valid rewards, one whose referrer the strict directory refuses (1002002), and an
/// invalid row.
const FILE: &str = "external_id,referral_user_id,application_id,rule_type,stage,point_bonus
N-1,ou_8fe08882a7ae1007efe66632ce51f7a2,7214000000000001031,1,3,100
N-2,ou_notanemployee0001,7214000000000001032,1,3,100
N-3,ou_8fe08882a7ae1007efe66632ce51f7a2,,1,3,100
";

fn sandbox() -> Live {
    Live::start(SandboxConfig {
        strict_directory: true,
        bot_secret: Some(SECRET.into()),
        ..Live::fast_config()
    })
}

fn hook(live: &Live) -> String {
    format!("{}/open-apis/bot/v2/hook/{TOKEN}", live.sandbox.base_url())
}

/// `import rewards.csv` with the notification set through the environment.
fn import(live: &Live, wrk: &Workdir, secret: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["import", "rewards.csv", "--no-progress"];
    args.extend_from_slice(extra);
    live.command(wrk, &args)
        .env("REWARDSYNC_NOTIFY_URL", hook(live))
        .env("REWARDSYNC_NOTIFY_SECRET", secret)
        .output()
        .unwrap()
}

fn text(output: &std::process::Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Every byte of the ledger's files, as text.
fn ledger_bytes(wrk: &Workdir) -> String {
    ["rewardsync.db", "rewardsync.db-wal"]
        .iter()
        .filter_map(|name| std::fs::read(wrk.path(name)).ok())
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .collect()
}

#[test]
fn the_card_arrives_signed_with_the_runs_summary_and_the_exit_code_is_the_runs() {
    let live = sandbox();
    let wrk = Workdir::new();
    wrk.create("rewards.csv", FILE);
    let output = import(&live, &wrk, SECRET, &[]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        all.contains("notified http://127.0.0.1:") && all.contains("/open-apis/bot/v2/hook/T0KE…"),
        "{all}"
    );

    let messages = live.state().bot_messages;
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!((message.signature.as_str(), message.code), ("valid", 0));
    assert_eq!(message.token, "T0KE…");
    let card = &message.body["card"];
    assert_eq!(
        card["header"]["title"]["content"],
        "rewardsync import: exit 1 (finished; some rows need attention)"
    );
    assert_eq!(card["header"]["template"], "orange");
    let fields = card["elements"][0]["fields"].to_string();
    for expected in [
        format!("**Target**\\n{} (app cli_sandbox)", live.sandbox.base_url()),
        "**File**\\nrewards.csv".to_owned(),
        "**Run**\\n#1".to_owned(),
        "**Exit code**\\n1 (finished; some rows need attention)".to_owned(),
        "**Host**".to_owned(),
    ] {
        assert!(fields.contains(&expected), "{fields}\nexpected {expected}");
    }
    let summary = card["elements"][2]["text"]["content"].as_str().unwrap();
    for expected in [
        "3 rows: 1 imported now, 1 failed, 1 invalid",
        "failed: 1 row: refused by Feishu",
        "code 1002002: ",
        "— rewards.csv:3",
        "invalid: 1 row: not sent; fix them in the file",
    ] {
        assert!(summary.contains(expected), "{summary}\nexpected {expected}");
    }
    assert!(!ledger_bytes(&wrk).contains(TOKEN));
}

#[test]
fn a_wrong_secret_or_a_dead_hook_is_a_warning_and_the_exit_code_stays() {
    let live = sandbox();
    let wrk = Workdir::new();
    wrk.create("rewards.csv", FILE);
    let output = import(&live, &wrk, "not-the-secret", &["--json"]);
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["notification"]["delivered"], false, "{json}");
    assert_eq!(json["notification"]["attempts"], 1, "{json}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("rewardsync: warning: the notification was not delivered to ")
            && stderr.contains("code 19021")
            && stderr.contains("check REWARDSYNC_NOTIFY_SECRET"),
        "{stderr}"
    );
    assert_eq!(live.state().bot_messages[0].signature, "invalid signature");

    // Nothing listens: a transient failure, retried once, then a warning.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!(
        "http://{}/open-apis/bot/v2/hook/{TOKEN}",
        closed.local_addr().unwrap()
    );
    drop(closed);
    let output = live
        .command(&wrk, &["import", "rewards.csv", "--no-progress"])
        .env("REWARDSYNC_NOTIFY_URL", &dead)
        .output()
        .unwrap();
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("after 2 attempts: cannot connect"), "{all}");
    assert!(
        all.contains("3 rows: 0 imported now, 1 already imported"),
        "{all}"
    );
    assert!(!all.contains(TOKEN), "{all}");
}

#[test]
fn the_token_appears_in_no_output_and_plain_http_elsewhere_is_refused_before_the_run() {
    let live = sandbox();
    let wrk = Workdir::new();
    wrk.create("rewards.csv", FILE);
    let mut outputs = Vec::new();
    for extra in [&[][..], &["--json"][..], &["--dry-run"][..]] {
        outputs.push(text(&import(&live, &wrk, SECRET, extra)));
    }
    // On the command line: it works, with a warning, and is shown cut short too.
    let output = live
        .command(
            &wrk,
            &[
                "import",
                "rewards.csv",
                "--no-progress",
                "--notify",
                &hook(&live),
            ],
        )
        .output()
        .unwrap();
    let all = text(&output);
    assert!(
        all.contains("--notify puts the bot's token on the command line"),
        "{all}"
    );
    outputs.push(all);
    for args in [&["status", "--json"][..], &["runs"][..], &["export"][..]] {
        outputs.push(text(&wrk.command(args).output().unwrap()));
    }
    for output in &outputs {
        assert!(!output.contains(TOKEN), "{output}");
        assert!(!output.contains(SECRET), "{output}");
    }
    assert!(!ledger_bytes(&wrk).contains(TOKEN));
    assert!(!ledger_bytes(&wrk).contains(SECRET));
    // The dry run posted nothing; the three runs did.
    assert_eq!(live.state().bot_messages.len(), 3);

    let receipts = live.state().reward_receipts;
    let other = Workdir::new();
    other.create("rewards.csv", FILE);
    live.command(&other, &["import", "rewards.csv"])
        .env(
            "REWARDSYNC_NOTIFY_URL",
            format!("http://hooks.example.com/open-apis/bot/v2/hook/{TOKEN}"),
        )
        .assert()
        .code(2)
        .stderr(contains(
            "plain http would send the bot's token in the clear",
        ))
        .stderr(contains("hook/T0KE…"))
        .stderr(predicates::str::contains(TOKEN).not());
    assert_eq!(live.state().reward_receipts, receipts, "nothing sent");
}

#[test]
fn a_run_that_cannot_start_still_notifies() {
    let live = sandbox();
    let wrk = Workdir::new();
    let output = import(&live, &wrk, SECRET, &[]);
    assert_eq!(output.status.code(), Some(2));
    let messages = live.state().bot_messages;
    assert_eq!(messages.len(), 1);
    let card = &messages[0].body["card"];
    assert_eq!(
        card["header"]["title"]["content"],
        "rewardsync import: exit 2 (did not run: usage, configuration or input; nothing sent)"
    );
    assert_eq!(card["header"]["template"], "red");
    let detail = card["elements"][2]["text"]["content"].as_str().unwrap();
    assert!(
        detail.starts_with("rewardsync: rewards.csv: no such file"),
        "{detail}"
    );
}

#[test]
fn rollback_and_accounts_register_post_their_summaries_too() {
    let live = sandbox();
    let wrk = Workdir::new();
    wrk.create("rewards.csv", FILE);
    assert_eq!(import(&live, &wrk, SECRET, &[]).status.code(), Some(1));
    live.command(&wrk, &["rollback", "--run", "1", "--yes", "--no-progress"])
        .env("REWARDSYNC_NOTIFY_URL", hook(&live))
        .env("REWARDSYNC_NOTIFY_SECRET", SECRET)
        .assert()
        .code(0);
    wrk.create("emp.csv", "email\nzhang.wei@example.com\n");
    live.command(&wrk, &["accounts", "register", "emp.csv", "--no-progress"])
        .env("REWARDSYNC_NOTIFY_URL", hook(&live))
        .env("REWARDSYNC_NOTIFY_SECRET", SECRET)
        .assert()
        .code(0);
    let titles: Vec<(String, String)> = live
        .state()
        .bot_messages
        .iter()
        .map(|m| {
            (
                m.body["card"]["header"]["title"]["content"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                m.signature.clone(),
            )
        })
        .collect();
    assert_eq!(
        titles,
        [
            (
                "rewardsync import: exit 1 (finished; some rows need attention)".to_owned(),
                "valid".to_owned()
            ),
            (
                "rewardsync rollback: exit 0 (every reward it covers is deleted)".to_owned(),
                "valid".to_owned()
            ),
            (
                "rewardsync accounts register: exit 0 (every row has its account)".to_owned(),
                "valid".to_owned()
            ),
        ]
    );
}
