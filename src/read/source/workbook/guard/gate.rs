//! The check of an `.xlsx` sheet run beside calamine's read of it, not before it: calamine
//! is kept behind the check instead. Checking first, then reading, read the sheet twice
//! in a row on one core (a 1,000,000-row sheet: 11.5 s where the read alone takes 6 s);
//! beside it, the check takes the other core.
//!
//! What keeps calamine behind is [`GatedFile`], the file under calamine's zip reader:
//! a read inside the sheet part's compressed bytes waits until the check has read at
//! least [`MARGIN`] bytes further in the same part. The check reads every part the same
//! way, in order, and stops at the first event over 1 MiB; so whatever calamine has read
//! of the part, the check has already read and found no longer than a cell may be, and
//! calamine never buffers more. When the check refuses the sheet, calamine's next read
//! fails, and the check's error is what the user is told. When the check ends well, the
//! gate opens for good.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::xlsx::ErrorCells;
use crate::read::source::SourceError;
use crate::read::source::input::InputFile;

/// How far behind the check calamine is kept, in compressed bytes of the part: more than
/// what the check has read but not yet parsed (its zip reader's buffer and its XML
/// reader's, 8 KiB each), so that everything calamine parses, the check has parsed.
pub(super) const MARGIN: u64 = 64 * 1024;

/// Where the check of a sheet is, shared by the check, calamine's file and the reader.
#[derive(Debug, Default)]
pub(in crate::read::source::workbook) struct Gate {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    /// Set when the sheet's check starts: from then on calamine's reads of the part wait.
    armed: bool,
    /// The part's bytes in the file, once the check has found them.
    part: Option<(u64, u64)>,
    /// How far the check has read in the part.
    checked: u64,
    /// The check's outcome, once it has one.
    outcome: Option<Outcome>,
    /// Set when the reader is dropped: the check stops at its next read.
    cancelled: bool,
}

#[derive(Debug)]
enum Outcome {
    /// The sheet is fine; its unknown error cells, until the reader takes them.
    Passed(Option<ErrorCells>),
    /// The sheet is refused; the error, until the reader takes it.
    Refused(Option<SourceError>),
}

impl Gate {
    /// A gate that lets every read through until [`Gate::arm`].
    pub(in crate::read::source::workbook) fn new() -> Arc<Gate> {
        Arc::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves nothing half-written: every field is set
        // in one assignment.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait<'a>(&self, state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.changed.wait(state).unwrap_or_else(|e| e.into_inner())
    }

    /// The sheet's check starts: calamine's reads wait for it from now on.
    pub(in crate::read::source::workbook) fn arm(&self) {
        self.lock().armed = true;
    }

    /// The check has found the sheet's part at bytes `start..end` of the file.
    pub(super) fn place(&self, start: u64, end: u64) {
        let mut state = self.lock();
        state.part = Some((start, end));
        state.checked = start;
        drop(state);
        self.changed.notify_all();
    }

    /// The check has read the file up to `offset`. False when nobody needs it to go on.
    pub(super) fn advance(&self, offset: u64) -> bool {
        let mut state = self.lock();
        if state.cancelled {
            return false;
        }
        if let Some((start, end)) = state.part
            && offset > state.checked
            && offset >= start
        {
            state.checked = offset.min(end);
            drop(state);
            self.changed.notify_all();
        }
        true
    }

    /// The check is over: the sheet's unknown error cells, or why it is refused.
    pub(in crate::read::source::workbook) fn finish(
        &self,
        outcome: Result<ErrorCells, SourceError>,
    ) {
        let mut state = self.lock();
        state.outcome = Some(match outcome {
            Ok(errors) => Outcome::Passed(Some(errors)),
            Err(error) => Outcome::Refused(Some(error)),
        });
        drop(state);
        self.changed.notify_all();
    }

    /// Ready for the next sheet of the same workbook: called once the last sheet's read and
    /// check have both ended, so nobody is waiting on the old state.
    pub(in crate::read::source::workbook) fn reset(&self) {
        *self.lock() = State::default();
        self.changed.notify_all();
    }

    /// The reader is gone: the check may stop, and calamine's reads fail.
    pub(in crate::read::source::workbook) fn cancel(&self) {
        self.lock().cancelled = true;
        self.changed.notify_all();
    }

    /// Waits for the check's outcome: Ok with the unknown error cells (the first time
    /// only; empty after), or the check's refusal (the first time only; None after, and
    /// when the check passed).
    pub(in crate::read::source::workbook) fn outcome(
        &self,
    ) -> Result<ErrorCells, Option<SourceError>> {
        let mut state = self.lock();
        loop {
            let cancelled = state.cancelled;
            match &mut state.outcome {
                Some(Outcome::Passed(errors)) => return Ok(errors.take().unwrap_or_default()),
                Some(Outcome::Refused(error)) => return Err(error.take()),
                None if cancelled => return Err(None),
                None => state = self.wait(state),
            }
        }
    }

    /// How many bytes from `pos` calamine may read now (None: as many as it likes),
    /// waiting while the check has not read far enough. Fails once the check has
    /// refused the sheet, or the reader is gone.
    fn room(&self, pos: u64) -> io::Result<Option<u64>> {
        let mut state = self.lock();
        loop {
            if !state.armed {
                return Ok(None);
            }
            match &state.outcome {
                Some(Outcome::Passed(_)) => return Ok(None),
                Some(Outcome::Refused(_)) => return Err(io::Error::other(REFUSED)),
                None if state.cancelled => return Err(io::Error::other(REFUSED)),
                None => {}
            }
            match state.part {
                Some((start, _)) if pos < start => return Ok(Some(start - pos)),
                Some((_, end)) if pos >= end => return Ok(None),
                Some(_) if pos + MARGIN < state.checked => {
                    return Ok(Some(state.checked - MARGIN - pos));
                }
                // Not placed yet, or not checked far enough.
                _ => state = self.wait(state),
            }
        }
    }
}

/// What calamine is told when its read fails at the gate (the reader reports the check's
/// error instead).
const REFUSED: &str = "the sheet's check stopped it";

/// The file under calamine's zip reader: reads of the sheet part kept behind its check.
#[derive(Debug)]
pub(in crate::read::source::workbook) struct GatedFile {
    file: InputFile,
    pos: u64,
    gate: Arc<Gate>,
}

impl GatedFile {
    /// `file`, read through `gate`.
    pub(in crate::read::source::workbook) fn new(file: InputFile, gate: Arc<Gate>) -> GatedFile {
        GatedFile { file, pos: 0, gate }
    }
}

impl Read for GatedFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let len = match self.gate.room(self.pos)? {
            Some(room) => buf.len().min(usize::try_from(room).unwrap_or(usize::MAX)),
            None => buf.len(),
        };
        let n = self.file.read(&mut buf[..len])?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for GatedFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = self.file.seek(to)?;
        Ok(self.pos)
    }
}

/// The file under the check's zip reader: says how far the check has read.
pub(super) struct Progress<R> {
    file: R,
    pos: u64,
    gate: Arc<Gate>,
}

impl<R> Progress<R> {
    /// `file`, its reads told to `gate`.
    pub(super) fn new(file: R, gate: Arc<Gate>) -> Progress<R> {
        Progress { file, pos: 0, gate }
    }
}

impl<R: Read> Read for Progress<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.pos += n as u64;
        if !self.gate.advance(self.pos) {
            return Err(io::Error::other("the reader is gone"));
        }
        Ok(n)
    }
}

impl<R: Seek> Seek for Progress<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = self.file.seek(to)?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn file(bytes: &[u8]) -> InputFile {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, bytes).unwrap();
        let opened = crate::read::source::input::open(&path).unwrap().0;
        // The file stays open after its directory goes.
        opened
    }

    #[test]
    fn calamine_stays_behind_the_check_in_the_part_only() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(400 * 1024).collect();
        let gate = Gate::new();
        let mut gated = GatedFile::new(file(&bytes), Arc::clone(&gate));
        let mut buf = vec![0u8; 32 * 1024];
        // Not armed: anything goes.
        assert_eq!(gated.read(&mut buf).unwrap(), 32 * 1024);
        gate.arm();
        gate.place(100 * 1024, 300 * 1024);
        // Before the part: up to its start, not into it.
        gated.seek(SeekFrom::Start(90 * 1024)).unwrap();
        assert_eq!(gated.read(&mut buf).unwrap(), 10 * 1024);
        // In the part: only what the check has read, less the margin.
        gate.advance(100 * 1024 + MARGIN + 5);
        assert_eq!(gated.read(&mut buf).unwrap(), 5);
        // After the part: anything goes.
        gated.seek(SeekFrom::Start(300 * 1024)).unwrap();
        assert_eq!(gated.read(&mut buf).unwrap(), 32 * 1024);
        // A read that waits goes on when the check reads further.
        gated.seek(SeekFrom::Start(200 * 1024)).unwrap();
        let waiting = std::thread::spawn(move || gated.read(&mut buf).map(|n| (n, gated)));
        std::thread::sleep(Duration::from_millis(50));
        assert!(!waiting.is_finished(), "the read waits for the check");
        gate.advance(200 * 1024 + MARGIN + 7);
        let (n, mut gated) = waiting.join().unwrap().unwrap();
        assert_eq!(n, 7);
        // The check passes: the gate opens for good.
        gate.finish(Ok(ErrorCells::default()));
        let mut rest = Vec::new();
        gated.read_to_end(&mut rest).unwrap();
        assert_eq!(rest.len(), 400 * 1024 - (200 * 1024 + 7));
        assert_eq!(gate.outcome().unwrap(), ErrorCells::default());
    }

    #[test]
    fn a_refusal_fails_the_waiting_read_and_is_told_once() {
        let gate = Gate::new();
        let mut gated = GatedFile::new(file(&[0u8; 1024]), Arc::clone(&gate));
        gate.arm();
        gate.place(0, 1024);
        let waiting = std::thread::spawn(move || gated.read(&mut [0u8; 16]).map(|_| ()));
        std::thread::sleep(Duration::from_millis(50));
        gate.finish(Err(SourceError::Empty { path: "x".into() }));
        let error = waiting.join().unwrap().unwrap_err();
        assert_eq!(error.to_string(), REFUSED);
        assert!(matches!(
            gate.outcome(),
            Err(Some(SourceError::Empty { .. }))
        ));
        assert!(matches!(gate.outcome(), Err(None)));
    }

    #[test]
    fn a_cancelled_gate_stops_the_check_and_the_read() {
        let gate = Gate::new();
        gate.arm();
        gate.cancel();
        assert!(!gate.advance(10));
        let mut gated = GatedFile::new(file(&[0u8; 16]), Arc::clone(&gate));
        assert!(gated.read(&mut [0u8; 4]).is_err());
        assert!(matches!(gate.outcome(), Err(None)));
    }
}
