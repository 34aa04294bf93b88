//! `rewardsync import`, `status` and `export` through the real binary against an
//! in-process sandbox: what reaches the server, what the ledger holds, the exit codes.

use std::collections::BTreeMap;
use std::time::Duration;

use predicates::str::contains;
use rewardsync_sandbox::SandboxConfig;

use crate::common::{Live, Workdir, check_file, repo_path, signal_and_wait};

/// Canonical bodies of every valid row of a file, by external_id.
fn built_bodies(path: &std::path::Path) -> BTreeMap<String, String> {
    check_file(path)
        .into_iter()
        .filter_map(|checked| checked.body)
        .map(|body| (body.external_id.clone(), body.to_canonical_json()))
        .collect()
}

/// `import FILE` against a fast sandbox, to the end: exit 0.
fn finish_import(live: &Live, wrk: &Workdir, file: &std::path::Path) {
    live.command(
        wrk,
        &[
            "import",
            file.to_str().unwrap(),
            "--rate",
            "200",
            "--no-progress",
        ],
    )
    .assert()
    .code(0);
}

/// Starts `import FILE --rate RATE` in the background, output discarded.
fn spawn_import(
    live: &Live,
    wrk: &Workdir,
    file: &std::path::Path,
    rate: &str,
) -> std::process::Child {
    live.std_command(
        wrk,
        &[
            "import",
            file.to_str().unwrap(),
            "--rate",
            rate,
            "--no-progress",
        ],
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap()
}

/// external_id → how many times the sandbox received it.
fn receipts(live: &Live) -> BTreeMap<String, u64> {
    live.state()
        .rewards
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.external_id, r.received))
        .collect()
}

/// external_ids the ledger records as imported, through `export`.
fn imported_ids(wrk: &Workdir) -> Vec<String> {
    wrk.export("imported")
        .iter()
        .map(|r| r[0].to_owned())
        .collect()
}

#[test]
fn bodies_received_equal_bodies_built_and_a_rerun_sends_nothing() {
    let live = Live::fast();
    let wrk = Workdir::new();
    let sample = repo_path("samples/rewards.csv");
    let file = sample.to_str().unwrap();
    live.command(&wrk, &["import", file, "--rate", "200", "--no-progress"])
        .assert()
        .code(0)
        .stdout(contains("  50 rows: 50 imported now\n"));
    let received: BTreeMap<String, String> = live
        .state()
        .rewards
        .unwrap()
        .into_iter()
        .map(|r| {
            assert_eq!(r.received, 1, "{} received twice", r.external_id);
            (r.external_id, r.body.to_canonical_json())
        })
        .collect();
    assert_eq!(received, built_bodies(&sample));
    let status = wrk.status();
    assert_eq!(status["imported"], 50);
    assert_eq!(status["pending"], 0);
    assert_eq!(status["sending"], 0);
    assert_eq!(status["target"]["base_url"], live.sandbox.base_url());

    // A rerun of the finished file sends nothing at all, not even a token request.
    let before = live.requests();
    live.command(&wrk, &["import", file, "--no-progress", "--json"])
        .assert()
        .code(0)
        .stdout(contains("\"already_imported\":50"))
        .stdout(contains("\"imported\":0"));
    assert_eq!(live.requests(), before);
}

#[test]
fn transient_faults_and_dropped_connections_end_with_every_row_stored_once() {
    let live = Live::start(SandboxConfig {
        reward_rate: 1000,
        fail_rate: 0.2,
        drop_rate: 0.15,
        seed: 11,
        ..Default::default()
    });
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 40, "FAULT");
    let output = live
        .command(
            &wrk,
            &[
                "import",
                file.to_str().unwrap(),
                "--rate",
                "200",
                "--json",
                "--no-progress",
            ],
        )
        .output()
        .unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // A row may exhaust its retries; the next run finishes it.
    if output.status.code() != Some(0) {
        assert_eq!(output.status.code(), Some(1), "{summary}");
        finish_import(&live, &wrk, &file);
    } else {
        assert_eq!(summary["imported"], 40);
    }
    let state = live.sandbox.summary();
    assert_eq!(state.reward_count, 40);
    assert!(
        state.failed.values().sum::<u64>() > 0,
        "the faults happened"
    );
    assert!(
        state.dropped.values().sum::<u64>() > 0,
        "the drops happened"
    );
    assert_eq!(wrk.status()["imported"], 40);
    assert_eq!(imported_ids(&wrk).len(), 40);
}

#[test]
fn killed_mid_run_then_rerun_stores_everything_and_resends_no_imported_row() {
    let live = Live::start(SandboxConfig {
        reward_rate: 1000,
        latency: Duration::from_millis(50),
        ..Default::default()
    });
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 60, "KILL");
    let mut child = spawn_import(&live, &wrk, &file, "40");
    live.wait_for("15 rewards stored", |s| s.reward_count >= 15);
    child.kill().unwrap(); // SIGKILL: no clean stop.
    child.wait().unwrap();
    let recorded = imported_ids(&wrk);
    assert!(
        !recorded.is_empty() && recorded.len() < 60,
        "{}",
        recorded.len()
    );
    let before = receipts(&live);

    finish_import(&live, &wrk, &file);
    let after = receipts(&live);
    assert_eq!(after.len(), 60, "every row stored");
    for id in &recorded {
        assert_eq!(
            after[id], before[id],
            "{id} was imported before the kill and sent again"
        );
    }
    assert_eq!(wrk.status()["imported"], 60);
}

#[test]
fn ctrl_c_stops_cleanly_with_exit_130_and_a_consistent_ledger() {
    let live = Live::start(SandboxConfig {
        reward_rate: 1000,
        latency: Duration::from_millis(100),
        ..Default::default()
    });
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 80, "INT");
    let child = live
        .std_command(
            &wrk,
            &[
                "import",
                file.to_str().unwrap(),
                "--rate",
                "20",
                "--no-progress",
            ],
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    live.wait_for("10 rewards stored", |s| s.reward_count >= 10);
    let output = signal_and_wait(child, "INT");
    assert_eq!(output.status.code(), Some(130), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("stopped by Ctrl-C"), "{stdout}");
    let status = wrk.status();
    assert_eq!(
        status["sending"], 0,
        "in-flight requests were finished and recorded"
    );
    // Every row the ledger says is imported is on the server, and only those are.
    let stored = receipts(&live);
    let recorded = imported_ids(&wrk);
    assert_eq!(recorded.len(), stored.len());
    for id in &recorded {
        assert!(stored.contains_key(id), "{id}");
    }
    assert_eq!(
        status["imported"].as_u64().unwrap() + status["pending"].as_u64().unwrap(),
        80
    );
    assert_eq!(status["runs"][0]["exit_code"], 130);
}

#[test]
fn sigterm_stops_cleanly_like_ctrl_c() {
    let live = Live::start(SandboxConfig {
        reward_rate: 1000,
        latency: Duration::from_millis(100),
        ..Default::default()
    });
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 60, "TERM");
    let child = live
        .std_command(
            &wrk,
            &[
                "import",
                file.to_str().unwrap(),
                "--rate",
                "20",
                "--no-progress",
            ],
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    live.wait_for("5 rewards stored", |s| s.reward_count >= 5);
    let output = signal_and_wait(child, "TERM");
    assert_eq!(output.status.code(), Some(130), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("stopped by SIGTERM:"),
        "called by its name: {stdout}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rewardsync: SIGTERM: stopping"), "{stderr}");
    let status = wrk.status();
    assert_eq!(
        status["sending"], 0,
        "in-flight requests were finished and recorded"
    );
    assert_eq!(
        status["imported"].as_u64().unwrap(),
        live.sandbox.summary().reward_count as u64
    );
}

#[test]
fn token_expiry_mid_run_is_refreshed_and_the_run_finishes() {
    let live = Live::start(SandboxConfig {
        reward_rate: 1000,
        latency: Duration::from_millis(20),
        ..Default::default()
    });
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 40, "TOKEN");
    let child = spawn_import(&live, &wrk, &file, "40");
    live.wait_for("10 rewards stored", |s| s.reward_count >= 10);
    live.sandbox.expire_tokens();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let state = live.sandbox.summary();
    assert_eq!(state.reward_count, 40);
    assert!(state.tokens_issued >= 2, "a fresh token was fetched");
}

#[test]
fn permission_denied_exits_3_and_fails_no_row() {
    let live = Live::start(SandboxConfig {
        deny_permission: true,
        ..Default::default()
    });
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 10, "DENY");
    live.command(&wrk, &["import", file.to_str().unwrap(), "--no-progress"])
        .assert()
        .code(3)
        .stderr(contains("hire:external_referral_reward"));
    let status = wrk.status();
    assert_eq!(status["failed"], 0);
    assert_eq!(status["imported"], 0);
    assert_eq!(status["pending"], 10);
}

#[test]
fn wrong_secret_exits_3_before_any_row_is_touched() {
    let live = Live::fast();
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 5, "SECRET");
    live.command(&wrk, &["import", file.to_str().unwrap(), "--no-progress"])
        .env("FEISHU_APP_SECRET", "not-the-secret")
        .assert()
        .code(3)
        .stderr(contains("FEISHU_APP_SECRET"));
    assert_eq!(live.sandbox.summary().reward_receipts, 0);
    assert_eq!(wrk.status()["failed"], 0);
}

#[test]
fn a_second_concurrent_run_on_the_same_ledger_exits_2_at_once() {
    let live = Live::start(SandboxConfig {
        reward_rate: 1000,
        latency: Duration::from_millis(200),
        ..Default::default()
    });
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 30, "LOCK");
    let mut first = spawn_import(&live, &wrk, &file, "5");
    live.wait_for("the first run to send", |s| s.reward_receipts >= 1);
    live.command(&wrk, &["import", file.to_str().unwrap(), "--no-progress"])
        .assert()
        .code(2)
        .stderr(contains("another rewardsync run (pid"));
    first.kill().unwrap();
    first.wait().unwrap();
}

#[test]
fn a_ledger_used_against_another_target_is_refused() {
    let first = Live::fast();
    let second = Live::fast();
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 3, "TARGET");
    first
        .command(&wrk, &["import", file.to_str().unwrap(), "--no-progress"])
        .assert()
        .code(0);
    second
        .command(&wrk, &["import", file.to_str().unwrap(), "--no-progress"])
        .assert()
        .code(2)
        .stderr(contains(format!(
            "this ledger belongs to {} (app cli_sandbox) and this run targets {}",
            first.sandbox.base_url(),
            second.sandbox.base_url()
        )));
    assert_eq!(second.sandbox.summary().reward_receipts, 0);
}

#[test]
fn a_row_changed_after_import_becomes_a_conflict_and_is_not_sent() {
    let live = Live::fast();
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 6, "CHG");
    live.command(&wrk, &["import", file.to_str().unwrap(), "--no-progress"])
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&file).unwrap();
    let changed = text.replacen(",101.01,", ",999.99,", 1);
    assert_ne!(text, changed, "the test changed an amount");
    std::fs::write(&file, changed).unwrap();
    let before = receipts(&live);
    live.command(&wrk, &["import", file.to_str().unwrap(), "--no-progress"])
        .assert()
        .code(1)
        .stdout(contains("1 changed since imported (conflict)"));
    assert_eq!(receipts(&live), before, "nothing was sent");
    let status = wrk.status();
    assert_eq!(status["conflict"], 1);
    assert_eq!(status["imported"], 5);
    // Restoring the row resolves the conflict without a request.
    std::fs::write(&file, text).unwrap();
    live.command(&wrk, &["import", file.to_str().unwrap(), "--no-progress"])
        .assert()
        .code(0);
    assert_eq!(wrk.status()["conflict"], 0);
    assert_eq!(receipts(&live), before);
}

#[test]
fn failed_rows_go_to_the_errors_file_and_are_retried_only_when_asked() {
    let live = Live::fast();
    let wrk = Workdir::new();
    let text = format!(
        "{}\n{}\nNOBODY-1,ou_not_an_employee,7214000000000000001,,,1,1,100,,,2,,,,,\nBAD-1,ou_x,,,,9,1,100,,,2,,,,,\n",
        rewardsync_testdata::HEADER,
        rewardsync_testdata::row(0, "OK")
    );
    wrk.create("in.csv", text);
    live.command(
        &wrk,
        &["import", "in.csv", "--errors", "fix.csv", "--no-progress"],
    )
    .assert()
    .code(1)
    .stdout(contains("  3 rows: 1 imported now, 1 failed, 1 invalid\n"))
    .stdout(contains("  failed: 1 row: refused by Feishu\n"))
    .stdout(contains("    code 1002002: "))
    .stdout(contains(" — in.csv:3\n"))
    .stdout(contains("  invalid: 1 row: "))
    .stdout(contains("  wrote 2 rows to fix.csv\n"));
    let errors = std::fs::read_to_string(wrk.path("fix.csv")).unwrap();
    assert!(errors.contains("NOBODY-1"), "{errors}");
    assert!(errors.contains("code 1002002"), "{errors}");
    assert!(errors.contains("log id "), "{errors}");
    assert!(
        errors.contains("BAD-1")
            && errors.contains("column rule_type: \"\"9\"\" is not a rule_type"),
        "{errors}"
    );
    let status = wrk.status();
    assert_eq!(status["failed"], 1);
    assert_eq!(status["invalid"], 1);
    // Without --retry-failed the failed row is not resent.
    let before = receipts(&live).len();
    let requests = live.requests();
    live.command(&wrk, &["import", "in.csv", "--no-progress"])
        .assert()
        .code(1)
        .stdout(contains("1 failed earlier"));
    assert_eq!(live.requests(), requests);
    live.command(
        &wrk,
        &["import", "in.csv", "--retry-failed", "--no-progress"],
    )
    .assert()
    .code(1);
    assert!(live.requests() > requests, "--retry-failed resent it");
    assert_eq!(receipts(&live).len(), before);
}

#[test]
fn dry_run_touches_neither_network_nor_ledger() {
    let live = Live::fast();
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 5, "DRY");
    live.command(&wrk, &["import", file.to_str().unwrap(), "--dry-run"])
        .assert()
        .code(0)
        .stdout(contains("plan: 5 rows: 5 to send"))
        .stdout(contains("would send: {\"referral_user_id\""));
    assert_eq!(live.requests(), 0);
    assert!(!wrk.path("rewardsync.db").exists());
}

#[test]
fn secrets_and_tokens_never_reach_output_or_the_ledger() {
    let live = Live::start(SandboxConfig {
        reward_rate: 1000,
        app_secret: "s3cr3t-value-that-must-not-leak".into(),
        ..Default::default()
    });
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 5, "LEAK");
    let mut outputs = Vec::new();
    for args in [
        vec!["import", file.to_str().unwrap(), "--no-progress"],
        vec!["import", file.to_str().unwrap(), "--json"],
        vec!["status"],
        vec!["export"],
    ] {
        let output = live.command(&wrk, &args).output().unwrap();
        outputs.push(output.stdout);
        outputs.push(output.stderr);
    }
    // The sandbox hands out the same token while it has over 30 minutes left.
    let token = live.block_on(async {
        let url = format!(
            "{}/open-apis/auth/v3/tenant_access_token/internal",
            live.sandbox.base_url()
        );
        let answer: serde_json::Value = reqwest::Client::new()
            .post(url)
            .json(&serde_json::json!({"app_id": "cli_sandbox", "app_secret": "s3cr3t-value-that-must-not-leak"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["tenant_access_token"].as_str().unwrap().to_owned()
    });
    for name in ["rewardsync.db", "rewardsync.db-wal"] {
        if let Ok(bytes) = std::fs::read(wrk.path(name)) {
            outputs.push(bytes);
        }
    }
    for bytes in &outputs {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains("s3cr3t-value-that-must-not-leak"),
            "secret leaked: {text}"
        );
        assert!(!text.contains(&token), "token leaked: {text}");
    }
}

#[test]
fn a_file_of_many_chunks_is_planned_in_order_and_its_duplicates_stay_out() {
    // 3,000 rows: the checking threads take them in chunks, out of order; two late rows
    // repeat the ids of early ones, across chunks.
    let live = Live::start(SandboxConfig {
        reward_rate: 100_000,
        ..Default::default()
    });
    let wrk = Workdir::new();
    let mut text = Vec::new();
    rewardsync_testdata::write_rows(&mut text, 3_000, "MANY").unwrap();
    let text = String::from_utf8(text).unwrap();
    let ids: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|line| line.split(',').next().unwrap())
        .collect();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    // Line 1,701 (the 1,700th row) takes row 2's id; line 3,001 takes row 1's.
    lines[1_700] = lines[1_700].replacen(ids[1_699], ids[1], 1);
    lines[3_000] = lines[3_000].replacen(ids[2_999], ids[0], 1);
    let file = wrk.create("many.csv", lines.join("\n") + "\n");
    let file = file.to_str().unwrap();

    live.command(&wrk, &["import", file, "--dry-run"])
        .assert()
        .code(1)
        .stdout(contains("plan: 3000 rows: 2998 to send"))
        .stdout(contains("2 invalid"));
    let (code, summary) = live.import_json(&wrk, &[file, "--rate", "5000"]);
    assert_eq!(code, 1, "{summary}");
    assert_eq!(summary["imported"], 2_998, "{summary}");
    assert_eq!(summary["invalid"], 2, "{summary}");
    let received = receipts(&live);
    assert_eq!(received.len(), 2_998);
    assert!(received.values().all(|&n| n == 1), "none sent twice");
    assert!(!received.contains_key(ids[1_699]) && !received.contains_key(ids[2_999]));

    // The rerun looks every row up (one chunk in flight at the ledger) and sends nothing.
    let requests = live.requests();
    let (code, summary) = live.import_json(&wrk, &[file]);
    assert_eq!(code, 1, "{summary}");
    assert_eq!(summary["already_imported"], 2_998, "{summary}");
    assert_eq!(summary["invalid"], 2, "{summary}");
    assert_eq!(live.requests(), requests);
    wrk.command(&["validate", file])
        .assert()
        .code(1)
        .stdout(contains(format!(
            "many.csv:1701: column external_id: \"{}\" already appears on line 3",
            ids[1]
        )))
        .stdout(contains(format!(
            "many.csv:3001: column external_id: \"{}\" already appears on line 2",
            ids[0]
        )));
}
