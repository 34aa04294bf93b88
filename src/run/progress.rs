//! Progress while items are sent: a bar on a terminal, plain periodic lines in cron logs,
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

/// Items finished so far, by kind; shared by every sending task.
#[derive(Debug, Default)]
pub struct Tally {
    /// Done: imported, deleted, registered…
    pub done: AtomicU64,
    /// Refused by Feishu.
    pub failed: AtomicU64,
    /// Left for the next run: in doubt or not sent.
    pub left: AtomicU64,
    /// Items the phases have taken on so far.
    pub total: AtomicU64,
}

impl Tally {
    /// Items finished, whatever their outcome.
    pub fn finished(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
            + self.failed.load(Ordering::Relaxed)
            + self.left.load(Ordering::Relaxed)
    }
}

/// The display of one run's sending; dropped or [`Progress::finish`]ed at its end.
pub struct Progress {
    bar: Option<ProgressBar>,
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// Starts showing `tally` (its total may grow as phases start); `done` names what a
    /// finished item is ("imported", "deleted", "registered").
    pub fn start(mode: ProgressMode, tally: Arc<Tally>, done: &'static str) -> Progress {
        let stop = Arc::new(AtomicBool::new(false));
        let bar = (mode == ProgressMode::Bar).then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(tally.total.load(Ordering::Relaxed)),
                ProgressDrawTarget::stderr(),
            );
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} eta {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        let ticker = (mode != ProgressMode::Off).then(|| {
            let stop = Arc::clone(&stop);
            let bar = bar.clone();
            std::thread::spawn(move || tick(&tally, &stop, bar.as_ref(), done))
        });
        Progress { bar, stop, ticker }
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
        "{done} {}, failed {}, left for the next run {}",
        tally.done.load(Ordering::Relaxed),
        tally.failed.load(Ordering::Relaxed),
        tally.left.load(Ordering::Relaxed)
    )
}

fn tick(tally: &Tally, stop: &AtomicBool, bar: Option<&ProgressBar>, done_word: &str) {
    let start = Instant::now();
    let mut last_line = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        let finished = tally.finished();
        let total = tally.total.load(Ordering::Relaxed);
        let seconds = start.elapsed().as_secs_f64();
        // A rate over the first moments is noise.
        let rate = (seconds >= 1.0).then(|| finished as f64 / seconds);
        let shown_rate = rate.map_or_else(|| "…".to_owned(), |r| format!("{r:.1}"));
        if let Some(bar) = bar {
            bar.set_length(total);
            bar.set_position(finished);
            bar.set_message(format!("{shown_rate}/s; {}", counts(tally, done_word)));
        } else if last_line.elapsed() >= LINE_INTERVAL {
            last_line = Instant::now();
            let eta = match rate {
                Some(rate) if rate > 0.0 => {
                    format!("{:.0} s", total.saturating_sub(finished) as f64 / rate)
                }
                _ => "?".into(),
            };
            let _ = writeln!(
                std::io::stderr(),
                "progress: {finished}/{total}, {shown_rate}/s, eta {eta}; {}",
                counts(tally, done_word)
            );
        }
    }
}
