//! The ledger's own thread: rusqlite's `Connection` is not `Sync`, and SQLite work must not
//! block the async runtime, so one thread owns the ledger and async tasks send it jobs.

use std::sync::mpsc;

use super::{Ledger, LedgerError};

type Job = Box<dyn FnOnce(&mut Ledger) + Send>;

/// A cloneable handle to the ledger thread. The thread ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub struct LedgerHandle {
    jobs: mpsc::Sender<Job>,
}

impl LedgerHandle {
    /// Moves the ledger onto its own thread.
    pub fn spawn(mut ledger: Ledger) -> Result<LedgerHandle, LedgerError> {
        let (jobs, inbox) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("ledger".into())
            .spawn(move || {
                for job in inbox {
                    job(&mut ledger);
                }
            })
            .map_err(|_| LedgerError::WorkerGone)?;
        Ok(LedgerHandle { jobs })
    }

    /// Runs `job` on the ledger thread and waits for its result; each job is one or more
    /// short transactions, committed before the answer comes back.
    pub async fn call<T, F>(&self, job: F) -> Result<T, LedgerError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ledger) -> Result<T, LedgerError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |ledger| {
                let _ = reply.send(job(ledger));
            }))
            .map_err(|_| LedgerError::WorkerGone)?;
        answer.await.map_err(|_| LedgerError::WorkerGone)?
    }
}
