//! Exit codes and what a run says when it ends early: one run per ledger *file* (symlinks
//! and hard links included), exit 4 for a ledger that cannot be written mid-run, one JSON
//! object on stdout whatever the exit, the input never overwritten by `--errors`, failures
//! grouped by code in the summary.

use std::process::Stdio;

use predicates::prelude::*;
use predicates::str::contains;
use rewardsync_sandbox::SandboxConfig;

use crate::common::{Live, Workdir};

/// A slow import in the background, holding `ledger`.
fn slow_import(live: &Live, wrk: &Workdir, ledger: &str) -> std::process::Child {
    let file = wrk.generated("slow.csv", 200, "SLOW");
    live.std_command(
        wrk,
        &[
            "import",
            file.to_str().unwrap(),
            "--ledger",
            ledger,
            "--rate",
            "5",
            "--no-progress",
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap()
}

#[test]
fn a_ledger_reached_by_a_symlink_or_a_hard_link_is_still_one_run_at_a_time() {
    let live = Live::start(SandboxConfig {
        reward_rate: 1000,
        ..Default::default()
    });
    let wrk = Workdir::new();
    let mut first = slow_import(&live, &wrk, "real.db");
    live.wait_for("the first run to send", |s| s.reward_receipts >= 1);
    std::os::unix::fs::symlink(wrk.path("real.db"), wrk.path("link.db")).unwrap();
    std::fs::hard_link(wrk.path("real.db"), wrk.path("hard.db")).unwrap();
    let other = wrk.generated("other.csv", 5, "OTHER");
    for ledger in ["real.db", "link.db", "hard.db"] {
        live.command(
            &wrk,
            &[
                "import",
                other.to_str().unwrap(),
                "--ledger",
                ledger,
                "--no-progress",
            ],
        )
        .assert()
        .code(2)
        .stderr(contains("another rewardsync run"))
        .stderr(contains("one run at a time per ledger file"));
    }
    // Deleting a lock file does nothing: there is none; the ledger file itself is locked.
    assert!(!wrk.path("real.db.lock").exists());
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(
        live.state()
            .rewards
            .unwrap()
            .iter()
            .filter(|r| r.external_id.starts_with("OTHER"))
            .count(),
        0,
        "the refused runs sent nothing"
    );
}

#[test]
fn the_pid_of_the_run_holding_the_ledger_is_named() {
    let live = Live::start(SandboxConfig {
        reward_rate: 1000,
        ..Default::default()
    });
    let wrk = Workdir::new();
    let mut first = slow_import(&live, &wrk, "rewardsync.db");
    live.wait_for("the first run to send", |s| s.reward_receipts >= 1);
    let pid = first.id();
    live.command(&wrk, &["status"]).assert().code(0);
    let other = wrk.generated("other.csv", 5, "OTHER");
    live.command(&wrk, &["import", other.to_str().unwrap(), "--no-progress"])
        .assert()
        .code(2)
        .stderr(contains(format!("(pid {pid}: run #1, import, started")));
    first.kill().unwrap();
    first.wait().unwrap();
}

/// `rewardsync ARGS…` with the file-size limit at `bytes` (SIGXFSZ ignored, so a write past
/// it fails like a full disk instead of killing the process).
fn with_file_size_limit(
    live: &Live,
    wrk: &Workdir,
    bytes: u64,
    args: &[&str],
) -> std::process::Output {
    let binary = assert_cmd::cargo::cargo_bin("rewardsync");
    // POSIX `ulimit -f` counts 512-byte blocks (dash does; bash counts 1024: twice the room).
    let script = format!(
        "trap '' XFSZ; ulimit -f {}; exec \"$0\" \"$@\"",
        bytes / 512
    );
    let mut shell = std::process::Command::new("sh");
    shell
        .current_dir(wrk.path(""))
        .arg("-c")
        .arg(script)
        .arg(binary)
        .args(args)
        .env("FEISHU_BASE_URL", live.sandbox.base_url())
        .env("FEISHU_APP_ID", live.sandbox.app_id())
        .env("FEISHU_APP_SECRET", live.sandbox.app_secret())
        .env_remove("FEISHU_APP_SECRET_FILE")
        .env_remove("REWARDSYNC_LEDGER");
    shell.output().unwrap()
}

#[test]
fn a_ledger_that_cannot_be_written_mid_run_exits_4_with_its_outcomes_kept() {
    let live = Live::fast();
    let wrk = Workdir::new();
    let small = wrk.generated("small.csv", 20, "DISK");
    live.command(&wrk, &["import", small.to_str().unwrap(), "--no-progress"])
        .assert()
        .code(0);
    // The next run's plan outgrows a 256 KiB write-ahead log: the "disk" is full.
    let big = wrk.generated("big.csv", 3000, "FULL");
    let output = with_file_size_limit(
        &live,
        &wrk,
        256 * 1024,
        &["import", big.to_str().unwrap(), "--json", "--no-progress"],
    );
    assert_eq!(output.status.code(), Some(4), "{output:?}");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["exit_code"], 4);
    assert!(
        summary["error"]
            .as_str()
            .unwrap()
            .contains("cannot write the ledger"),
        "{summary}"
    );
    assert_eq!(summary["sent"], 0, "nothing was sent past the failed plan");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("once it is fixed, run the same command again"),
        "{stderr}"
    );
    // The ledger kept what was committed, and with room again the same command finishes.
    assert_eq!(wrk.status()["imported"], 20);
    live.command(
        &wrk,
        &[
            "import",
            big.to_str().unwrap(),
            "--rate",
            "1000",
            "--no-progress",
        ],
    )
    .assert()
    .code(0);
    assert_eq!(wrk.status()["imported"], 3020);
}

#[test]
fn json_is_one_object_on_stdout_whatever_the_exit() {
    let live = Live::fast();
    let wrk = Workdir::new();
    // Exit 2: an unreadable input.
    let output = live
        .command(&wrk, &["import", "missing.csv", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["exit_code"], 2);
    assert_eq!(json["sent"], 0);
    assert!(
        json["error"].as_str().unwrap().contains("missing.csv"),
        "{json}"
    );
    // Exit 2 from validate and status too.
    for args in [
        &["validate", "missing.csv", "--json"][..],
        &["status", "--ledger", "nowhere.db", "--json"][..],
        &["runs", "--ledger", "nowhere.db", "--json"][..],
    ] {
        let output = wrk.command(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["exit_code"], 2, "{args:?}");
    }
    // Exit 3: the summary itself, with what was done.
    let file = wrk.generated("in.csv", 3, "JSON3");
    let output = live
        .command(&wrk, &["import", file.to_str().unwrap(), "--json"])
        .env("FEISHU_APP_SECRET", "wrong")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["exit_code"], 3);
    assert_eq!(json["pending"], 3);
    assert_eq!(json["sent"], 0);
    assert!(json["fatal"].as_str().unwrap().contains("10014") || json["fatal"].is_string());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.matches("to fix:").count(),
        1,
        "the advice is said once: {stderr}"
    );
}

#[test]
fn the_errors_file_never_overwrites_the_input() {
    let live = Live::fast();
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 3, "SAME");
    let before = std::fs::read(&file).unwrap();
    std::os::unix::fs::symlink(&file, wrk.path("alias.csv")).unwrap();
    for errors in ["in.csv", "./in.csv", "alias.csv"] {
        live.command(
            &wrk,
            &["import", "in.csv", "--errors", errors, "--no-progress"],
        )
        .assert()
        .code(2)
        .stderr(contains("names the input file itself"));
        wrk.command(&["validate", "in.csv", "--errors", errors])
            .assert()
            .code(2)
            .stderr(contains("names the input file itself"));
    }
    assert_eq!(std::fs::read(&file).unwrap(), before);
    assert_eq!(live.requests(), 0, "refused before anything was sent");
}

#[test]
fn an_errors_file_that_cannot_be_written_is_refused_before_anything_is_sent() {
    let live = Live::fast();
    let wrk = Workdir::new();
    wrk.generated("in.csv", 3, "NOWHERE");
    live.command(
        &wrk,
        &[
            "import",
            "in.csv",
            "--errors",
            "nowhere/fix.csv",
            "--no-progress",
        ],
    )
    .assert()
    .code(2)
    .stderr(contains(
        "nowhere/fix.csv: cannot write the errors file: No such file or directory",
    ));
    assert_eq!(live.requests(), 0, "refused before anything was sent");
    assert!(!wrk.path("nowhere").exists());
}

#[test]
fn failures_are_summarised_by_code_with_feishus_message_and_the_first_lines() {
    let live = Live::fast();
    let wrk = Workdir::new();
    let mut text = format!("{}\n", rewardsync_testdata::HEADER);
    text.push_str(&rewardsync_testdata::row(0, "OK"));
    text.push('\n');
    for i in 0..7 {
        text.push_str(&format!(
            "NOBODY-{i},ou_nobody-{i},7214000000000000001,,,1,1,100,,,2,,,,,\n"
        ));
    }
    wrk.create("in.csv", text);
    let output = live
        .command(&wrk, &["import", "in.csv", "--no-progress"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("  8 rows: 1 imported now, 7 failed\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  failed: 7 rows: refused by Feishu\n"),
        "{stdout}"
    );
    let group = stdout
        .lines()
        .find(|l| l.starts_with("    code "))
        .unwrap_or_else(|| panic!("no group: {stdout}"));
    assert!(
        group.ends_with("(7) — in.csv:3, in.csv:4, in.csv:5, in.csv:6, in.csv:7, …"),
        "{group}"
    );
    // The same groups in --json, under "reasons".
    let output = live
        .command(
            &wrk,
            &[
                "import",
                "in.csv",
                "--retry-failed",
                "--json",
                "--no-progress",
            ],
        )
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let failed = &json["reasons"]["failed"][0];
    assert_eq!(failed["count"], 7);
    assert_eq!(failed["at"][0], "in.csv:3");
    assert!(failed["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(
        predicate::str::is_match("^[0-9]+$")
            .unwrap()
            .eval(failed["key"].as_str().unwrap())
    );
}

#[test]
fn runs_lists_every_run_newest_first_so_a_rollback_can_find_its_import() {
    let live = Live::fast();
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 4, "RUNS");
    live.command(&wrk, &["import", file.to_str().unwrap(), "--no-progress"])
        .assert()
        .code(0);
    for _ in 0..3 {
        live.command(&wrk, &["import", file.to_str().unwrap(), "--no-progress"])
            .assert()
            .code(0);
    }
    live.command(&wrk, &["rollback", "--run", "1", "--yes", "--no-progress"])
        .assert()
        .code(0)
        .stdout(contains("rollback of run #1 -> "));
    let output = wrk.command(&["runs"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].trim_start().starts_with("#5  rollback"), "{text}");
    assert!(lines[1].ends_with("-: 4 deleted, of run #1"), "{text}");
    assert!(lines[5].trim_start().starts_with("#1  import"), "{text}");
    assert!(lines[5].ends_with("in.csv: 4 imported"), "{text}");
    let json: serde_json::Value = serde_json::from_slice(
        &wrk.command(&["runs", "--json", "--limit", "2"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let runs = json.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["command"], "rollback");
    assert_eq!(runs[0]["exit_code"], 0);
    assert_eq!(runs[0]["counts"]["deleted"], 4);
    assert_eq!(runs[1]["command"], "import");
    assert!(runs[0]["pid"].as_i64().is_some());
}
