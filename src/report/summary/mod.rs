//! How a run ended, for every command alike: counts by [`Outcome`], the reasons behind
//! them grouped (failures by Feishu's code, invalid rows by rule, doubts by fault), how it
//! ended ([`End`]), and the one exit computation (SPEC §3).
//!
//! The words differ by command (a row is "imported", a reward "deleted", an account
//! "registered"): a [`Vocabulary`] names them, so the same summary reads right for each.

mod print;

pub use print::{print, print_end};

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::ledger::Target;
use crate::read::mapping::HiddenRowsWarning;
use crate::report::exit::Exit;
use crate::report::exit::Signal;

/// What one item of a run ended in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Done by this run: imported, deleted, registered, enabled…
    Done,
    /// Done by this run under a new revision, replacing what an earlier run did (an
    /// import's `--replace-changed`, SPEC §7).
    Replaced,
    /// Done by an earlier run: nothing to send.
    AlreadyDone,
    /// Refused by Feishu in this run, for good.
    Failed,
    /// Refused in an earlier run; not resent without `--retry-failed`.
    FailedEarlier,
    /// The row breaks a rule: not sent, checked again next run.
    Invalid,
    /// A person it names is unknown to Feishu: not sent, looked up again next run.
    Unresolved,
    /// Changed since it was imported: Feishu keeps the first body; not sent.
    Conflict,
    /// Its request may have been carried out: the next run settles it.
    InDoubt,
    /// Certainly not carried out: the next run sends it.
    Pending,
    /// Not a reward (a totals or note row, SPEC §2.4): nothing to do.
    Skipped,
    /// Invalid in this file, but its external_id is already imported from a corrected copy
    /// or another file (SPEC §2.4): nothing to fix here.
    FixedElsewhere,
}

impl Outcome {
    /// Every outcome, in the order summaries list them.
    pub const ALL: [Outcome; 12] = [
        Outcome::Done,
        Outcome::Replaced,
        Outcome::AlreadyDone,
        Outcome::Failed,
        Outcome::FailedEarlier,
        Outcome::Invalid,
        Outcome::Unresolved,
        Outcome::Conflict,
        Outcome::InDoubt,
        Outcome::Pending,
        Outcome::Skipped,
        Outcome::FixedElsewhere,
    ];

    /// True for outcomes that leave work for the user or the next run (exit 1).
    pub fn is_outstanding(self) -> bool {
        !matches!(
            self,
            Outcome::Done
                | Outcome::Replaced
                | Outcome::AlreadyDone
                | Outcome::Skipped
                | Outcome::FixedElsewhere
        )
    }
}

/// The words of one command's summary: its JSON keys and text labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vocabulary {
    /// What one item is ("row", "reward", "account").
    pub noun: &'static str,
    /// Key and label of [`Outcome::Done`] ("imported", "imported now").
    pub done: (&'static str, &'static str),
    /// Key and label of [`Outcome::AlreadyDone`].
    pub already_done: (&'static str, &'static str),
    /// Key and label of [`Outcome::Failed`].
    pub failed: (&'static str, &'static str),
    /// Key and label of [`Outcome::Replaced`], for a command that replaces (None: it never
    /// does, and its JSON has no such key).
    pub replaced: Option<(&'static str, &'static str)>,
    /// Key and label of [`Outcome::Skipped`], for a command whose input may hold rows that
    /// are no items (None: it never skips, and its JSON has no such key).
    pub skipped: Option<(&'static str, &'static str)>,
    /// Key and label of [`Outcome::FixedElsewhere`], for a command that reads rows another
    /// file may have fixed (None: its JSON has no such key).
    pub fixed_elsewhere: Option<(&'static str, &'static str)>,
}

impl Vocabulary {
    /// The JSON key of an outcome.
    pub fn key(&self, outcome: Outcome) -> &'static str {
        match outcome {
            Outcome::Done => self.done.0,
            Outcome::Replaced => self.replaced.map_or("replaced", |r| r.0),
            Outcome::AlreadyDone => self.already_done.0,
            Outcome::Failed => self.failed.0,
            Outcome::FailedEarlier => "previously_failed",
            Outcome::Invalid => "invalid",
            Outcome::Unresolved => "unresolved",
            Outcome::Conflict => "conflict",
            Outcome::InDoubt => "in_doubt",
            Outcome::Pending => "pending",
            Outcome::Skipped => self.skipped.map_or("skipped", |s| s.0),
            Outcome::FixedElsewhere => self.fixed_elsewhere.map_or("imported_elsewhere", |f| f.0),
        }
    }

    /// The text label of an outcome.
    pub fn label(&self, outcome: Outcome) -> &'static str {
        match outcome {
            Outcome::Done => self.done.1,
            Outcome::Replaced => self.replaced.map_or("replaced", |r| r.1),
            Outcome::AlreadyDone => self.already_done.1,
            Outcome::Failed => self.failed.1,
            Outcome::FailedEarlier => "failed earlier",
            Outcome::Invalid => "invalid",
            Outcome::Unresolved => "unresolved",
            Outcome::Conflict => "conflict",
            Outcome::InDoubt => "in doubt",
            Outcome::Pending => "pending",
            Outcome::Skipped => self.skipped.map_or("skipped", |s| s.1),
            Outcome::FixedElsewhere => self.fixed_elsewhere.map_or("imported elsewhere", |f| f.1),
        }
    }
}

/// How many places a group names before it only counts.
pub const PLACES_SHOWN: usize = 5;

/// Distinct groups kept per outcome; beyond, items are counted under "other".
const GROUPS_KEPT: usize = 20;

/// Where an item is, for a reason's list of places: "line 12", or an id, with the order
/// the list keeps (the first lines of the file, whatever order answers came in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// What the list is sorted by.
    pub order: i64,
    /// What it shows.
    pub text: String,
}

impl Place {
    /// A line of the file.
    pub fn line(line: i64) -> Place {
        Place::position("line", line)
    }

    /// A position in the file, by what the file calls it: `line 12`, `row 12`.
    pub fn position(word: &str, at: i64) -> Place {
        Place {
            order: at,
            text: format!("{word} {at}"),
        }
    }

    /// Anything else, in `order`.
    pub fn named(order: i64, text: String) -> Place {
        Place { order, text }
    }
}

/// Items that share a reason: one code, one rule, one fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// What groups them: a code, `column:rule`, a fault.
    pub key: String,
    /// The reason in words, as the first item met it.
    pub message: String,
    /// How many items.
    pub count: u64,
    /// The first items' places: "line 12", or an id.
    pub at: Vec<String>,
    /// The order of each place in `at`.
    #[serde(skip)]
    orders: Vec<i64>,
}

impl Group {
    /// Keeps `place` if it is among the first [`PLACES_SHOWN`].
    fn keep(&mut self, place: Place) {
        let index = self.orders.partition_point(|o| *o <= place.order);
        if index >= PLACES_SHOWN {
            return;
        }
        self.orders.insert(index, place.order);
        self.at.insert(index, place.text);
        self.orders.truncate(PLACES_SHOWN);
        self.at.truncate(PLACES_SHOWN);
    }
}

/// The reasons behind each outcome, grouped; bounded whatever the number of items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reasons {
    groups: BTreeMap<Outcome, Vec<Group>>,
}

impl Reasons {
    /// Counts one item under `key` with its reason and place.
    pub fn add(&mut self, outcome: Outcome, key: &str, message: &str, at: Option<Place>) {
        let groups = self.groups.entry(outcome).or_default();
        let index = match groups.iter().position(|g| g.key == key) {
            Some(i) => i,
            None if groups.len() < GROUPS_KEPT => {
                groups.push(Group {
                    key: key.to_owned(),
                    message: message.to_owned(),
                    count: 0,
                    at: Vec::new(),
                    orders: Vec::new(),
                });
                groups.len() - 1
            }
            None => match groups.iter().position(|g| g.key == "other") {
                Some(i) => i,
                None => {
                    groups.push(Group {
                        key: "other".to_owned(),
                        message: "other reasons".to_owned(),
                        count: 0,
                        at: Vec::new(),
                        orders: Vec::new(),
                    });
                    groups.len() - 1
                }
            },
        };
        let group = &mut groups[index];
        group.count += 1;
        if let Some(place) = at {
            group.keep(place);
        }
    }

    /// The groups of one outcome, largest first; equal ones in the order the file meets them.
    pub fn of(&self, outcome: Outcome) -> Vec<&Group> {
        let mut groups: Vec<&Group> = self
            .groups
            .get(&outcome)
            .map(|g| g.iter().collect())
            .unwrap_or_default();
        let first = |g: &Group| g.orders.first().copied().unwrap_or(i64::MAX);
        groups.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| first(a).cmp(&first(b)))
                .then_with(|| a.key.cmp(&b.key))
        });
        groups
    }

    /// Adds another run phase's reasons.
    pub fn merge(&mut self, other: Reasons) {
        for (outcome, groups) in other.groups {
            for group in groups {
                for _ in 0..group.count.saturating_sub(group.at.len() as u64) {
                    self.add(outcome, &group.key, &group.message, None);
                }
                for (order, text) in group.orders.into_iter().zip(group.at) {
                    self.add(
                        outcome,
                        &group.key,
                        &group.message,
                        Some(Place { order, text }),
                    );
                }
            }
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// It ran to its end (some items may still be outstanding).
    Completed,
    /// A signal stopped it cleanly.
    Interrupted(Signal),
    /// A fatal answer (credentials, permission, IP allow-list) stopped it.
    Fatal {
        /// What Feishu said.
        message: String,
        /// What to fix.
        advice: Option<String>,
    },
    /// The input could not be read (nothing was sent).
    BadInput {
        /// What is wrong and where.
        message: String,
    },
    /// Something local could not be written after the run started (disk full,
    /// permissions): the ledger holds only committed outcomes and doubts.
    LocalFailure {
        /// What could not be written, and why.
        message: String,
    },
}

/// A file the run wrote for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WrittenFile {
    /// Where.
    pub path: String,
    /// How many rows.
    pub rows: u64,
}

/// How one run of a command ended.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The command ("import", "rollback", "accounts register", …).
    pub command: String,
    /// Its words.
    pub words: Vocabulary,
    /// A dry run: nothing sent, nothing written.
    pub dry_run: bool,
    /// The file it read.
    pub file: Option<String>,
    /// What the run was about, for the summary's first line when it is not a file
    /// ("run #3" for a rollback).
    pub subject: Option<String>,
    /// The ledger.
    pub ledger: Option<String>,
    /// The tenant.
    pub target: Option<Target>,
    /// The run's id in the ledger.
    pub run_id: Option<i64>,
    /// Items considered: rows of the file, rewards covered, ids given.
    pub items: u64,
    /// Items by outcome.
    pub counts: BTreeMap<Outcome, u64>,
    /// Warnings over all rows.
    pub warnings: u64,
    /// Requests that left (every attempt, retries included).
    pub sent: u64,
    /// Of those, the people lookups (SPEC §2.3).
    pub lookups: u64,
    /// Earlier rewards deleted because a revision replaced them (SPEC §7).
    pub retired: u64,
    /// 429s waited out.
    pub rate_limited: u64,
    /// Transient faults retried.
    pub retried: u64,
    /// The reasons behind the outcomes.
    pub reasons: Reasons,
    /// The errors or result file written.
    pub written: Option<WrittenFile>,
    /// The whole run.
    pub elapsed: Duration,
    /// The sending phases.
    pub sending: Duration,
    /// How it ended.
    pub end: End,
    /// Sheets left out (`FILE[SHEET]`, why): a `'*'` sheet whose header is not the first's.
    pub skipped_parts: Vec<(String, String)>,
    /// Rows hidden in a workbook and read: one warning a sheet (SPEC §2.4).
    pub hidden_rows: Vec<HiddenRowsWarning>,
    /// Fields only this command has, for `--json` (the plan, a rollback's selection, …).
    pub extra: Map<String, Value>,
}

impl Summary {
    /// An empty summary of `command`.
    pub fn new(command: &str, words: Vocabulary) -> Summary {
        Summary {
            command: command.to_owned(),
            words,
            dry_run: false,
            file: None,
            subject: None,
            ledger: None,
            target: None,
            run_id: None,
            items: 0,
            counts: BTreeMap::new(),
            warnings: 0,
            sent: 0,
            lookups: 0,
            retired: 0,
            rate_limited: 0,
            retried: 0,
            reasons: Reasons::default(),
            written: None,
            elapsed: Duration::ZERO,
            sending: Duration::ZERO,
            end: End::Completed,
            skipped_parts: Vec::new(),
            hidden_rows: Vec::new(),
            extra: Map::new(),
        }
    }

    /// Counts `n` items as `outcome`.
    pub fn count(&mut self, outcome: Outcome, n: u64) {
        if n > 0 {
            *self.counts.entry(outcome).or_default() += n;
        }
    }

    /// How many items ended as `outcome`.
    pub fn get(&self, outcome: Outcome) -> u64 {
        self.counts.get(&outcome).copied().unwrap_or(0)
    }

    /// Items left for the user or the next run.
    pub fn outstanding(&self) -> u64 {
        self.counts
            .iter()
            .filter(|(o, _)| o.is_outstanding())
            .map(|(_, n)| n)
            .sum()
    }

    /// Items done per second of sending, once sending took at least a second (a rate over
    /// a few milliseconds means nothing).
    pub fn rate(&self) -> Option<f64> {
        let seconds = self.sending.as_secs_f64();
        (seconds >= 1.0).then(|| self.get(Outcome::Done) as f64 / seconds)
    }

    /// Ends the run with `end`, unless it already ended otherwise (the first reason wins).
    pub fn end_with(&mut self, end: End) {
        if self.end == End::Completed {
            self.end = end;
        }
    }

    /// The exit code this run calls for (SPEC §3).
    pub fn exit(&self) -> Exit {
        match &self.end {
            End::Fatal { .. } => Exit::Fatal,
            End::LocalFailure { .. } => Exit::LocalFailure,
            End::BadInput { .. } => Exit::Usage,
            End::Interrupted(_) => Exit::Interrupted,
            End::Completed if self.outstanding() > 0 => Exit::Incomplete,
            End::Completed => Exit::Success,
        }
    }

    /// The error that ended the run, in words (None when it completed or was stopped).
    pub fn error(&self) -> Option<String> {
        match &self.end {
            End::Completed | End::Interrupted(_) => None,
            End::Fatal { message, .. }
            | End::BadInput { message }
            | End::LocalFailure { message } => Some(message.clone()),
        }
    }

    /// One JSON object: counts under the command's words, the reasons, how it ended.
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("command".into(), json!(self.command));
        object.insert("dry_run".into(), json!(self.dry_run));
        object.insert("file".into(), json!(self.file));
        object.insert("ledger".into(), json!(self.ledger));
        object.insert("target".into(), json!(self.target));
        object.insert("run_id".into(), json!(self.run_id));
        object.insert("rows".into(), json!(self.items));
        for outcome in Outcome::ALL {
            if (outcome == Outcome::Replaced && self.words.replaced.is_none())
                || (outcome == Outcome::Skipped && self.words.skipped.is_none())
                || (outcome == Outcome::FixedElsewhere && self.words.fixed_elsewhere.is_none())
            {
                continue;
            }
            object.insert(self.words.key(outcome).into(), json!(self.get(outcome)));
        }
        object.insert("warnings".into(), json!(self.warnings));
        object.insert("sent".into(), json!(self.sent));
        object.insert("lookups".into(), json!(self.lookups));
        if self.words.replaced.is_some() {
            object.insert("retired".into(), json!(self.retired));
        }
        object.insert("rate_limited".into(), json!(self.rate_limited));
        object.insert("retried".into(), json!(self.retried));
        object.insert(
            "elapsed_seconds".into(),
            json!(round_ms(self.elapsed.as_secs_f64())),
        );
        object.insert(
            "send_seconds".into(),
            json!(round_ms(self.sending.as_secs_f64())),
        );
        object.insert("rate".into(), json!(self.rate().map(round_ms)));
        let mut reasons = Map::new();
        for outcome in Outcome::ALL {
            let groups = self.reasons.of(outcome);
            if !groups.is_empty() {
                reasons.insert(self.words.key(outcome).into(), json!(groups));
            }
        }
        object.insert("reasons".into(), Value::Object(reasons));
        object.insert("written".into(), json!(self.written));
        let (interrupted, signal) = match &self.end {
            End::Interrupted(signal) => (true, Some(signal.name())),
            _ => (false, None),
        };
        object.insert("interrupted".into(), json!(interrupted));
        object.insert("signal".into(), json!(signal));
        let (fatal, advice) = match &self.end {
            End::Fatal { message, advice } => (Some(message), advice.as_ref()),
            _ => (None, None),
        };
        object.insert("fatal".into(), json!(fatal));
        object.insert("advice".into(), json!(advice));
        object.insert("error".into(), json!(self.error()));
        if !self.skipped_parts.is_empty() {
            let skipped: Vec<Value> = self
                .skipped_parts
                .iter()
                .map(|(at, why)| json!({"at": at, "why": why}))
                .collect();
            object.insert("skipped_sheets".into(), Value::Array(skipped));
        }
        if !self.hidden_rows.is_empty() {
            object.insert("hidden_rows".into(), json!(self.hidden_rows));
        }
        for (key, value) in &self.extra {
            object.insert(key.clone(), value.clone());
        }
        object.insert("exit_code".into(), json!(self.exit().code()));
        Value::Object(object)
    }
}

fn round_ms(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// Words of rows, as the import uses them, for the tests of the summary's mechanics here
/// (a summary knows no command: the commands' own words are theirs).
#[cfg(test)]
pub(crate) const TEST_WORDS: Vocabulary = Vocabulary {
    noun: "row",
    done: ("imported", "imported now"),
    already_done: ("already_imported", "already imported"),
    failed: ("failed", "failed"),
    replaced: Some(("replaced", "replaced now")),
    skipped: Some(("skipped", "skipped")),
    fixed_elsewhere: Some(("imported_elsewhere", "imported elsewhere")),
};

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: Vocabulary = TEST_WORDS;

    #[test]
    fn exit_follows_the_end_then_the_outstanding_items() {
        let mut summary = Summary::new("import", WORDS);
        summary.count(Outcome::Done, 3);
        summary.count(Outcome::AlreadyDone, 2);
        // Rows invalid here but imported from a corrected copy leave nothing to do.
        summary.count(Outcome::FixedElsewhere, 2);
        summary.count(Outcome::Skipped, 1);
        assert_eq!(summary.exit(), Exit::Success);
        for outcome in Outcome::ALL.into_iter().filter(|o| o.is_outstanding()) {
            let mut s = summary.clone();
            s.count(outcome, 1);
            assert_eq!(s.exit(), Exit::Incomplete, "{outcome:?}");
        }
        let ends = [
            (End::Interrupted(Signal::Terminate), Exit::Interrupted),
            (
                End::Fatal {
                    message: "denied".into(),
                    advice: None,
                },
                Exit::Fatal,
            ),
            (
                End::BadInput {
                    message: "x".into(),
                },
                Exit::Usage,
            ),
            (
                End::LocalFailure {
                    message: "full".into(),
                },
                Exit::LocalFailure,
            ),
        ];
        for (end, exit) in ends {
            let mut s = summary.clone();
            s.end_with(end.clone());
            s.end_with(End::Interrupted(Signal::Interrupt));
            assert_eq!(s.end, end, "the first end wins");
            assert_eq!(s.exit(), exit);
        }
    }

    #[test]
    fn reasons_are_grouped_bounded_and_name_their_first_places() {
        let mut reasons = Reasons::default();
        for line in (2..40).rev() {
            reasons.add(
                Outcome::Failed,
                "1002002",
                "invalid field referral_user_id",
                Some(Place::line(line)),
            );
        }
        reasons.add(
            Outcome::Failed,
            "1002551",
            "user not found",
            Some(Place::line(99)),
        );
        for n in 0..30 {
            reasons.add(Outcome::InDoubt, &format!("fault {n}"), "x", None);
        }
        let failed = reasons.of(Outcome::Failed);
        assert_eq!(failed[0].count, 38);
        assert_eq!(
            failed[0].at,
            ["line 2", "line 3", "line 4", "line 5", "line 6"]
        );
        assert_eq!(failed[1].key, "1002551");
        // Groups of one size come in the order of their first place, not of their key.
        for (key, line) in [("b", 50), ("a", 70), ("c", 60)] {
            reasons.add(Outcome::Invalid, key, key, Some(Place::line(line)));
        }
        let invalid: Vec<&str> = reasons
            .of(Outcome::Invalid)
            .iter()
            .map(|g| g.key.as_str())
            .collect();
        assert_eq!(invalid, ["b", "c", "a"]);
        let doubts = reasons.of(Outcome::InDoubt);
        assert_eq!(doubts.len(), GROUPS_KEPT + 1);
        assert_eq!(doubts.iter().map(|g| g.count).sum::<u64>(), 30);
    }

    #[test]
    fn json_uses_the_commands_words_and_says_how_it_ended() {
        let mut summary = Summary::new("import", WORDS);
        summary.count(Outcome::Done, 1);
        summary.sending = Duration::from_millis(300);
        summary.end_with(End::Interrupted(Signal::Terminate));
        let json = summary.to_json();
        assert_eq!(json["imported"], 1);
        assert_eq!(json["already_imported"], 0);
        assert_eq!(json["in_doubt"], 0);
        assert_eq!(json["imported_elsewhere"], 0);
        assert_eq!(json["rate"], Value::Null, "no rate over less than a second");
        assert_eq!(json["signal"], "SIGTERM");
        assert_eq!(json["exit_code"], 130);
        // A command that never meets rows fixed elsewhere has no such key.
        let words = Vocabulary {
            fixed_elsewhere: None,
            ..WORDS
        };
        let other = Summary::new("rollback", words).to_json();
        assert!(other.get("imported_elsewhere").is_none(), "{other}");
    }
}
