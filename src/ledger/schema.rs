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
    fn a_newer_ledger_is_recognised() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", VERSION + 1)
            .unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), Migrated::Newer(VERSION + 1));
    }
}
