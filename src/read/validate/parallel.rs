//! A file's rows checked on every core: one thread reads, a few check, and the calling
//! thread gets them back in file order, where the duplicate check (which needs that order)
//! and whatever the caller does with them run. Memory stays bounded: a few chunks of rows
//! are in flight at a time, whatever the file's size.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

use crate::read::mapping::RewardFile;
use crate::read::source::Record;

use super::{Checked, ValidateError, Validator, id_hash, stop_for_zone};

/// Rows handed to a checking thread at a time.
const CHUNK: usize = 1024;

/// The most bytes of rows a chunk holds (a chunk of big rows is cut short), so what is in
/// flight stays small whatever the rows: a row may hold up to 1 MiB (SPEC §2.5).
const CHUNK_BYTES: usize = 1 << 20;

/// A chunk of rows read: its place among the chunks, the place of its first row in the
/// file's rows, and the rows.
type Chunk = (usize, usize, Vec<Record>);

/// One row, read and checked.
#[derive(Debug)]
pub struct Row<T> {
    /// The row as read.
    pub record: Record,
    /// Its verdict, the duplicate check included.
    pub checked: Checked,
    /// What the caller's `prepare` made of it on the checking thread (made before the
    /// duplicate check: a duplicate's is to be ignored).
    pub extra: T,
    /// The external_id's hash, made on the checking thread.
    hash: u64,
}

/// How many threads check rows: one per core (at most 8), at least one.
fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().min(8))
}

/// A chunk of checked rows, by its place in the file, or the read error that ended it.
type Done<T> = (usize, Result<Vec<Row<T>>, ValidateError>);

/// Reads every row of `file` and checks it with `validator`'s rules on [`workers`] threads;
/// `prepare` runs on those threads too, after the row's own checks. `sink` gets the rows in
/// file order, in chunks, each row through the duplicate check. Stops at the first read
/// error or time needing a zone (as [`Validator::next`] does, after the rows before it), or
/// at the first error of `sink`.
pub fn check_rows<T, E>(
    file: &mut RewardFile,
    validator: &mut Validator,
    prepare: impl Fn(&mut Checked) -> T + Sync,
    mut sink: impl FnMut(Vec<Row<T>>) -> Result<(), E>,
) -> Result<(), E>
where
    T: Send,
    E: From<ValidateError>,
{
    let explain = std::mem::take(&mut validator.explain);
    let parts = file.parts();
    let (source, mapping) = file.split();
    let workers = workers();
    let rules = validator.rules().clone();
    std::thread::scope(|scope| {
        let (work, to_check) = sync_channel::<Chunk>(workers);
        let (checked, done) = sync_channel::<Done<T>>(workers);
        let to_check = Arc::new(Mutex::new(to_check));

        let failed = checked.clone();
        scope.spawn(move || {
            let (mut seq, mut first) = (0, 0);
            let mut chunk = Vec::with_capacity(CHUNK);
            let mut bytes = 0;
            loop {
                match source.next_record() {
                    Ok(Some(record)) => {
                        bytes += record.heap_bytes();
                        chunk.push(record);
                        if chunk.len() < CHUNK && bytes < CHUNK_BYTES {
                            continue;
                        }
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                        let rows = full.len();
                        if work.send((seq, first, full)).is_err() {
                            return;
                        }
                        (seq, first, bytes) = (seq + 1, first + rows, 0);
                    }
                    Ok(None) => {
                        if !chunk.is_empty() {
                            let _ = work.send((seq, first, chunk));
                        }
                        return;
                    }
                    Err(e) => {
                        if !chunk.is_empty() {
                            if work.send((seq, first, chunk)).is_err() {
                                return;
                            }
                            seq += 1;
                        }
                        let _ = failed.send((seq, Err(e.into())));
                        return;
                    }
                }
            }
        });

        for _ in 0..workers {
            let to_check = Arc::clone(&to_check);
            let checked = checked.clone();
            let (rules, prepare) = (&rules, &prepare);
            scope.spawn(move || {
                while let Some((seq, first, records)) = next_chunk(&to_check) {
                    let rows = records
                        .into_iter()
                        .enumerate()
                        .map(|(i, record)| {
                            let explaining = first + i < explain;
                            let mut checked = rules.check(mapping.row(&record), explaining);
                            let extra = prepare(&mut checked);
                            let hash = id_hash(&checked.external_id);
                            Row {
                                record,
                                checked,
                                extra,
                                hash,
                            }
                        })
                        .collect();
                    if checked.send((seq, Ok(rows))).is_err() {
                        return;
                    }
                }
            });
        }
        // The threads hold the only senders now: `done` ends when they all have.
        drop(checked);
        drop(to_check);

        // Chunks come back in any order; they leave in the file's.
        let mut waiting = BTreeMap::new();
        let mut next = 0;
        for (seq, rows) in done {
            waiting.insert(seq, rows);
            while let Some(rows) = waiting.remove(&next) {
                next += 1;
                let mut rows = rows?;
                for row in &rows {
                    validator.warm(row.hash);
                }
                let mut stop = None;
                for (i, row) in rows.iter_mut().enumerate() {
                    validator
                        .note(&row.record, mapping, &mut row.checked, row.hash)
                        .map_err(ValidateError::from)?;
                    if let Err(e) = stop_for_zone(&parts, &row.checked) {
                        stop = Some((i, e));
                        break;
                    }
                }
                if let Some((i, e)) = stop {
                    rows.truncate(i);
                    sink(rows)?;
                    return Err(e.into());
                }
                sink(rows)?;
            }
        }
        Ok(())
    })
}

/// The next chunk to check, or None when the reader is done (or gone).
fn next_chunk(to_check: &Mutex<Receiver<Chunk>>) -> Option<Chunk> {
    // A poisoned lock means another checker panicked: stop quietly, the scope reports it.
    let receiver = to_check.lock().ok()?;
    receiver.recv().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::mapping::InputOptions;
    use crate::read::validate::Seen;
    use rand::{Rng, SeedableRng, rngs::SmallRng};

    /// A file of `rows` rows: most valid, some broken, some repeating an earlier id.
    fn csv(rows: usize, seed: u64) -> String {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut text = String::from(
            "external_id,referral_user_id,application_id,rule_type,stage,bonus_type,point_bonus,create_time\n",
        );
        for i in 0..rows {
            let id = match rng.random_range(0..20) {
                0 if i > 0 => format!("R{}", rng.random_range(0..i)),
                1 => String::new(),
                _ => format!("R{i}"),
            };
            let points = match rng.random_range(0..15) {
                0 => "-5".to_owned(),
                1 => "lots".to_owned(),
                _ => rng.random_range(1..1000).to_string(),
            };
            let stage = if rng.random_range(0..30) == 0 {
                "9"
            } else {
                "3"
            };
            text.push_str(&format!(
                "{id},ou_{i:x},7214{i},1,{stage},1,{points},2024-01-08T13:24:00+08:00\n"
            ));
        }
        text
    }

    fn open(text: &str) -> RewardFile {
        RewardFile::from_csv(
            "r.csv".into(),
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
            &InputOptions::default(),
        )
        .unwrap()
    }

    /// What a user sees of a row: where, its problems, its body, what it duplicates.
    fn seen_as(checked: &Checked) -> String {
        format!(
            "{} {:?} {:?} {:?} {:?} {:?}",
            checked.line,
            checked.problems,
            checked.body,
            checked.duplicate_of,
            checked.explained,
            checked.people
        )
    }

    /// Every row's verdict and the error that stopped the file, row by row.
    fn one_by_one(mut file: RewardFile, mut validator: Validator) -> (Vec<String>, Option<String>) {
        let mut rows = Vec::new();
        loop {
            match validator.next(&mut file) {
                Ok(Some((_, checked))) => rows.push(seen_as(&checked)),
                Ok(None) => return (rows, None),
                Err(e) => return (rows, Some(e.to_string())),
            }
        }
    }

    /// The same through [`check_rows`].
    fn on_every_core(
        mut file: RewardFile,
        mut validator: Validator,
    ) -> (Vec<String>, Option<String>) {
        let mut rows = Vec::new();
        let result = check_rows(
            &mut file,
            &mut validator,
            |_| (),
            |chunk| {
                rows.extend(chunk.iter().map(|row| seen_as(&row.checked)));
                Ok::<_, ValidateError>(())
            },
        );
        (rows, result.err().map(|e| e.to_string()))
    }

    fn validator(file: &RewardFile, explain: usize, seen: Seen) -> Validator {
        Validator::for_file(file)
            .explaining(explain)
            .remembering(seen)
    }

    fn sequential(text: &str, explain: usize) -> (Vec<String>, Option<String>) {
        let file = open(text);
        let validator = validator(&file, explain, Seen::default());
        one_by_one(file, validator)
    }

    fn parallel(text: &str, explain: usize, seen: Seen) -> (Vec<String>, Option<String>) {
        let file = open(text);
        let validator = validator(&file, explain, seen);
        on_every_core(file, validator)
    }

    #[test]
    fn rows_checked_on_every_core_are_the_rows_checked_one_by_one() {
        // Around a chunk's edge, and a few chunks with a partial one last.
        for (rows, seed) in [
            (0, 1),
            (1, 2),
            (CHUNK - 1, 3),
            (CHUNK, 4),
            (3 * CHUNK + 1, 5),
        ] {
            let text = csv(rows, seed);
            let expected = sequential(&text, 300);
            assert_eq!(expected.0.len(), rows);
            assert!(expected.1.is_none());
            assert_eq!(
                parallel(&text, 300, Seen::default()),
                expected,
                "{rows} rows"
            );
            // The same when the duplicate check spills to disk every 100 ids.
            assert_eq!(
                parallel(&text, 300, Seen::with_capacity(100)),
                expected,
                "{rows} rows, spilling"
            );
        }
        let text = csv(3 * CHUNK + 1, 5);
        assert!(text.lines().count() > 3 * CHUNK);
        let duplicates = sequential(&text, 0)
            .0
            .iter()
            .filter(|r| r.contains("already appears on line"))
            .count();
        assert!(
            duplicates > 50,
            "{duplicates} duplicates: the file must have some"
        );
    }

    #[test]
    fn chunks_of_big_rows_are_cut_short_and_checked_the_same() {
        // Rows of 300 KB (a long reason) among small ones: a chunk holds only a few.
        let big = "x".repeat(300 * 1024);
        let mut text = String::from(
            "reason,external_id,referral_user_id,application_id,rule_type,stage,bonus_type,point_bonus,create_time\n",
        );
        for i in 0..40 {
            let reason = if i % 3 == 0 { big.as_str() } else { "short" };
            text.push_str(&format!(
                "{reason},B{i},ou_{i:x},7214{i},1,3,1,100,2024-01-08T13:24:00+08:00\n"
            ));
        }
        let expected = sequential(&text, 25);
        assert_eq!(expected.0.len(), 40);
        assert!(expected.1.is_none());
        // The first 25 rows are explained (their time), whatever chunk they fell in.
        let explained = expected
            .0
            .iter()
            .filter(|row| !row.ends_with("[] []"))
            .count();
        assert_eq!(explained, 25);
        assert_eq!(parallel(&text, 25, Seen::default()), expected);
        // 14 rows of 300 KB: at most 4 to a chunk of 1 MiB.
        let mut file = open(&text);
        let mut validator = validator(&file, 0, Seen::default());
        let mut chunks = Vec::new();
        check_rows(
            &mut file,
            &mut validator,
            |_| (),
            |rows| {
                chunks.push(rows.len());
                Ok::<_, ValidateError>(())
            },
        )
        .unwrap();
        assert!(chunks.len() >= 4, "{chunks:?}");
        assert_eq!(chunks.iter().sum::<usize>(), 40);
    }

    #[test]
    fn a_time_needing_a_zone_stops_at_its_row_after_the_rows_before_it() {
        // In the third chunk, not at its start.
        let before = 2 * CHUNK + 100;
        let mut text = csv(before, 9);
        text.push_str("Z1,ou_z,7214,1,3,1,100,2024-01-08 13:24\n");
        text.push_str(
            &csv(600, 10)
                .lines()
                .skip(1)
                .map(|l| format!("{l}\n"))
                .collect::<String>(),
        );
        let expected = sequential(&text, 0);
        assert_eq!(expected.0.len(), before);
        let error = expected.1.clone().unwrap();
        let line = before + 2;
        assert!(error.starts_with(&format!("r.csv:{line}: ")), "{error}");
        assert_eq!(parallel(&text, 0, Seen::default()), expected);
    }

    /// Bytes, then a failing disk.
    struct Failing(std::io::Cursor<Vec<u8>>);

    impl std::io::Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(std::io::Error::other("the disk went away")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn a_read_error_comes_after_the_rows_before_it() {
        // The disk fails in the second chunk.
        let rows = CHUNK + 700;
        let text = csv(rows, 11);
        let run = |each_core: bool| {
            let reader = Failing(std::io::Cursor::new(text.as_bytes().to_vec()));
            let file =
                RewardFile::from_csv("r.csv".into(), Box::new(reader), &InputOptions::default())
                    .unwrap();
            let validator = Validator::for_file(&file);
            if each_core {
                on_every_core(file, validator)
            } else {
                one_by_one(file, validator)
            }
        };
        let expected = run(false);
        assert_eq!(expected.0.len(), rows);
        let message = format!("r.csv:{}: cannot read the file", rows + 2);
        assert_eq!(expected.1.as_deref(), Some(message.as_str()));
        assert_eq!(run(true), expected);
    }
}
