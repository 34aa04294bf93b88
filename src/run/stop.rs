//! Stopping a run from outside (SPEC §4): the first Ctrl-C or SIGTERM stops dispatching and
//! lets the requests in flight finish and be recorded; the second exits at once (130),
//! leaving only in-doubt rows, as after a crash.

use tokio::sync::watch;

use crate::report::exit::Exit;
pub use crate::report::exit::Signal;

/// Turns to `Some(signal)` when the run is asked to stop.
pub type Stop = watch::Receiver<Option<Signal>>;

/// A stop that never comes (tests, and commands that cannot be interrupted halfway).
pub fn never() -> Stop {
    let (tx, rx) = watch::channel(None);
    // The receiver keeps the last value once the sender is gone.
    drop(tx);
    rx
}

/// Listens for Ctrl-C and SIGTERM on `runtime`: the first one turns the returned [`Stop`]
/// to its signal; the second exits the process at once with 130.
pub fn listen(runtime: &tokio::runtime::Runtime) -> Stop {
    let (stop, stopped) = watch::channel(None);
    runtime.spawn(async move {
        // One listener for both signals, kept for the second: a signal that arrives while
        // no listener exists would be lost.
        let mut signals = Signals::new();
        let first = signals.next().await;
        eprintln!(
            "rewardsync: {first}: stopping: no new requests; finishing and recording the ones in flight ({first} again to quit at once)"
        );
        let _ = stop.send(Some(first));
        let second = signals.next().await;
        eprintln!(
            "rewardsync: {second} again: quit at once; requests in flight stay in doubt and are settled by the next run"
        );
        std::process::exit(i32::from(Exit::Interrupted.code()));
    });
    stopped
}

/// The process's Ctrl-C and SIGTERM listeners.
struct Signals {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn new() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = signal(SignalKind::interrupt())
                .and_then(|i| Ok((i, signal(SignalKind::terminate())?)))
                .ok();
            Signals { streams }
        }
        #[cfg(not(unix))]
        {
            Signals {}
        }
    }

    /// Resolves on the next Ctrl-C (SIGINT) or SIGTERM, saying which.
    async fn next(&mut self) -> Signal {
        #[cfg(unix)]
        if let Some((interrupt, terminate)) = self.streams.as_mut() {
            return tokio::select! {
                _ = interrupt.recv() => Signal::Interrupt,
                _ = terminate.recv() => Signal::Terminate,
            };
        }
        let _ = tokio::signal::ctrl_c().await;
        Signal::Interrupt
    }
}
