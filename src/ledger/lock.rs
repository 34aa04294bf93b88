//! One run at a time per ledger: an OS file lock on `LEDGER.lock`, released by the kernel
//! when the process ends however it ends (kill -9 included), so a crash never leaves a
//! stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub enum LockFailure {
    /// Another process holds it; its pid, if it wrote one.
    Held { pid: Option<u32> },
    /// The lock file could not be opened or locked.
    Io(std::io::Error),
}

/// The lock file beside a ledger.
pub fn lock_path(ledger: &Path) -> PathBuf {
    let mut name = ledger.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the lock at once, or says who holds it.
pub fn acquire(ledger: &Path) -> Result<RunLock, LockFailure> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(lock_path(ledger))
        .map_err(LockFailure::Io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            return Err(LockFailure::Held {
                pid: text.trim().parse().ok(),
            });
        }
        Err(TryLockError::Error(e)) => return Err(LockFailure::Io(e)),
    }
    // The pid is only for the message a second run prints.
    let _ = file.set_len(0);
    let _ = file.seek(SeekFrom::Start(0));
    let _ = write!(file, "{}", std::process::id());
    let _ = file.flush();
    Ok(RunLock { _file: file })
}
