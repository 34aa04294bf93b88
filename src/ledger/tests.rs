use super::*;
use crate::feishu::Family;

fn planned(external_id: &str, change: Change) -> Planned {
    planned_in(external_id, "f.csv", change)
}

/// A row of `file` (line 2), planned as `change`.
pub(super) fn planned_in(external_id: &str, file: &str, change: Change) -> Planned {
    Planned {
        external_id: external_id.into(),
        change,
        source_file: file.into(),
        source_sheet: None,
        source_line: 2,
    }
}

/// A body to send, hashed as `h-{body}`.
pub(super) fn send(body: &str) -> Change {
    Change::Send {
        body: body.into(),
        hash: format!("h-{body}"),
        user_id_type: crate::feishu::UserIdType::UnionId,
    }
}

fn status_of(ledger: &Ledger, external_id: &str) -> Status {
    ledger.lookup(external_id, "").unwrap().unwrap().status
}

#[test]
fn a_second_open_is_refused_whatever_name_reaches_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.db");
    let first = Ledger::open(&path).unwrap();
    let refused = |other: &Path| {
        let err = Ledger::open(other).unwrap_err();
        assert!(matches!(err, LedgerError::Locked { .. }), "{err}");
        assert!(err.to_string().contains("another rewardsync run"), "{err}");
    };
    refused(&path);
    #[cfg(unix)]
    {
        let link = dir.path().join("link.db");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        refused(&link);
        let hard = dir.path().join("hard.db");
        std::fs::hard_link(&path, &hard).unwrap();
        refused(&hard);
    }
    drop(first);
    Ledger::open(&path).unwrap();
}

#[test]
fn a_directory_or_a_foreign_database_is_not_a_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let err = Ledger::open(dir.path()).unwrap_err();
    assert!(matches!(err, LedgerError::IsDirectory { .. }), "{err}");
    assert!(err.to_string().contains("is a directory"), "{err}");
    let err = Ledger::open_read_only(dir.path()).unwrap_err();
    assert!(matches!(err, LedgerError::IsDirectory { .. }), "{err}");

    let foreign = dir.path().join("other.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE invoices (id INTEGER)")
        .unwrap();
    for err in [
        Ledger::open(&foreign).unwrap_err(),
        Ledger::open_read_only(&foreign).unwrap_err(),
    ] {
        assert!(
            err.to_string().contains(
                "not a rewardsync ledger: it is a SQLite database with other tables (invoices)"
            ),
            "{err}"
        );
    }

    let text = dir.path().join("notes.txt");
    std::fs::write(
        &text,
        "just some text that is long enough to not be a database header",
    )
    .unwrap();
    let err = Ledger::open_read_only(&text).unwrap_err();
    assert!(err.to_string().contains("not a rewardsync ledger"), "{err}");

    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, "").unwrap();
    let err = Ledger::open_read_only(&empty).unwrap_err();
    assert!(
        err.to_string().contains("the file is empty (no schema)"),
        "{err}"
    );
    // An empty file is a new ledger to a run.
    Ledger::open(&empty).unwrap();
}

#[test]
fn target_is_pinned_on_first_use() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&dir.path().join("l.db")).unwrap();
    let sandbox = Target {
        base_url: "http://127.0.0.1:8787".into(),
        app_id: "cli_sandbox".into(),
    };
    ledger.check_target(&sandbox).unwrap();
    ledger.pin_target(&sandbox).unwrap();
    ledger.pin_target(&sandbox).unwrap();
    let real = Target {
        base_url: "https://open.feishu.cn".into(),
        app_id: "cli_real".into(),
    };
    let err = ledger.pin_target(&real).unwrap_err().to_string();
    assert!(
        err.contains("belongs to http://127.0.0.1:8787 (app cli_sandbox) and this run targets https://open.feishu.cn (app cli_real)"),
        "{err}"
    );
    assert!(ledger.check_target(&real).is_err());
}

#[test]
fn an_attempt_that_may_have_left_keeps_the_row_in_doubt_with_the_body_it_sent() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("l.db")).unwrap();
    let run = ledger
        .begin_run(crate::ledger::RunKind::Import, Some("f.csv"))
        .unwrap();
    ledger
        .apply_plan(run, &[planned("a", send("A")), planned("b", send("B"))])
        .unwrap();
    let out = ledger.next_pending(run, 0, 10).unwrap();
    assert_eq!(out.len(), 2);
    ledger.mark_sending(out[0].id, run).unwrap();
    assert_eq!(
        ledger
            .record_imported(out[0].id, "r1", Some("log"), 1)
            .unwrap(),
        Settled::Imported
    );
    // b: retries ran out after timeouts. Never `pending`: Feishu may hold it.
    ledger.mark_sending(out[1].id, run).unwrap();
    let timeout = rewards::Refusal {
        code: None,
        message: "timed out".into(),
        log_id: None,
    };
    ledger
        .record_unsettled(out[1].id, true, Some(&timeout), 6)
        .unwrap();
    assert_eq!(status_of(&ledger, "b"), Status::Sending);
    assert_eq!(ledger.count_in_doubt().unwrap(), 1);

    // The next run's file changed b: the doubt keeps the body that may have been sent.
    let run2 = ledger
        .begin_run(crate::ledger::RunKind::Import, Some("f.csv"))
        .unwrap();
    ledger
        .apply_plan(run2, &[planned("b", send("B2"))])
        .unwrap();
    let doubts = ledger.next_in_doubt(0, 10).unwrap();
    assert_eq!(doubts.len(), 1);
    assert_eq!(doubts[0].body, "B");
    assert!(doubts[0].in_doubt);
    assert_eq!(doubts[0].user_id_type, crate::feishu::UserIdType::UnionId);
    assert!(ledger.next_pending(run2, 0, 10).unwrap().is_empty());
    // Settled: Feishu holds B, the file holds B2: a conflict, not "imported" with B2.
    ledger.mark_sending(doubts[0].id, run2).unwrap();
    assert_eq!(
        ledger.record_imported(doubts[0].id, "r2", None, 1).unwrap(),
        Settled::Conflict
    );
    let known = ledger.lookup("b", "h-B").unwrap().unwrap();
    assert_eq!(known.status, Status::Conflict);
    assert!(known.same_body, "the body Feishu holds is kept");

    // An imported row is never overwritten by an invalid one, and a changed one conflicts.
    ledger
        .apply_plan(
            run2,
            &[
                planned("a", Change::Invalid { errors: "x".into() }),
                planned(
                    "a",
                    Change::Conflict {
                        changed_hash: "h-A2".into(),
                    },
                ),
            ],
        )
        .unwrap();
    assert_eq!(status_of(&ledger, "a"), Status::Conflict);
    ledger
        .apply_plan(run2, &[planned("a", Change::Resolved)])
        .unwrap();
    assert_eq!(status_of(&ledger, "a"), Status::Imported);
}

#[test]
fn an_attempt_that_never_left_goes_back_to_pending_and_an_old_doubt_stays() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("l.db")).unwrap();
    let run = ledger
        .begin_run(crate::ledger::RunKind::Import, Some("f.csv"))
        .unwrap();
    ledger.apply_plan(run, &[planned("a", send("A"))]).unwrap();
    let row = ledger.next_pending(run, 0, 10).unwrap().remove(0);
    ledger.mark_sending(row.id, run).unwrap();
    ledger.record_unsettled(row.id, false, None, 0).unwrap();
    assert_eq!(status_of(&ledger, "a"), Status::Pending);
    ledger.mark_sending(row.id, run).unwrap();
    ledger.record_unsettled(row.id, true, None, 1).unwrap();
    assert_eq!(status_of(&ledger, "a"), Status::Sending);
}

#[test]
fn counts_keep_states_this_build_does_not_know() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.db");
    let mut ledger = Ledger::open(&path).unwrap();
    let run = ledger
        .begin_run(crate::ledger::RunKind::Import, None)
        .unwrap();
    ledger.apply_plan(run, &[planned("a", send("A"))]).unwrap();
    ledger
        .conn
        .execute(
            "INSERT INTO rewards (external_id, status, created_at, updated_at) VALUES ('z', 'replacing', 'now', 'now')",
            [],
        )
        .unwrap();
    let counts = ledger.counts().unwrap();
    assert_eq!(counts.known[&Status::Pending], 1);
    assert_eq!(counts.known[&Status::Unresolved], 0);
    assert_eq!(counts.unknown["replacing"], 1);
}

#[test]
fn pacing_keeps_the_latest_send_per_family() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&dir.path().join("l.db")).unwrap();
    assert_eq!(ledger.last_sent(Family::RewardImport).unwrap(), None);
    ledger
        .record_last_sent(Family::RewardImport, 2_000)
        .unwrap();
    ledger
        .record_last_sent(Family::RewardImport, 1_000)
        .unwrap();
    ledger.record_last_sent(Family::AccountRegister, 5).unwrap();
    assert_eq!(ledger.last_sent(Family::RewardImport).unwrap(), Some(2_000));
    assert_eq!(ledger.last_sent(Family::AccountRegister).unwrap(), Some(5));
}

#[test]
fn the_last_calls_of_a_windowed_family_are_kept_for_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("l.db")).unwrap();
    assert!(
        ledger
            .window_calls(Family::UserLookup, 0)
            .unwrap()
            .is_empty()
    );
    ledger
        .record_window_calls(Family::UserLookup, &[1_000, 2_000, 3_000])
        .unwrap();
    ledger
        .record_window_calls(Family::TalentLookup, &[9])
        .unwrap();
    // Oldest first, from the time asked for.
    assert_eq!(
        ledger.window_calls(Family::UserLookup, 2_000).unwrap(),
        [2_000, 3_000]
    );
    // The next run's record (earlier runs' calls it counted included) replaces them.
    ledger
        .record_window_calls(Family::UserLookup, &[3_000, 4_000])
        .unwrap();
    assert_eq!(
        ledger.window_calls(Family::UserLookup, 0).unwrap(),
        [3_000, 4_000]
    );
    assert_eq!(ledger.window_calls(Family::TalentLookup, 0).unwrap(), [9]);
}

#[test]
fn runs_record_their_pid_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&dir.path().join("l.db")).unwrap();
    let run = ledger
        .begin_run(crate::ledger::RunKind::Import, Some("f.csv"))
        .unwrap();
    ledger
        .end_run(run, &serde_json::json!({"imported": 3}), 0)
        .unwrap();
    let recorded = ledger.run(run).unwrap().unwrap();
    assert_eq!(recorded.pid, Some(i64::from(std::process::id())));
    assert_eq!(recorded.exit_code, Some(0));
    assert_eq!(recorded.counts.unwrap()["imported"], 3);
    assert!(ledger.run(run + 1).unwrap().is_none());
}

#[test]
fn an_unresolved_row_is_kept_unsent_until_its_people_are_found_and_never_hides_an_import() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("l.db")).unwrap();
    let unresolved = |why: &str| Change::Unresolved { errors: why.into() };
    let run = ledger
        .begin_run(crate::ledger::RunKind::Import, Some("f.csv"))
        .unwrap();
    ledger
        .apply_plan(
            run,
            &[
                planned("a", unresolved("no Feishu user has e-mail \"a@x.com\"")),
                planned("b", send("B")),
            ],
        )
        .unwrap();
    assert_eq!(status_of(&ledger, "a"), Status::Unresolved);
    assert_eq!(ledger.counts().unwrap().known[&Status::Unresolved], 1);
    let b = ledger.next_pending(run, 0, 10).unwrap().remove(0);
    assert_eq!(b.external_id, "b", "only b is to send");
    ledger.mark_sending(b.id, run).unwrap();
    ledger.record_imported(b.id, "r1", None, 1).unwrap();

    // Next run: a's referrer was added to the directory; b's is gone from it.
    let run2 = ledger
        .begin_run(crate::ledger::RunKind::Import, Some("f.csv"))
        .unwrap();
    ledger
        .apply_plan(
            run2,
            &[
                planned("a", send("A")),
                planned("b", unresolved("no Feishu user has e-mail \"b@x.com\"")),
            ],
        )
        .unwrap();
    assert_eq!(status_of(&ledger, "a"), Status::Pending);
    assert_eq!(status_of(&ledger, "b"), Status::Imported, "Feishu holds b");
}

/// Issue 22: a row whose people could not be looked up is pending with no body (so no
/// body planned before is sent), and never hides an import.
#[test]
fn a_row_awaiting_its_people_is_pending_without_a_body_and_never_hides_an_import() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("l.db")).unwrap();
    let awaiting = || Change::AwaitingPeople {
        errors: "e-mail \"a@x.com\" could not be looked up".into(),
    };
    let run = ledger
        .begin_run(crate::ledger::RunKind::Import, Some("f.csv"))
        .unwrap();
    ledger
        .apply_plan(run, &[planned("a", send("A")), planned("b", send("B"))])
        .unwrap();
    let b = ledger.next_pending(run, 0, 10).unwrap().remove(1);
    ledger.mark_sending(b.id, run).unwrap();
    ledger.record_imported(b.id, "r1", None, 1).unwrap();

    // Next run: a's planned body is not sent (its people could not be looked up), and
    // b stays imported.
    let run2 = ledger
        .begin_run(crate::ledger::RunKind::Import, Some("f.csv"))
        .unwrap();
    ledger
        .apply_plan(
            run2,
            &[
                planned("a", awaiting()),
                planned("b", awaiting()),
                planned("c", awaiting()),
            ],
        )
        .unwrap();
    assert_eq!(status_of(&ledger, "a"), Status::Pending);
    assert_eq!(status_of(&ledger, "c"), Status::Pending);
    assert_eq!(status_of(&ledger, "b"), Status::Imported, "Feishu holds b");
    assert_eq!(ledger.count_pending(run2).unwrap(), 0, "nothing to send");
    assert!(ledger.next_pending(run2, 0, 10).unwrap().is_empty());
}
