//! The ledger's schema, as a list of forward-only migrations compared with
//! `PRAGMA user_version` inside one exclusive transaction (after cargo's SQLite code).
//!
//! Never remove or edit an entry: a user's ledger is their record of money paid, and it
//! must open with every later version of rewardsync. Add a new entry instead.

use rusqlite::{Connection, TransactionBehavior};

/// The migrations, in order; entry N brings the schema to version N + 1.
const MIGRATIONS: &[&str] = &[
    // 1: target, runs, rewards.
    "CREATE TABLE target (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        base_url TEXT NOT NULL,
        app_id TEXT NOT NULL,
        pinned_at TEXT NOT NULL
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        command TEXT NOT NULL,
        file TEXT,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        counts TEXT,
        exit_code INTEGER
    );
    CREATE TABLE rewards (
        id INTEGER PRIMARY KEY,
        external_id TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        reward_id TEXT,
        body_hash TEXT,
        body TEXT,
        changed_hash TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        error_code INTEGER,
        error_message TEXT,
        log_id TEXT,
        source_file TEXT,
        source_line INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id)
    );
    CREATE INDEX rewards_by_status ON rewards(status);
    CREATE INDEX rewards_by_run ON rewards(run_id, status);",
    // 2: which run imported a reward (for rollback), referral accounts and what was done to them.
    "ALTER TABLE rewards ADD COLUMN imported_by_run INTEGER REFERENCES runs(id);
    UPDATE rewards SET imported_by_run = run_id WHERE status = 'imported';
    CREATE INDEX rewards_by_importing_run ON rewards(imported_by_run, status);
    CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        email TEXT,
        mobile_code TEXT,
        mobile_number TEXT,
        status TEXT NOT NULL,
        account_id TEXT,
        account_status INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        error_code INTEGER,
        error_message TEXT,
        log_id TEXT,
        source_file TEXT,
        source_line INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id)
    );
    CREATE INDEX accounts_by_account_id ON accounts(account_id);
    CREATE TABLE account_events (
        id INTEGER PRIMARY KEY,
        account_id TEXT NOT NULL,
        action TEXT NOT NULL,
        outcome TEXT NOT NULL,
        error_code INTEGER,
        error_message TEXT,
        log_id TEXT,
        at TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id)
    );",
    // 3: a covering index for planning, so a lookup never reads the row itself.
    "CREATE INDEX rewards_lookup ON rewards(external_id, status, body_hash);",
    // 4: the run whose request first left for a row (a rollback of that run covers the row
    // even while it is in doubt) and the user_id_type its body was sent with (a later run
    // settles the doubt with the same one), the pid of each run (named by a second run),
    // and when each endpoint family last sent (a run right after another waits out the
    // rest of that second). Rows already in doubt were last sent by the run that touched
    // them; bodies planned before this version were sent as open_id unless told otherwise.
    "ALTER TABLE rewards ADD COLUMN sent_by_run INTEGER REFERENCES runs(id);
    ALTER TABLE rewards ADD COLUMN user_id_type TEXT;
    UPDATE rewards SET sent_by_run = run_id WHERE status = 'sending';
    ALTER TABLE runs ADD COLUMN pid INTEGER;
    CREATE TABLE pacing (
        family TEXT PRIMARY KEY,
        last_sent_ms INTEGER NOT NULL
    );",
    // 5: the people cache (SPEC §2.3): the id an e-mail or mobile resolved to, per
    // directory (user, talent) and kind of id, with Feishu's status flags and the run that
    // looked it up. People Feishu did not return are not kept: they are looked up again.
    "CREATE TABLE people (
        id INTEGER PRIMARY KEY,
        directory TEXT NOT NULL,
        contact TEXT NOT NULL,
        value TEXT NOT NULL,
        id_type TEXT NOT NULL,
        resolved_id TEXT NOT NULL,
        status TEXT,
        looked_up_at TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id),
        UNIQUE (directory, contact, value, id_type)
    );",
    // 6: replacements (SPEC §7). A reward whose row changed after it was imported is
    // imported again under a revision of its external_id (`{external_id}~rN`), a row of its
    // own; `chain` is the file's external_id on the original and on every revision once it
    // has one, `revision` their number (1 for the original), `head_revision` (on the
    // original) the latest revision planned. The planning index gains head_revision, so a
    // rerun still reads no table row.
    "ALTER TABLE rewards ADD COLUMN chain TEXT;
    ALTER TABLE rewards ADD COLUMN revision INTEGER;
    ALTER TABLE rewards ADD COLUMN head_revision INTEGER;
    CREATE INDEX rewards_by_chain ON rewards(chain, revision) WHERE chain IS NOT NULL;
    DROP INDEX rewards_lookup;
    CREATE INDEX rewards_lookup ON rewards(external_id, status, body_hash, head_revision);",
    // 7: the sheet of a row's workbook (SPEC §2.4): a run may read several files and
    // sheets, and a row's place is `FILE[SHEET]:ROW`. Rows planned before had one file
    // (and one sheet, not recorded): theirs stays empty.
    "ALTER TABLE rewards ADD COLUMN source_sheet TEXT;",
    // 8: when the last calls of a family with a per-minute quota left (the lookups: 1000 a
    // minute), so a run started within the minute of another spends only what is left.
    "CREATE TABLE window_calls (
        family TEXT NOT NULL,
        at_ms INTEGER NOT NULL
    );
    CREATE INDEX window_calls_by_family ON window_calls(family, at_ms);",
];

/// The schema version this build writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// What migrating found.
#[derive(Debug, PartialEq, Eq)]
pub enum Migrated {
    /// The schema is at [`VERSION`].
    Current,
    /// The ledger was written by a newer rewardsync (its version is given).
    Newer(i64),
}

/// Brings the schema up to [`VERSION`], all or nothing.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<Migrated> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    let version: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version > VERSION {
        return Ok(Migrated::Newer(version));
    }
    for migration in &MIGRATIONS[usize::try_from(version).unwrap_or(0)..] {
        tx.execute_batch(migration)?;
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(Migrated::Current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrate_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), Migrated::Current);
        assert_eq!(migrate(&mut conn).unwrap(), Migrated::Current);
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, VERSION);
    }

    #[test]
    fn a_version_1_ledger_keeps_its_rows_and_learns_who_imported_them() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute_batch(
            "INSERT INTO runs (id, command, started_at) VALUES (4, 'import', 'then');
             INSERT INTO rewards (external_id, status, created_at, updated_at, run_id)
             VALUES ('a', 'imported', 'then', 'then', 4), ('b', 'failed', 'then', 'then', 4);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let by: Vec<Option<i64>> = conn
            .prepare("SELECT imported_by_run FROM rewards ORDER BY external_id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(by, [Some(4), None]);
    }

    #[test]
    fn a_version_3_ledger_keeps_its_doubts_with_the_run_that_sent_them() {
        let mut conn = Connection::open_in_memory().unwrap();
        for migration in &MIGRATIONS[..3] {
            conn.execute_batch(migration).unwrap();
        }
        conn.pragma_update(None, "user_version", 3).unwrap();
        conn.execute_batch(
            "INSERT INTO runs (id, command, started_at) VALUES (7, 'import', 'then');
             INSERT INTO rewards (external_id, status, created_at, updated_at, run_id)
             VALUES ('a', 'sending', 'then', 'then', 7), ('b', 'imported', 'then', 'then', 7);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let sent_by: Vec<Option<i64>> = conn
            .prepare("SELECT sent_by_run FROM rewards ORDER BY external_id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(sent_by, [Some(7), None]);
    }

    #[test]
    fn a_version_4_ledger_keeps_its_rewards_and_gains_an_empty_people_cache() {
        let mut conn = Connection::open_in_memory().unwrap();
        for migration in &MIGRATIONS[..4] {
            conn.execute_batch(migration).unwrap();
        }
        conn.pragma_update(None, "user_version", 4).unwrap();
        conn.execute_batch(
            "INSERT INTO rewards (external_id, status, reward_id, created_at, updated_at)
             VALUES ('a', 'imported', '73', 'then', 'then');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let kept: String = conn
            .query_row(
                "SELECT reward_id FROM rewards WHERE external_id = 'a'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kept, "73");
        let people: i64 = conn
            .query_row("SELECT COUNT(*) FROM people", [], |r| r.get(0))
            .unwrap();
        assert_eq!(people, 0);
    }

    #[test]
    fn a_version_5_ledger_keeps_its_rewards_unreplaced() {
        let mut conn = Connection::open_in_memory().unwrap();
        for migration in &MIGRATIONS[..5] {
            conn.execute_batch(migration).unwrap();
        }
        conn.pragma_update(None, "user_version", 5).unwrap();
        conn.execute_batch(
            "INSERT INTO rewards (external_id, status, reward_id, body_hash, created_at, updated_at)
             VALUES ('a', 'imported', '73', 'h', 'then', 'then');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let row: (String, Option<String>, Option<i64>, Option<i64>) = conn
            .query_row(
                "SELECT reward_id, chain, revision, head_revision FROM rewards INDEXED BY rewards_lookup
                 WHERE external_id = 'a' AND body_hash = 'h'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(row, ("73".to_owned(), None, None, None));
    }

    #[test]
    fn a_version_6_ledger_keeps_its_rows_and_gains_sheets_and_window_calls() {
        let mut conn = Connection::open_in_memory().unwrap();
        for migration in &MIGRATIONS[..6] {
            conn.execute_batch(migration).unwrap();
        }
        conn.pragma_update(None, "user_version", 6).unwrap();
        conn.execute_batch(
            "INSERT INTO rewards (external_id, status, source_file, source_line, created_at, updated_at)
             VALUES ('a', 'imported', 'jan.csv', 2, 'then', 'then');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let row: (String, i64, Option<String>) = conn
            .query_row(
                "SELECT source_file, source_line, source_sheet FROM rewards WHERE external_id = 'a'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(row, ("jan.csv".to_owned(), 2, None));
        let calls: i64 = conn
            .query_row("SELECT COUNT(*) FROM window_calls", [], |r| r.get(0))
            .unwrap();
        assert_eq!(calls, 0);
    }

    #[test]
    fn a_newer_ledger_is_recognised() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", VERSION + 1)
            .unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), Migrated::Newer(VERSION + 1));
    }
}
