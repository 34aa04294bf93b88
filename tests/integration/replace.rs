//! `import --replace-changed` (SPEC §7) through the real binary against an in-process
//! sandbox: a changed reward is imported under its next revision and the earlier one deleted,
//! a stop between the two is finished by the next run, `--max-replacements` refuses before
//! anything is sent, a rollback of the replacing run deletes the revisions it created, and a
//! change of referrer (in the file, or an e-mail now someone else's) needs --allow-referrer-change.

use std::process::Stdio;
use std::time::Duration;

use predicates::str::contains;
use rewardsync_sandbox::{Directory, FaultSettings, SandboxConfig};

use crate::common::{Live, Workdir, check_text, signal_and_wait};

const HEADER: &str = "external_id,referral_user_id,application_id,rule_type,bonus_type,currency_type,amount,stage,create_time,confirm_time,pay_time\n";
const REFERRER: &str = "ou_8fe08882a7ae1007efe66632ce51f7a2";

/// One reward row: `stage` 2 (confirmed) without a pay time, or 3 (paid) with one.
fn row(id: &str, amount: u32, stage: u8) -> String {
    let paid = if stage == 3 { "1705000000000" } else { "" };
    format!(
        "{id},{REFERRER},72140000000{:08},1,2,CNY,{amount},{stage},1704691440000,1704700000000,{paid}\n",
        id.len() * 7919 + usize::from(stage)
    )
}

fn file(rows: &[String]) -> String {
    format!("{HEADER}{}", rows.concat())
}

/// `import FILE --json` with extra args: (exit code, summary).
fn import(live: &Live, wrk: &Workdir, name: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec![name];
    args.extend_from_slice(extra);
    live.import_json(wrk, &args)
}

/// The sandbox's rewards: (external_id, canonical body), sorted.
fn held(live: &Live) -> Vec<(String, String)> {
    let mut held: Vec<(String, String)> = live
        .state()
        .rewards
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.external_id, r.body.to_canonical_json()))
        .collect();
    held.sort();
    held
}

/// The canonical body of the only row of `csv`, sent under `external_id`.
fn body_as(csv: &str, external_id: &str) -> String {
    let mut body = check_text("f.csv", csv)
        .remove(0)
        .body
        .expect("the row is valid");
    body.external_id = external_id.to_owned();
    body.to_canonical_json()
}

/// The sandbox's DELETE requests answered so far.
fn deletes(live: &Live) -> u64 {
    live.state()
        .requests
        .iter()
        .filter(|(endpoint, _)| endpoint.starts_with("DELETE "))
        .flat_map(|(_, by_status)| by_status.values())
        .sum()
}

#[test]
fn a_confirmed_reward_later_paid_replaces_its_first_import() {
    let live = Live::fast();
    let wrk = Workdir::new();
    let confirmed = file(&[row("R-1", 1000, 2), row("R-2", 2000, 3)]);
    let paid = file(&[row("R-1", 1000, 3), row("R-2", 2000, 3)]);
    wrk.create("v1.csv", &confirmed);
    wrk.create("v2.csv", &paid);
    assert_eq!(import(&live, &wrk, "v1.csv", &[]).0, 0);

    // Without the flag: a conflict, every night.
    let (code, summary) = import(&live, &wrk, "v2.csv", &[]);
    assert_eq!((code, &summary["conflict"]), (1, &serde_json::json!(1)));

    // The rehearsal lists the change field by field and sends nothing.
    let receipts = live.state().reward_receipts;
    let dry = live
        .command(
            &wrk,
            &["import", "v2.csv", "--replace-changed", "--dry-run"],
        )
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let dry = String::from_utf8(dry).unwrap();
    assert!(
        dry.contains("replacing 1 row changed since imported"),
        "{dry}"
    );
    assert!(
        dry.contains("R-1 (v2.csv:2): R-1 → R-1~r2: application_id: "),
        "{dry}"
    );
    assert!(
        dry.contains("pay_time: (none) → 1705000000000; stage: 2 → 3"),
        "{dry}"
    );
    assert_eq!(live.state().reward_receipts, receipts);

    let (code, summary) = import(&live, &wrk, "v2.csv", &["--replace-changed"]);
    assert_eq!(code, 0, "{summary}");
    assert_eq!(summary["replaced"], 1, "{summary}");
    assert_eq!(summary["already_imported"], 1, "{summary}");
    assert_eq!(summary["retired"], 1, "{summary}");
    assert_eq!(summary["conflict"], 0, "{summary}");
    // Feishu holds the paid body under the revision, and no longer the confirmed one.
    let paid_r1 = file(&[row("R-1", 1000, 3)]);
    let r2_body = body_as(&paid_r1, "R-1~r2");
    let now = held(&live);
    let ids: Vec<&str> = now.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["R-1~r2", "R-2"]);
    assert_eq!(now[0].1, r2_body);
    assert_eq!(deletes(&live), 1);

    // The ledger keeps both reward ids; the rerun sends nothing.
    let all = wrk.export("all");
    let r1 = all.iter().find(|r| &r[0] == "R-1").unwrap();
    let revision = all.iter().find(|r| &r[0] == "R-1~r2").unwrap();
    assert_eq!((&r1[1], &r1[14]), ("deleted", "1"));
    assert_eq!(
        (&revision[1], &revision[13], &revision[14]),
        ("imported", "R-1", "2")
    );
    assert!(!r1[2].is_empty() && !revision[2].is_empty() && r1[2] != revision[2]);
    let status = wrk.status();
    assert_eq!(status["revisions"]["replaced_rows"], 1, "{status}");
    assert_eq!(status["revisions"]["revisions_held"], 1, "{status}");
    assert_eq!(status["revisions"]["to_delete"], 0, "{status}");
    let (code, summary) = import(&live, &wrk, "v2.csv", &["--replace-changed"]);
    assert_eq!((code, &summary["sent"]), (0, &serde_json::json!(0)));

    // A second change (the amount corrected) replaces the revision in turn.
    wrk.create("v3.csv", file(&[row("R-1", 1200, 3), row("R-2", 2000, 3)]));
    let (code, summary) = import(&live, &wrk, "v3.csv", &["--replace-changed"]);
    assert_eq!((code, &summary["replaced"]), (0, &serde_json::json!(1)));
    let now = held(&live);
    let ids: Vec<&str> = now.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["R-1~r3", "R-2"]);
    assert_eq!(now[0].1, body_as(&file(&[row("R-1", 1200, 3)]), "R-1~r3"));
}

#[test]
fn a_revision_whose_answer_was_lost_is_settled_and_its_earlier_reward_deleted_next_run() {
    let live = Live::fast();
    let wrk = Workdir::new();
    wrk.create("v1.csv", file(&[row("R-1", 1000, 2)]));
    wrk.create("v2.csv", file(&[row("R-1", 1000, 3)]));
    assert_eq!(import(&live, &wrk, "v1.csv", &[]).0, 0);

    // Every answer dropped: the revision reaches Feishu, the ledger only knows it may have.
    live.sandbox
        .set_faults(FaultSettings {
            drop_rate: 1.0,
            ..FaultSettings::default()
        })
        .unwrap();
    let (code, summary) = import(
        &live,
        &wrk,
        "v2.csv",
        &["--replace-changed", "--retries", "1"],
    );
    assert_eq!((code, &summary["in_doubt"]), (1, &serde_json::json!(1)));
    let ids: Vec<String> = held(&live).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["R-1", "R-1~r2"], "both held: never neither");
    assert_eq!(
        deletes(&live),
        0,
        "nothing deleted before the revision is known"
    );

    // The next run settles the revision, then deletes the earlier reward.
    live.sandbox.set_faults(FaultSettings::default()).unwrap();
    let (code, summary) = import(&live, &wrk, "v2.csv", &["--replace-changed"]);
    assert_eq!(code, 0, "{summary}");
    assert_eq!(summary["retired"], 1, "{summary}");
    let ids: Vec<String> = held(&live).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["R-1~r2"]);
}

#[test]
fn a_run_stopped_between_the_revision_and_the_delete_is_finished_by_the_next_run() {
    // Each call waits 3 s at the sandbox, so the stop lands while the revision is in flight.
    let live = Live::start(SandboxConfig {
        latency: Duration::from_secs(3),
        ..Live::fast_config()
    });
    let wrk = Workdir::new();
    wrk.create("v1.csv", file(&[row("R-1", 1000, 2)]));
    wrk.create("v2.csv", file(&[row("R-1", 1000, 3)]));
    assert_eq!(import(&live, &wrk, "v1.csv", &[]).0, 0);
    let delay_before = live.state().injected_delay_ms;

    let child = live
        .std_command(
            &wrk,
            &["import", "v2.csv", "--replace-changed", "--no-progress"],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    live.wait_for("the revision's import to arrive", |s| {
        s.injected_delay_ms > delay_before
    });
    let output = signal_and_wait(child, "INT");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(130), "{stdout}");
    // The request in flight was finished and recorded; the delete never left.
    let ids: Vec<String> = held(&live).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["R-1", "R-1~r2"]);
    assert_eq!(deletes(&live), 0);
    let status = wrk.status();
    assert_eq!(status["revisions"]["to_delete"], 1, "{status}");
    assert_eq!(status["imported"], 2, "{status}");

    // Any run finishes it: even one of another file, without the flag.
    wrk.create("other.csv", file(&[row("O-1", 10, 2)]));
    wrk.command(&["status"]).assert().stdout(contains(
        "1 earlier reward still held beside their revisions: the next import deletes them",
    ));
    let (code, summary) = import(&live, &wrk, "other.csv", &[]);
    assert_eq!(code, 0, "{summary}");
    assert_eq!(summary["retired"], 1, "{summary}");
    let ids: Vec<String> = held(&live).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["O-1", "R-1~r2"]);
    assert_eq!(wrk.status()["revisions"]["to_delete"], 0);
}

#[test]
fn more_replacements_than_allowed_are_refused_before_anything_is_sent() {
    let live = Live::fast();
    let wrk = Workdir::new();
    let ids = ["R-1", "R-2", "R-3"];
    let confirmed: Vec<String> = ids.iter().map(|id| row(id, 100, 2)).collect();
    let paid: Vec<String> = ids.iter().map(|id| row(id, 100, 3)).collect();
    wrk.create("v1.csv", file(&confirmed));
    let mut with_new = paid.clone();
    with_new.push(row("N-1", 5, 2));
    wrk.create("v2.csv", file(&with_new));
    assert_eq!(import(&live, &wrk, "v1.csv", &[]).0, 0);
    let before = live.state();

    let refused = "this run would replace 3 rewards changed since they were imported, more than --max-replacements 2; nothing was sent";
    live.command(
        &wrk,
        &[
            "import",
            "v2.csv",
            "--replace-changed",
            "--max-replacements",
            "2",
            "--dry-run",
        ],
    )
    .assert()
    .code(2)
    .stdout(contains("refused: more than --max-replacements 2"))
    .stderr(contains(refused));
    let (code, summary) = import(
        &live,
        &wrk,
        "v2.csv",
        &["--replace-changed", "--max-replacements", "2"],
    );
    assert_eq!(code, 2, "{summary}");
    assert!(
        summary["error"].as_str().unwrap().starts_with(refused),
        "{summary}"
    );
    assert_eq!(summary["sent"], 0, "{summary}");
    let after = live.state();
    assert_eq!(after.reward_receipts, before.reward_receipts);
    assert_eq!(deletes(&live), 0);
    assert!(
        wrk.export("all").iter().all(|r| !r[0].contains('~')),
        "no revision recorded"
    );

    // Allowed: all three replaced, the new row imported.
    let (code, summary) = import(
        &live,
        &wrk,
        "v2.csv",
        &["--replace-changed", "--max-replacements", "3"],
    );
    assert_eq!(code, 0, "{summary}");
    assert_eq!(
        (
            &summary["replaced"],
            &summary["imported"],
            &summary["retired"]
        ),
        (
            &serde_json::json!(3),
            &serde_json::json!(1),
            &serde_json::json!(3)
        )
    );
}

#[test]
fn a_rollback_of_a_replacing_run_deletes_the_revisions_it_created() {
    let live = Live::fast();
    let wrk = Workdir::new();
    wrk.create("v1.csv", file(&[row("R-1", 1000, 2), row("R-2", 5, 2)]));
    wrk.create("v2.csv", file(&[row("R-1", 1000, 3), row("R-2", 5, 2)]));
    assert_eq!(import(&live, &wrk, "v1.csv", &[]).0, 0);
    assert_eq!(import(&live, &wrk, "v2.csv", &["--replace-changed"]).0, 0);
    let replacing = wrk.status()["runs"][0]["id"].as_i64().unwrap();

    live.command(
        &wrk,
        &[
            "rollback",
            "--run",
            &replacing.to_string(),
            "--yes",
            "--no-progress",
        ],
    )
    .assert()
    .code(0);
    // The revision is gone; R-2, imported by the first run, is untouched.
    let ids: Vec<String> = held(&live).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["R-2"]);
    let deleted: Vec<String> = wrk
        .export("deleted")
        .iter()
        .map(|r| r[0].to_owned())
        .collect();
    assert_eq!(deleted, ["R-1", "R-1~r2"]);

    // Rolling back by the file's external_id reaches its revision too.
    assert_eq!(import(&live, &wrk, "v2.csv", &["--replace-changed"]).0, 0);
    let ids: Vec<String> = held(&live).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["R-1~r2", "R-2"]);
    live.command(
        &wrk,
        &["rollback", "--external-id", "R-1", "--yes", "--no-progress"],
    )
    .assert()
    .code(0);
    let ids: Vec<String> = held(&live).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["R-2"]);
}

#[test]
fn a_change_of_referrer_stays_a_conflict_unless_allowed() {
    const OTHER: &str = "ou_0000000000000000000000000000beef";
    let live = Live::fast();
    let wrk = Workdir::new();
    // R-1's referrer changes in the file; R-2's stage alone: only R-2 is replaced.
    wrk.create("v1.csv", file(&[row("R-1", 1000, 3), row("R-2", 2000, 2)]));
    let moved = row("R-1", 1000, 3).replace(REFERRER, OTHER);
    wrk.create("v2.csv", file(&[moved, row("R-2", 2000, 3)]));
    assert_eq!(import(&live, &wrk, "v1.csv", &[]).0, 0);
    let receipts = live.state().reward_receipts;

    // The rehearsal shows the same as the run: R-1 a conflict, R-2 replaced.
    let dry = live
        .command(
            &wrk,
            &["import", "v2.csv", "--replace-changed", "--dry-run"],
        )
        .output()
        .unwrap();
    let dry_out = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry_out.contains("replacing 1 row changed since imported"),
        "{dry_out}"
    );
    assert!(!dry_out.contains("R-1 → R-1~r2"), "{dry_out}");
    assert!(
        dry_out.contains(OTHER) && dry_out.contains(REFERRER),
        "{dry_out}"
    );
    assert_eq!(live.state().reward_receipts, receipts);

    let (code, summary) = import(&live, &wrk, "v2.csv", &["--replace-changed"]);
    assert_eq!(code, 1, "{summary}");
    assert_eq!(summary["conflict"], 1, "{summary}");
    assert_eq!(summary["replaced"], 1, "{summary}");
    assert_eq!(summary["retired"], 1, "{summary}");
    let reason = &summary["reasons"]["conflict"][0];
    let message = reason["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("Feishu holds the reward for \"{REFERRER}\""))
            && message.contains(&format!("the file now gives \"{OTHER}\""))
            && message.contains("--allow-referrer-change"),
        "{message}"
    );
    assert_eq!(reason["at"][0], "R-1 (v2.csv:2)", "{summary}");
    // R-1 neither sent again nor deleted: Feishu still holds it for its first referrer.
    let now = held(&live);
    let ids: Vec<&str> = now.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["R-1", "R-2~r2"]);
    assert!(now[0].1.contains(REFERRER), "{}", now[0].1);
    assert_eq!(live.state().reward_receipts, receipts + 1);
    assert_eq!(deletes(&live), 1);
    let all = wrk.export("all");
    let r1 = all.iter().find(|r| &r[0] == "R-1").unwrap();
    assert_eq!(&r1[1], "conflict");

    // Allowed: R-1 is replaced like any other change.
    let (code, summary) = import(
        &live,
        &wrk,
        "v2.csv",
        &["--replace-changed", "--allow-referrer-change"],
    );
    assert_eq!(code, 0, "{summary}");
    assert_eq!(
        (
            &summary["replaced"],
            &summary["retired"],
            &summary["conflict"]
        ),
        (
            &serde_json::json!(1),
            &serde_json::json!(1),
            &serde_json::json!(0)
        ),
        "{summary}"
    );
    let now = held(&live);
    let ids: Vec<&str> = now.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["R-1~r2", "R-2~r2"]);
    assert!(now[0].1.contains(OTHER), "{}", now[0].1);
    assert_eq!(deletes(&live), 2);
}

#[test]
fn an_email_given_to_another_employee_does_not_move_the_reward_unless_allowed() {
    // The e-mail belonged to ou_leaver; once they left, the company gave it to ou_newcomer.
    let directory = Directory::from_reader(
        "user_id,open_id,union_id,name_zh,name_en,email,mobile_code,mobile_number,resigned\n\
         7000000000000000001,ou_leaver,on_leaver,张三,Zhang San,x@example.com,86,13900000001,false\n\
         7000000000000000002,ou_newcomer,on_newcomer,李四,Li Si,x@example.com,86,13900000002,true\n"
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
        "m.csv",
        "referral_user_email,application_id,external_id,rule_type,stage,point_bonus\n\
         x@example.com,7214,M-1,1,3,100\n",
    );
    assert_eq!(import(&live, &wrk, "m.csv", &[]).0, 0);
    live.sandbox.app_state().people(|p| {
        let directory = p.directory_mut();
        directory.set_resigned(0, true);
        directory.set_resigned(1, false);
    });
    let receipts = live.state().reward_receipts;

    let (code, summary) = import(
        &live,
        &wrk,
        "m.csv",
        &["--refresh-people", "--replace-changed"],
    );
    assert_eq!(code, 1, "{summary}");
    assert_eq!(
        (&summary["conflict"], &summary["replaced"]),
        (&serde_json::json!(1), &serde_json::json!(0)),
        "{summary}"
    );
    let message = summary["reasons"]["conflict"][0]["message"]
        .as_str()
        .unwrap();
    assert!(
        message.contains("\"ou_leaver\"")
            && message.contains("\"ou_newcomer\" (e-mail \"x@example.com\")"),
        "{message}"
    );
    assert_eq!(live.state().reward_receipts, receipts);
    assert_eq!(deletes(&live), 0);
    let ids: Vec<String> = held(&live).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["M-1"]);

    let (code, summary) = import(
        &live,
        &wrk,
        "m.csv",
        &["--replace-changed", "--allow-referrer-change"],
    );
    assert_eq!(code, 0, "{summary}");
    let now = held(&live);
    let ids: Vec<&str> = now.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["M-1~r2"]);
    assert!(now[0].1.contains("ou_newcomer"), "{}", now[0].1);
}
