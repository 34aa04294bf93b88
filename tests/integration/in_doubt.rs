//! In doubt means in doubt (SPEC §4): once an attempt has left, a row stays `sending` until
//! Feishu answers for it; every run settles those rows first, whatever file it is given;
//! a row changed while in doubt becomes a conflict once settled (Feishu holds the body that
//! was sent); and `rollback --run N` covers the rows run N left in doubt.

use predicates::str::contains;
use rewardsync_sandbox::{FaultSettings, SandboxConfig};

use crate::common::{Live, Workdir};

/// A fast sandbox that stores every reward and then drops the connection unanswered.
fn dropping() -> Live {
    let live = Live::start(SandboxConfig {
        reward_rate: 1000,
        ..Default::default()
    });
    live.sandbox
        .set_faults(FaultSettings {
            drop_rate: 1.0,
            ..FaultSettings::default()
        })
        .unwrap();
    live
}

fn answer_again(live: &Live) {
    live.sandbox.set_faults(FaultSettings::default()).unwrap();
}

/// `import FILE` with one retry, so the dropped answers run out quickly.
fn import(live: &Live, wrk: &Workdir, file: &str) -> assert_cmd::assert::Assert {
    live.command(
        wrk,
        &[
            "import",
            file,
            "--retries",
            "1",
            "--rate",
            "200",
            "--json",
            "--no-progress",
        ],
    )
    .assert()
}

fn json(assert: &assert_cmd::assert::Assert) -> serde_json::Value {
    serde_json::from_slice(&assert.get_output().stdout).unwrap()
}

#[test]
fn rows_whose_retries_ran_out_stay_in_doubt_and_a_run_with_another_file_settles_them() {
    let live = dropping();
    let wrk = Workdir::new();
    wrk.generated("first.csv", 3, "DOUBT");
    let first = import(&live, &wrk, "first.csv").code(1);
    let summary = json(&first);
    assert_eq!(summary["in_doubt"], 3, "{summary}");
    assert_eq!(summary["pending"], 0, "{summary}");
    assert_eq!(summary["sent"], 6, "two attempts each");
    // Feishu holds them: the ledger must not say "not yet sent".
    let status = wrk.status();
    assert_eq!(status["sending"], 3);
    assert_eq!(status["pending"], 0);
    assert_eq!(live.sandbox.summary().reward_count, 3);
    live.command(&wrk, &["rollback", "--run", "1", "--dry-run"])
        .assert()
        .code(0)
        .stdout(contains(
            "3 rows whose import is in doubt: settled first, then deleted",
        ));

    answer_again(&live);
    wrk.generated("second.csv", 2, "OTHER");
    let second = import(&live, &wrk, "second.csv").code(0);
    let summary = json(&second);
    assert_eq!(
        summary["imported"], 5,
        "2 rows of the file and 3 settled: {summary}"
    );
    assert_eq!(summary["in_doubt"], 0);
    let status = wrk.status();
    assert_eq!(status["imported"], 5);
    assert_eq!(status["sending"], 0);
    let state = live.state();
    assert_eq!(state.reward_count, 5, "settling created nothing twice");
    for reward in state.rewards.unwrap() {
        let expected = if reward.external_id.starts_with("DOUBT") {
            3
        } else {
            1
        };
        assert_eq!(reward.received, expected, "{}", reward.external_id);
    }
}

#[test]
fn a_row_changed_while_in_doubt_becomes_a_conflict_once_settled() {
    let live = dropping();
    let wrk = Workdir::new();
    let file = wrk.generated("in.csv", 2, "CHANGED");
    import(&live, &wrk, "in.csv").code(1);
    let sent_body = live.state().rewards.unwrap()[1].body.to_canonical_json();
    // The legacy system corrects an amount before the next night.
    let text = std::fs::read_to_string(&file).unwrap();
    let changed = text.replacen(",101.01,", ",999.99,", 1);
    assert_ne!(text, changed, "the test changed an amount");
    std::fs::write(&file, changed).unwrap();

    answer_again(&live);
    let settled = import(&live, &wrk, "in.csv").code(1);
    let summary = json(&settled);
    assert_eq!(summary["imported"], 1, "{summary}");
    assert_eq!(summary["conflict"], 1, "{summary}");
    assert_eq!(
        summary["reasons"]["conflict"][0]["at"][0], "CHANGED-000000001 (in.csv:3)",
        "{summary}"
    );
    let status = wrk.status();
    assert_eq!(status["conflict"], 1);
    assert_eq!(status["imported"], 1);
    // Feishu holds the body that was sent, never the changed one.
    let stored = live.state().rewards.unwrap()[1].body.to_canonical_json();
    assert_eq!(stored, sent_body);
    assert!(!stored.contains("999.99"));
}

#[test]
fn a_rollback_of_a_run_covers_the_rows_it_left_in_doubt() {
    let live = dropping();
    let wrk = Workdir::new();
    wrk.generated("in.csv", 3, "RBDOUBT");
    import(&live, &wrk, "in.csv").code(1);
    assert_eq!(live.sandbox.summary().reward_count, 3);

    answer_again(&live);
    let rollback = live
        .command(
            &wrk,
            &["rollback", "--run", "1", "--yes", "--json", "--no-progress"],
        )
        .assert()
        .code(0);
    let summary = json(&rollback);
    assert_eq!(summary["deleted"], 3, "{summary}");
    assert_eq!(
        live.sandbox.summary().reward_count,
        0,
        "nothing the run sent is left"
    );
    let status = wrk.status();
    assert_eq!(status["deleted"], 3);
    assert_eq!(status["sending"], 0);
}

#[test]
fn a_fatal_answer_while_settling_leaves_the_doubts_in_doubt_and_the_plan_pending() {
    let live = dropping();
    let wrk = Workdir::new();
    wrk.generated("first.csv", 3, "FATAL");
    import(&live, &wrk, "first.csv").code(1);
    live.sandbox
        .set_faults(FaultSettings {
            deny_permission: true,
            ..FaultSettings::default()
        })
        .unwrap();
    wrk.generated("second.csv", 2, "LATER");
    let second = import(&live, &wrk, "second.csv").code(3);
    let summary = json(&second);
    assert_eq!(summary["in_doubt"], 3, "{summary}");
    assert_eq!(summary["pending"], 2, "{summary}");
    assert_eq!(
        summary["failed"], 0,
        "a fatal answer fails no row: {summary}"
    );
    assert!(
        summary["advice"]
            .as_str()
            .unwrap()
            .contains("hire:external_referral_reward"),
        "{summary}"
    );
    let status = wrk.status();
    assert_eq!(status["sending"], 3);
    assert_eq!(status["pending"], 2);
}
