//! One run at a time per ledger *file*: an OS lock (`flock`) on the ledger file itself, so
//! the same ledger reached through a symlink, a hard link or a relative path is one lock,
//! and there is no lock file to delete by mistake. The kernel releases it when the process
//! ends however it ends (kill -9 included), so a crash never leaves a stale lock.
//!
//! `flock` locks are separate from the POSIX record locks SQLite takes on the same file,
//! so the two never interfere — but closing *any* handle of a file drops the process's
//! POSIX locks on it, so the handle here is closed only after the connection (see
//! `Ledger`'s field order). The ledger must live on a local file system: NFS emulates
//! `flock` with record locks.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

/// The held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct RunLock {
    file: File,
}

impl RunLock {
    /// How many hard links the ledger file has.
    pub fn links(&self) -> u64 {
        self.file.metadata().map_or(1, |m| link_count(&m))
    }
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub enum LockFailure {
    /// Another process (or another open ledger in this one) holds it.
    Held,
    /// The path is a directory.
    IsDirectory,
    /// The file could not be opened or locked.
    Io(std::io::Error),
}

/// Takes the lock at once (creating an empty ledger file if there is none), or says why not.
pub fn acquire(ledger: &Path) -> Result<RunLock, LockFailure> {
    if ledger.is_dir() {
        return Err(LockFailure::IsDirectory);
    }
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(ledger)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::IsADirectory => LockFailure::IsDirectory,
            _ => LockFailure::Io(e),
        })?;
    match file.try_lock() {
        Ok(()) => Ok(RunLock { file }),
        Err(TryLockError::WouldBlock) => Err(LockFailure::Held),
        Err(TryLockError::Error(e)) => Err(LockFailure::Io(e)),
    }
}

/// How many hard links the file at `path` has (1 when it cannot be told).
pub fn links(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(1, |m| link_count(&m))
}

#[cfg(unix)]
fn link_count(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn link_count(_meta: &std::fs::Metadata) -> u64 {
    1
}
