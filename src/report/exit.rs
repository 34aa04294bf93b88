//! The process exit codes of SPEC §3, named, and computed from results rather than
//! scattered; and the signals that end a run with 130.

use std::fmt;
use std::process::ExitCode;

/// How a command ended, as the shell sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: every row is done (valid, or imported in this run or an earlier one).
    Success = 0,
    /// 1: the run finished, but some rows are invalid, unresolved, failed, conflicting,
    /// pending or in doubt.
    Incomplete = 1,
    /// 2: usage, configuration or unreadable input.
    Usage = 2,
    /// 3: stopped by a fatal remote error (credentials, permission, IP allow-list).
    Fatal = 3,
    /// 4: stopped by a local failure after it started (the ledger or an output file could
    /// not be written: disk full, permissions); the ledger holds only committed outcomes.
    LocalFailure = 4,
    /// 130: interrupted by Ctrl-C or SIGTERM after a clean stop.
    Interrupted = 130,
}

impl Exit {
    /// The numeric code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

/// The signal that stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C at a terminal.
    Interrupt,
    /// SIGTERM: what Kubernetes, systemd and `kill` send to stop a job.
    Terminate,
}

impl Signal {
    /// The name a user knows it by.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "Ctrl-C",
            Signal::Terminate => "SIGTERM",
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
