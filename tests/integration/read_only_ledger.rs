//! `status`, `runs` and `export` only read the ledger, so they read one that its user
//! cannot write: in a directory of another user, or on a read-only file system (a backup,
//! a snapshot, a read-only volume). SQLite's reader of a WAL database creates the log and
//! its index beside the file; where it cannot, the ledger file alone is read when the log
//! holds nothing, and the true reason is given when it holds commits (issue 19: both said
//! "not a rewardsync ledger").
//!
//! Permissions do not bind root, so run as root these tests run the binary as the user
//! `nobody` (65534), for whom a 0555 directory is as read-only as for anyone else. The
//! read-only file system is a read-only bind mount in a new user and mount namespace
//! (`unshare -rm`); where the system allows no namespaces, that test says so and checks
//! nothing.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Live, Workdir};

/// The user the binary runs as when the tests run as root.
const NOBODY: u32 = 65534;

/// A ledger of three imported rewards in `wrk/ledger/rewardsync.db`, closed (its log
/// folded into the file and removed, as every run leaves it).
fn ledger(wrk: &Workdir) -> PathBuf {
    let live = Live::fast();
    wrk.generated("in.csv", 3, "RO");
    std::fs::create_dir(wrk.path("ledger")).unwrap();
    let (code, json) = live.import_json(wrk, &["in.csv", "--ledger", "ledger/rewardsync.db"]);
    assert_eq!(code, 0, "{json}");
    let path = wrk.path("ledger/rewardsync.db");
    assert!(!wrk.path("ledger/rewardsync.db-wal").exists());
    path
}

/// Makes `dir` writable again when dropped, so that the scratch directory can be removed
/// by a user the permissions bind.
struct Writable(PathBuf);

impl Drop for Writable {
    fn drop(&mut self) {
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
    }
}

/// Makes `dir` and its files read-only (0555, 0444), and the scratch directory above it
/// open to every user, until the guard is dropped.
#[must_use]
fn read_only(wrk: &Workdir, dir: &Path) -> Writable {
    for entry in std::fs::read_dir(dir).unwrap() {
        let file = entry.unwrap().path();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    std::fs::set_permissions(wrk.path(""), std::fs::Permissions::from_mode(0o755)).unwrap();
    Writable(dir.to_owned())
}

/// `rewardsync ARGS…` in `wrk`, as a user the permissions bind (`nobody` under root).
fn as_user(wrk: &Workdir, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("rewardsync"));
    cmd.current_dir(wrk.path(""))
        .args(args)
        .env_remove("REWARDSYNC_LEDGER");
    if wrk.path("").metadata().unwrap().uid() == 0 {
        cmd.uid(NOBODY).gid(NOBODY);
    }
    cmd.output().unwrap()
}

fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The names in a directory, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn status_runs_and_export_read_a_ledger_in_a_directory_the_user_cannot_write() {
    let wrk = Workdir::new();
    ledger(&wrk);
    let _writable = read_only(&wrk, &wrk.path("ledger"));
    let ledger = ["--ledger", "ledger/rewardsync.db"];

    let status = as_user(&wrk, &[&["status"][..], &ledger].concat());
    assert_eq!(status.status.code(), Some(0), "{}", text(&status));
    assert!(
        text(&status).contains("  imported   3\n"),
        "{}",
        text(&status)
    );
    let json = as_user(&wrk, &[&["status", "--json"][..], &ledger].concat());
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["imported"], 3, "{json}");

    let runs = as_user(&wrk, &[&["runs"][..], &ledger].concat());
    assert_eq!(runs.status.code(), Some(0), "{}", text(&runs));
    assert!(text(&runs).contains("#1  import"), "{}", text(&runs));

    let export = as_user(
        &wrk,
        &[&["export", "--status", "all"][..], &ledger].concat(),
    );
    assert_eq!(export.status.code(), Some(0), "{}", text(&export));
    let rows = String::from_utf8_lossy(&export.stdout);
    assert_eq!(rows.matches(",imported,").count(), 3, "{rows}");
    // `--status` takes every state the ledger has, by the name `status` shows it under.
    for state in rewardsync::ledger::Status::ALL {
        let export = as_user(
            &wrk,
            &[&["export", "--status", state.as_str()][..], &ledger].concat(),
        );
        assert_eq!(export.status.code(), Some(0), "{state}: {}", text(&export));
        let rows = String::from_utf8_lossy(&export.stdout);
        let expected = if state == rewardsync::ledger::Status::Imported {
            3
        } else {
            0
        };
        assert_eq!(rows.lines().skip(1).count(), expected, "{state}: {rows}");
    }

    // Read without writing a byte: no log or index was left beside it.
    assert_eq!(names(&wrk.path("ledger")), ["rewardsync.db"]);
}

#[test]
fn a_ledger_whose_log_holds_commits_is_refused_with_the_reason_where_it_cannot_be_read() {
    let wrk = Workdir::new();
    let path = ledger(&wrk);
    // A copy taken while a run had commits in its log (a backup of a live ledger).
    std::fs::create_dir(wrk.path("copy")).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    conn.execute("UPDATE rewards SET attempts = attempts + 1", [])
        .unwrap();
    for name in ["rewardsync.db", "rewardsync.db-wal"] {
        std::fs::copy(wrk.path("ledger").join(name), wrk.path("copy").join(name)).unwrap();
    }
    drop(conn);
    let _writable = read_only(&wrk, &wrk.path("copy"));

    let output = as_user(&wrk, &["status", "--ledger", "copy/rewardsync.db"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("not a rewardsync ledger"), "{stderr}");
    for says in [
        "copy/rewardsync.db: cannot read the ledger: its write-ahead log ",
        "rewardsync.db-wal holds commits that are not in the ledger file yet, and SQLite cannot create the log's index ",
        ": Permission denied); run rewardsync as a user who can write ",
        "or copy the ledger and its -wal file together into a directory you can write",
    ] {
        assert!(stderr.contains(says), "{stderr}\nexpected {says}");
    }
    assert_eq!(
        names(&wrk.path("copy")),
        ["rewardsync.db", "rewardsync.db-wal"]
    );
}

#[test]
fn status_reads_a_ledger_on_a_read_only_file_system() {
    let wrk = Workdir::new();
    ledger(&wrk);
    let dir = wrk.path("ledger");
    // Mounted read-only over itself, in namespaces of the child's own; the script fails
    // unless a file cannot be created there.
    let script = r#"mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && ! touch "$1/probe" 2>/dev/null && shift && exec "$@""#;
    let mounted = |args: &[&str]| {
        Command::new("unshare")
            .args(["-rm", "sh", "-c", script, "sh"])
            .arg(&dir)
            .arg(assert_cmd::cargo::cargo_bin("rewardsync"))
            .args(args)
            .current_dir(wrk.path(""))
            .env_remove("REWARDSYNC_LEDGER")
            .output()
    };
    let probe = Command::new("unshare").args(["-rm", "true"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!(
            "skipped: no user and mount namespaces here (unshare -rm), so no read-only mount"
        );
        return;
    }
    let status = mounted(&["status", "--ledger", "ledger/rewardsync.db"]).unwrap();
    assert_eq!(status.status.code(), Some(0), "{}", text(&status));
    assert!(
        text(&status).contains("  imported   3\n"),
        "{}",
        text(&status)
    );
    assert_eq!(names(&dir), ["rewardsync.db"]);
}

#[test]
fn an_older_ledger_that_cannot_be_brought_up_to_date_says_so() {
    let wrk = Workdir::new();
    let path = ledger(&wrk);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    conn.pragma_update(None, "user_version", version - 1)
        .unwrap();
    drop(conn);
    let _writable = read_only(&wrk, &wrk.path("ledger"));

    let output = as_user(&wrk, &["status", "--ledger", "ledger/rewardsync.db"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "ledger/rewardsync.db: cannot read the ledger: it was written by an older rewardsync (schema version {}; this one reads {version}), and bringing it up to date needs writing it (Permission denied); run rewardsync once where the ledger can be written",
            version - 1
        )),
        "{stderr}"
    );
    assert_eq!(names(&wrk.path("ledger")), ["rewardsync.db"]);
}
