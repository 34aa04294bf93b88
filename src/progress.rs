//! Progress while rows are sent: a bar on a terminal, plain periodic lines in cron logs,
//! nothing with `--no-progress` (SPEC §3). Counting is separate from showing, so the
//! sending code only bumps counters.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// An indicatif bar on stderr.
    Bar,
    /// A plain line on stderr every few seconds.
    Lines,
    /// Nothing.
    Off,
}

impl ProgressMode {
    /// A bar when stderr is a terminal, plain lines otherwise; off when asked.
    pub fn detect(no_progress: bool) -> ProgressMode {
        if no_progress {
            ProgressMode::Off
        } else if std::io::stderr().is_terminal() {
            ProgressMode::Bar
        } else {
            ProgressMode::Lines
        }
    }
}

/// How often plain progress lines are printed.
pub const LINE_INTERVAL: Duration = Duration::from_secs(5);

/// Counts by outcome as rows finish; shared by every sending task.
#[derive(Debug, Default)]
pub struct Tally {
    /// Rows done: imported, registered, deleted.
    pub imported: AtomicU64,
    pub failed: AtomicU64,
    pub pending: AtomicU64,
}

impl Tally {
    /// Rows finished, whatever their outcome.
    pub fn done(&self) -> u64 {
        self.imported.load(Ordering::Relaxed)
            + self.failed.load(Ordering::Relaxed)
            + self.pending.load(Ordering::Relaxed)
    }
}

/// The display of one send phase; dropped or [`Progress::finish`]ed at its end.
pub struct Progress {
    tally: Arc<Tally>,
    bar: Option<ProgressBar>,
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// Starts showing progress towards `total` rows; `done` names what a finished row is
    /// ("imported", "registered", "deleted").
    pub fn start(
        mode: ProgressMode,
        total: u64,
        tally: Arc<Tally>,
        done: &'static str,
    ) -> Progress {
        let stop = Arc::new(AtomicBool::new(false));
        let bar = (mode == ProgressMode::Bar).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} eta {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        let ticker = (mode != ProgressMode::Off).then(|| {
            let tally = Arc::clone(&tally);
            let stop = Arc::clone(&stop);
            let bar = bar.clone();
            std::thread::spawn(move || tick(total, &tally, &stop, bar.as_ref(), done))
        });
        Progress {
            tally,
            bar,
            stop,
            ticker,
        }
    }

    /// The counters to bump.
    pub fn tally(&self) -> &Arc<Tally> {
        &self.tally
    }

    /// Stops the display (the final summary is printed by the caller).
    pub fn finish(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(ticker) = self.ticker.take() {
            let _ = ticker.join();
        }
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn counts(tally: &Tally, done: &str) -> String {
    format!(
        "{done} {}, failed {}, pending {}",
        tally.imported.load(Ordering::Relaxed),
        tally.failed.load(Ordering::Relaxed),
        tally.pending.load(Ordering::Relaxed)
    )
}

fn tick(total: u64, tally: &Tally, stop: &AtomicBool, bar: Option<&ProgressBar>, done_word: &str) {
    let start = Instant::now();
    let mut last_line = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        let done = tally.done();
        let rate = done as f64 / start.elapsed().as_secs_f64().max(0.001);
        if let Some(bar) = bar {
            bar.set_position(done);
            bar.set_message(format!("{rate:.1} rows/s; {}", counts(tally, done_word)));
        } else if last_line.elapsed() >= LINE_INTERVAL {
            last_line = Instant::now();
            let eta = if rate > 0.0 {
                format!("{:.0}s", total.saturating_sub(done) as f64 / rate)
            } else {
                "?".into()
            };
            let _ = writeln!(
                std::io::stderr(),
                "progress: {done}/{total} rows, {rate:.1} rows/s, eta {eta}; {}",
                counts(tally, done_word)
            );
        }
    }
}
