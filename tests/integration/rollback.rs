//! `rewardsync rollback` through the real binary against an in-process sandbox: what is
//! deleted on the server, what the ledger records, resuming after Ctrl-C or kill -9, and
//! that the same file imports again afterwards.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use predicates::str::contains;
use rewardsync_sandbox::SandboxConfig;

use crate::common::{Live, Workdir, signal_and_wait};

/// `import FILE` to the end, exit 0; returns the run's id.
fn import(live: &Live, wrk: &Workdir, file: &Path) -> i64 {
    live.command(wrk, &["import", file.to_str().unwrap(), "--no-progress"])
        .assert()
        .code(0);
    wrk.status()["runs"][0]["id"].as_i64().unwrap()
}

/// A fast sandbox with `rows` generated rows imported by one run: (sandbox, dir, run id).
fn imported(rows: u64, prefix: &str) -> (Live, Workdir, i64) {
    let live = Live::fast();
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", rows, prefix);
    let run = import(&live, &wrk, &file);
    (live, wrk, run)
}

/// external_ids in one ledger state, through `export`.
fn ids_in(wrk: &Workdir, status: &str) -> Vec<String> {
    wrk.export(status).iter().map(|r| r[0].to_owned()).collect()
}

/// `rollback --run RUN --yes --no-progress`, to assert on.
fn rollback_run(live: &Live, wrk: &Workdir, run: i64) -> assert_cmd::Command {
    live.command(
        wrk,
        &[
            "rollback",
            "--run",
            &run.to_string(),
            "--yes",
            "--no-progress",
        ],
    )
}

/// external_ids the sandbox holds now.
fn stored(live: &Live) -> Vec<String> {
    let mut ids: Vec<String> = live
        .state()
        .rewards
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.external_id)
        .collect();
    ids.sort();
    ids
}

/// DELETE requests the sandbox answered, by HTTP status.
fn deletes_answered(live: &Live, http_status: &str) -> u64 {
    live.sandbox
        .summary()
        .requests
        .iter()
        .filter(|(endpoint, _)| endpoint.starts_with("DELETE"))
        .filter_map(|(_, by_status)| by_status.get(http_status))
        .sum()
}

fn count(status: &serde_json::Value, state: &str) -> u64 {
    status[state].as_u64().unwrap()
}

#[test]
fn rollback_of_a_run_deletes_exactly_its_rewards_and_the_file_imports_again() {
    let live = Live::fast();
    let wrk = Workdir::new();
    let first = wrk.generated("first.csv", 6, "RB1");
    let second = wrk.generated("second.csv", 3, "RB2");
    let run = import(&live, &wrk, &first);
    import(&live, &wrk, &second);
    let kept = ids_in(&wrk, "imported")
        .into_iter()
        .filter(|id| id.starts_with("RB2"))
        .collect::<Vec<_>>();

    rollback_run(&live, &wrk, run)
        .assert()
        .code(0)
        .stdout(contains(format!(
            "6 rewards imported by run {run} to delete"
        )))
        .stdout(contains("  6 rewards: 6 deleted\n"));
    let state = live.state();
    assert_eq!(state.rewards_deleted, 6);
    assert_eq!(state.reward_count, 3);
    assert_eq!(stored(&live), kept, "only the other run's rewards are left");
    let status = wrk.status();
    assert_eq!(count(&status, "deleted"), 6);
    assert_eq!(count(&status, "imported"), 3);
    assert_eq!(count(&status, "deleting"), 0);
    assert_eq!(status["runs"][0]["command"], "rollback");
    assert_eq!(status["runs"][0]["exit_code"], 0);

    // The same file goes in again as new rewards.
    live.command(&wrk, &["import", first.to_str().unwrap(), "--no-progress"])
        .assert()
        .code(0)
        .stdout(contains("6 imported now"));
    assert_eq!(live.state().reward_count, 9);
    assert_eq!(count(&wrk.status(), "imported"), 9);
    assert_eq!(count(&wrk.status(), "deleted"), 0);
}

#[test]
fn rollback_json_prints_one_object_with_the_counts() {
    let (live, wrk, run) = imported(4, "JSON");
    let output = live
        .command(
            &wrk,
            &["rollback", "--run", &run.to_string(), "--yes", "--json"],
        )
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["deleted"], 4);
    assert_eq!(summary["refused"], 0);
    assert_eq!(summary["pending"], 0);
    assert_eq!(summary["in_doubt"], 0);
    assert_eq!(summary["rolled_back_run"], run);
    assert_eq!(summary["exit_code"], 0);
}

#[test]
fn dry_run_deletes_nothing_and_writes_nothing() {
    let (live, wrk, run) = imported(7, "DRYRB");
    let before = wrk.status();
    let requests = live.requests();
    live.command(&wrk, &["rollback", "--run", &run.to_string(), "--dry-run"])
        .assert()
        .code(0)
        .stdout(contains("dry run: nothing is deleted"))
        .stdout(contains(format!(
            "7 rewards imported by run {run} to delete"
        )))
        .stdout(contains("DRYRB"))
        .stdout(contains("and 2 more"));
    assert_eq!(live.requests(), requests, "no request at all");
    assert_eq!(live.state().reward_count, 7);
    assert_eq!(
        wrk.status(),
        before,
        "the ledger is as it was, runs included"
    );
}

#[test]
fn without_yes_and_no_terminal_it_refuses_with_exit_2_and_deletes_nothing() {
    let (live, wrk, run) = imported(3, "ASK");
    // A "y" on a pipe is not a confirmation: a script must say --yes.
    live.command(&wrk, &["rollback", "--run", &run.to_string()])
        .write_stdin("y\n")
        .assert()
        .code(2)
        .stderr(contains("pass --yes"));
    assert_eq!(live.state().rewards_deleted, 0);
    assert_eq!(count(&wrk.status(), "imported"), 3);
}

#[test]
fn external_ids_delete_only_the_named_rewards() {
    let (live, wrk, _) = imported(5, "NAMED");
    let all = ids_in(&wrk, "imported");
    let named = [all[1].as_str(), all[3].as_str()];
    let mut args = vec!["rollback", "--yes", "--no-progress", "--external-id"];
    args.extend(named);
    live.command(&wrk, &args)
        .assert()
        .code(0)
        .stdout(contains("  2 rewards: 2 deleted\n"));
    assert_eq!(live.state().rewards_deleted, 2);
    let mut deleted = ids_in(&wrk, "deleted");
    deleted.sort();
    assert_eq!(deleted, named);
    let left = stored(&live);
    assert_eq!(left.len(), 3);
    assert!(named.iter().all(|id| !left.contains(&id.to_string())));

    // A typo is refused before anything is deleted.
    live.command(
        &wrk,
        &[
            "rollback",
            "--yes",
            "--external-id",
            all[0].as_str(),
            "NO-SUCH-ID",
        ],
    )
    .assert()
    .code(2)
    .stderr(contains("not in this ledger: \"NO-SUCH-ID\""));
    assert_eq!(live.state().rewards_deleted, 2);
}

#[test]
fn an_unknown_run_is_refused_with_exit_2() {
    let (live, wrk, _) = imported(2, "NORUN");
    live.command(&wrk, &["rollback", "--run", "42", "--yes"])
        .assert()
        .code(2)
        .stderr(contains("there is no run 42 in this ledger"));
    assert_eq!(live.state().rewards_deleted, 0);
}

#[test]
fn a_ledger_of_another_target_is_refused() {
    let first = Live::fast();
    let second = Live::fast();
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 3, "OTHER");
    let run = import(&first, &wrk, &file);
    second
        .command(&wrk, &["rollback", "--run", &run.to_string(), "--yes"])
        .assert()
        .code(2)
        .stderr(contains(format!(
            "this ledger belongs to {} (app cli_sandbox) and this run targets {}",
            first.sandbox.base_url(),
            second.sandbox.base_url()
        )));
    assert_eq!(second.requests(), 0);
    assert_eq!(first.state().reward_count, 3);
    assert_eq!(count(&wrk.status(), "imported"), 3);
}

/// Imports 60 rows in run 1 and 5 in run 2 into a sandbox with latency, then starts
/// `rollback --run 1` in the background.
fn interrupted_setup(live: &Live, wrk: &Workdir) -> std::process::Child {
    let doomed = wrk.generated("doomed.csv", 60, "DOOM");
    let kept = wrk.generated("kept.csv", 5, "KEEP");
    for file in [&doomed, &kept] {
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
    live.std_command(
        wrk,
        &[
            "rollback",
            "--run",
            "1",
            "--yes",
            "--rate",
            "10",
            "--no-progress",
        ],
    )
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap()
}

/// Resumes the rollback and checks that run 1's rewards are each deleted once and run 2's
/// are untouched.
fn resume_and_check(live: &Live, wrk: &Workdir) {
    live.command(
        wrk,
        &[
            "rollback",
            "--run",
            "1",
            "--yes",
            "--rate",
            "200",
            "--no-progress",
        ],
    )
    .assert()
    .code(0);
    let state = live.state();
    assert_eq!(
        state.rewards_deleted, 60,
        "every reward of run 1 deleted once"
    );
    let left = stored(live);
    assert_eq!(left.len(), 5);
    assert!(left.iter().all(|id| id.starts_with("KEEP")), "{left:?}");
    let status = wrk.status();
    assert_eq!(count(&status, "deleted"), 60);
    assert_eq!(count(&status, "deleting"), 0);
    assert_eq!(count(&status, "imported"), 5);
    // A delete answered "no such reward" is one whose earlier attempt went through.
    assert_eq!(deletes_answered(live, "200"), 60);
}

#[test]
fn ctrl_c_stops_with_exit_130_and_the_same_command_finishes_the_rollback() {
    let live = Live::start(SandboxConfig {
        reward_rate: 1000,
        latency: Duration::from_millis(100),
        ..Default::default()
    });
    let wrk = Workdir::new();
    let child = interrupted_setup(&live, &wrk);
    live.wait_for("10 rewards deleted", |s| s.rewards_deleted >= 10);
    let output = signal_and_wait(child, "INT");
    assert_eq!(output.status.code(), Some(130), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("stopped by Ctrl-C"), "{stdout}");
    let status = wrk.status();
    assert_eq!(
        count(&status, "deleting"),
        0,
        "deletes in flight were recorded"
    );
    assert_eq!(
        count(&status, "deleted"),
        live.state().rewards_deleted,
        "the ledger says deleted exactly for what the server deleted"
    );
    assert!(count(&status, "deleted") < 60);
    assert_eq!(status["runs"][0]["exit_code"], 130);
    resume_and_check(&live, &wrk);
}

#[test]
fn killed_mid_rollback_then_rerun_deletes_every_reward_once_and_nothing_else() {
    let live = Live::start(SandboxConfig {
        reward_rate: 1000,
        latency: Duration::from_millis(100),
        ..Default::default()
    });
    let wrk = Workdir::new();
    let mut child = interrupted_setup(&live, &wrk);
    live.wait_for("10 rewards deleted", |s| s.rewards_deleted >= 10);
    child.kill().unwrap(); // SIGKILL: no clean stop.
    child.wait().unwrap();
    assert!(live.state().rewards_deleted < 60);
    resume_and_check(&live, &wrk);
}

/// The reward ids of the ledger's imported rows, by external_id, through `export`.
fn reward_ids(wrk: &Workdir) -> Vec<(String, String)> {
    wrk.export("imported")
        .iter()
        .map(|r| (r[0].to_owned(), r[2].to_owned()))
        .collect()
}

#[test]
fn a_refused_delete_keeps_the_row_imported_with_the_servers_code() {
    let (live, wrk, run) = imported(3, "REFUSE");
    let (gone_external_id, gone_reward_id) = reward_ids(&wrk).remove(0);
    // Someone deleted this reward in Feishu already: for a delete that was never in doubt,
    // "no such reward" is a refusal, not a success.
    live.block_on(async {
        let base = live.sandbox.base_url();
        let client = reqwest::Client::new();
        let token: serde_json::Value = client
            .post(format!(
                "{base}/open-apis/auth/v3/tenant_access_token/internal"
            ))
            .json(&serde_json::json!({"app_id": "cli_sandbox", "app_secret": "sandbox_secret"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = token["tenant_access_token"].as_str().unwrap().to_owned();
        let answer = client
            .delete(format!(
                "{base}/open-apis/hire/v1/external_referral_rewards/{gone_reward_id}"
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success());
    });
    rollback_run(&live, &wrk, run).assert().code(1);
    let status = wrk.status();
    assert_eq!(count(&status, "deleted"), 2);
    assert_eq!(count(&status, "imported"), 1);
    let output = wrk
        .command(&["export", "--status", "imported"])
        .env_remove("REWARDSYNC_LEDGER")
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains(&gone_external_id), "{text}");
    assert!(
        text.contains("1002002"),
        "the refusal's code is kept: {text}"
    );
}

#[test]
fn wrong_credentials_stop_the_rollback_with_exit_3_and_delete_nothing() {
    let (live, wrk, run) = imported(4, "FATAL");
    rollback_run(&live, &wrk, run)
        .env("FEISHU_APP_SECRET", "not-the-secret")
        .assert()
        .code(3)
        .stderr(contains("FEISHU_APP_SECRET"));
    assert_eq!(deletes_answered(&live, "200"), 0);
    let status = wrk.status();
    assert_eq!(count(&status, "imported"), 4);
    assert_eq!(count(&status, "deleting"), 0);
}
