//! `rewardsync accounts …` through the real binary against an in-process sandbox.

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::{Live, Workdir, repo_path};

/// Employees of `samples/employees.csv`, by email.
const EMAILS: [&str; 10] = [
    "zhang.wei@example.com",
    "wang.fang@example.com",
    "li.na@example.com",
    "liu.yang@example.com",
    "chen.jing@example.com",
    "yang.lei@example.com",
    "zhao.min@example.com",
    "huang.xiaoming@example.com",
    "zhou.jie@example.com",
    "wu.ting@example.com",
];

fn result(wrk: &Workdir, name: &str) -> Vec<csv::StringRecord> {
    let text = std::fs::read_to_string(wrk.path(name)).unwrap();
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect()
}

/// `accounts register emp.csv --output OUT --no-progress`, to assert on.
fn register(live: &Live, wrk: &Workdir, output: &str) -> assert_cmd::Command {
    live.command(
        wrk,
        &[
            "accounts",
            "register",
            "emp.csv",
            "--output",
            output,
            "--no-progress",
        ],
    )
}

/// Successful registration requests the sandbox answered.
fn registrations(live: &Live) -> u64 {
    live.sandbox
        .summary()
        .requests
        .get("POST /open-apis/hire/v1/referral_account")
        .and_then(|by_status| by_status.get("200"))
        .copied()
        .unwrap_or_default()
}

#[test]
fn register_reports_each_row_and_reuses_an_existing_account() {
    let live = Live::start(rewardsync_sandbox::SandboxConfig {
        reward_rate: 1000,
        strict_directory: true,
        ..Default::default()
    });
    let wrk = Workdir::new();
    wrk.create(
        "emp.csv",
        "legacy_no,email,mobile_code,mobile_number\n\
         E1,zhang.wei@example.com,,\n\
         E2,,86,13910000000\n\
         E3,nobody@example.com,,\n\
         E4,,86,13932222206\n\
         E5,not-an-email,,\n\
         E6,,86,139-1000\n",
    );
    register(&live, &wrk, "out.csv")
        .assert()
        .code(1)
        .stdout(contains("6 rows: 2 registered now, 2 failed, 2 invalid\n"))
        .stdout(contains("code 1002551: user not found"))
        .stdout(contains("— line 4"))
        .stderr("");
    let rows = result(&wrk, "out.csv");
    // Columns: legacy_no,email,mobile_code,mobile_number,account_id,status,error_code,error_message,log_id
    assert_eq!(&rows[0][5], "registered");
    assert_eq!(&rows[1][5], "registered");
    assert_eq!(
        &rows[0][4], &rows[1][4],
        "张伟 by email and by mobile is one account"
    );
    assert_eq!((&rows[2][5], &rows[2][6]), ("failed", "1002551"));
    assert!(
        rows[2][7].contains("use the work email or mobile"),
        "{:?}",
        &rows[2]
    );
    assert_eq!((&rows[3][5], &rows[3][6]), ("failed", "1002552"));
    assert!(
        rows[3][7].contains("give both email and mobile"),
        "{:?}",
        &rows[3]
    );
    assert_eq!(&rows[4][5], "invalid");
    assert!(rows[4][7].contains("column email: \"not-an-email\" is not an e-mail address"));
    assert_eq!(&rows[5][5], "invalid");
    assert!(rows[5][7].contains("column mobile_number: \"139-1000\" is not a mobile number"));
    assert!(!rows[0][8].is_empty(), "the log id is kept");

    // A rerun registers nothing again.
    let before = registrations(&live);
    register(&live, &wrk, "again.csv")
        .assert()
        .code(1)
        .stdout(contains(
            "6 rows: 0 registered now, 2 already registered, 2 failed earlier, 2 invalid\n",
        ));
    assert_eq!(registrations(&live), before);
    assert_eq!(result(&wrk, "again.csv")[0][4], rows[0][4]);
}

#[test]
fn the_result_is_written_in_the_inputs_encoding_byte_order_mark_included() {
    let live = Live::start(rewardsync_sandbox::SandboxConfig {
        reward_rate: 1000,
        ..Default::default()
    });
    let wrk = Workdir::new();
    let rows = "工号,姓名,email\nE1,张伟,zhang.wei@example.com\n";
    // As Excel saves "CSV UTF-8": a byte-order mark, without which Excel garbles Chinese.
    wrk.create("emp.csv", format!("\u{feff}{rows}"));
    register(&live, &wrk, "out.csv").assert().code(0);
    let out = std::fs::read(wrk.path("out.csv")).unwrap();
    assert!(
        out.starts_with("\u{feff}工号,姓名,email,account_id".as_bytes()),
        "{}",
        String::from_utf8_lossy(&out)
    );
    assert!(String::from_utf8_lossy(&out).contains("E1,张伟,zhang.wei@example.com,"));

    // As Excel on Chinese Windows saves "CSV": GBK in, GBK out.
    let (gbk, _, _) = encoding_rs::GB18030.encode(rows);
    wrk.create("emp.csv", gbk.as_ref());
    live.command(
        &wrk,
        &[
            "accounts",
            "register",
            "emp.csv",
            "--encoding",
            "gbk",
            "--output",
            "gbk.csv",
            "--no-progress",
        ],
    )
    .assert()
    .code(0);
    let out = std::fs::read(wrk.path("gbk.csv")).unwrap();
    let (text, _, malformed) = encoding_rs::GB18030.decode(&out);
    assert!(
        !malformed && std::str::from_utf8(&out).is_err(),
        "GBK bytes, not UTF-8"
    );
    assert!(text.starts_with("工号,姓名,email,account_id"), "{text}");

    // Plain UTF-8 stays plain.
    wrk.create("emp.csv", rows);
    register(&live, &wrk, "plain.csv").assert().code(0);
    let out = std::fs::read(wrk.path("plain.csv")).unwrap();
    assert!(out.starts_with("工号".as_bytes()));
}

#[test]
fn registration_resumes_after_kill_and_never_registers_a_row_twice() {
    let live = Live::fast();
    let wrk = Workdir::new();
    let mut text = String::from("email\n");
    for email in EMAILS {
        text.push_str(email);
        text.push('\n');
    }
    wrk.create("emp.csv", text);
    let mut child = live
        .std_command(
            &wrk,
            &[
                "accounts",
                "register",
                "emp.csv",
                "--output",
                "out.csv",
                "--no-progress",
            ],
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    live.wait_for("3 accounts", |s| s.accounts.len() >= 3);
    child.kill().unwrap();
    child.wait().unwrap();
    let ledger = rusqlite::Connection::open(wrk.path("rewardsync.db")).unwrap();
    let registered: u64 = ledger
        .query_row(
            "SELECT COUNT(*) FROM accounts WHERE status = 'registered'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(ledger);
    assert!((2..10).contains(&registered), "{registered}");
    let before = registrations(&live);

    register(&live, &wrk, "out.csv").assert().code(0);
    assert_eq!(
        registrations(&live) - before,
        10 - registered,
        "only rows not recorded as registered were sent again"
    );
    assert_eq!(live.sandbox.summary().accounts.len(), 10);
    assert!(
        result(&wrk, "out.csv")
            .iter()
            .all(|r| &r[2] == "registered")
    );
}

#[test]
fn deactivate_and_enable_show_in_assets_and_unknown_accounts_are_reported() {
    let live = Live::fast();
    let wrk = Workdir::new();
    wrk.create("emp.csv", "email\nwang.fang@example.com\n");
    register(&live, &wrk, "out.csv").assert().code(0);
    let id = result(&wrk, "out.csv")[0][1].to_owned();
    let status = |wrk: &Workdir| {
        let output = live
            .command(wrk, &["accounts", "assets", &id, "--json"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        json[0]["status"].as_i64().unwrap()
    };
    assert_eq!(status(&wrk), 1);
    live.command(&wrk, &["accounts", "deactivate", &id])
        .assert()
        .code(0)
        .stdout(contains("deactivate (status 2: deactivated)"));
    assert_eq!(status(&wrk), 2);
    live.command(&wrk, &["accounts", "enable", "--file", "out.csv"])
        .assert()
        .code(0)
        .stdout(contains("enable (status 1: enabled)"));
    assert_eq!(status(&wrk), 1);
    live.command(&wrk, &["accounts", "assets", &id, "404404"])
        .assert()
        .code(1)
        .stdout(contains("王芳"))
        .stdout(contains("404404").and(contains("code 1002553")));
    live.command(&wrk, &["accounts", "enable", "404404"])
        .assert()
        .code(1)
        .stdout(contains("404404: enable failed: code 1002553"));
}

#[test]
fn assets_are_written_as_csv_and_reconcile_with_the_ledger() {
    let live = Live::fast();
    let wrk = Workdir::new();
    let sample = repo_path("samples/rewards.csv");
    live.command(
        &wrk,
        &[
            "import",
            sample.to_str().unwrap(),
            "--rate",
            "200",
            "--no-progress",
        ],
    )
    .assert()
    .code(0);
    wrk.create(
        "emp.csv",
        "email\nwang.fang@example.com\nli.na@example.com\n",
    );
    register(&live, &wrk, "out.csv").assert().code(0);
    live.command(&wrk, &["accounts", "reconcile"])
        .assert()
        .code(0)
        .stdout(contains("ok   "))
        .stdout(contains("王芳"));
    live.command(
        &wrk,
        &[
            "accounts",
            "assets",
            "--file",
            "out.csv",
            "--output",
            "assets.csv",
        ],
    )
    .assert()
    .code(0);
    let assets = result(&wrk, "assets.csv");
    assert_eq!(assets.len(), 2);
    assert_eq!(&assets[0][3], "王芳");
    assert!(assets[0][8].contains("CNY"), "{:?}", &assets[0]);
}
