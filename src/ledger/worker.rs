//! The ledger's own thread: rusqlite's `Connection` is not `Sync`, and SQLite work must not
//! block the async runtime, so one thread owns the ledger and async tasks send it jobs.

use std::sync::mpsc;

use super::{Ledger, LedgerError};

type Job = Box<dyn FnOnce(&mut Ledger) + Send>;

enum Message {
    Run(Job),
    /// Drop the ledger (closing it and releasing the run lock), then answer.
    Close(mpsc::SyncSender<()>),
}

/// A cloneable handle to the ledger thread.
#[derive(Debug, Clone)]
pub struct LedgerHandle {
    inbox: mpsc::Sender<Message>,
}

impl LedgerHandle {
    /// Moves the ledger onto its own thread.
    pub fn spawn(ledger: Ledger) -> Result<LedgerHandle, LedgerError> {
        let (inbox, messages) = mpsc::channel::<Message>();
        std::thread::Builder::new()
            .name("ledger".into())
            .spawn(move || {
                let mut ledger = Some(ledger);
                for message in messages {
                    match message {
                        // After a close, a job is dropped unrun: its caller sees WorkerGone.
                        Message::Run(job) => {
                            if let Some(ledger) = ledger.as_mut() {
                                job(ledger);
                            }
                        }
                        Message::Close(done) => {
                            ledger = None;
                            let _ = done.send(());
                        }
                    }
                }
            })
            .map_err(|_| LedgerError::WorkerGone)?;
        Ok(LedgerHandle { inbox })
    }

    /// Runs `job` on the ledger thread and waits for its result; each job is one or more
    /// short transactions, committed before the answer comes back.
    pub async fn call<T, F>(&self, job: F) -> Result<T, LedgerError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ledger) -> Result<T, LedgerError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.inbox
            .send(Message::Run(Box::new(move |ledger| {
                let _ = reply.send(job(ledger));
            })))
            .map_err(|_| LedgerError::WorkerGone)?;
        answer.await.map_err(|_| LedgerError::WorkerGone)?
    }

    /// [`LedgerHandle::call`] for synchronous code (planning, which streams the file on
    /// its own threads). Never call it from inside the async runtime.
    pub fn call_blocking<T, F>(&self, job: F) -> Result<T, LedgerError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ledger) -> Result<T, LedgerError> + Send + 'static,
    {
        self.call_later(job)?.wait()
    }

    /// Queues `job` on the ledger thread without waiting: its result is waited for later
    /// ([`Pending::wait`]), so the caller works meanwhile (the plan decides one chunk while
    /// the next is looked up). Never wait from inside the async runtime.
    pub fn call_later<T, F>(&self, job: F) -> Result<Pending<T>, LedgerError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ledger) -> Result<T, LedgerError> + Send + 'static,
    {
        let (reply, answer) = mpsc::sync_channel(1);
        self.inbox
            .send(Message::Run(Box::new(move |ledger| {
                let _ = reply.send(job(ledger));
            })))
            .map_err(|_| LedgerError::WorkerGone)?;
        Ok(Pending(answer))
    }

    /// Closes the ledger and releases its run lock, once every job sent before has run,
    /// so a next run may start at once.
    pub fn close(&self) {
        let (done, closed) = mpsc::sync_channel(1);
        if self.inbox.send(Message::Close(done)).is_ok() {
            let _ = closed.recv();
        }
    }
}

/// A job queued by [`LedgerHandle::call_later`].
#[derive(Debug)]
pub struct Pending<T>(mpsc::Receiver<Result<T, LedgerError>>);

impl<T> Pending<T> {
    /// Waits for the job's result.
    pub fn wait(self) -> Result<T, LedgerError> {
        self.0.recv().map_err(|_| LedgerError::WorkerGone)?
    }
}
