//! An `.xlsx` sheet streamed: calamine's cell reader parses the sheet's XML on a thread of
//! its own, which assembles rows and sends them, a batch at a time, through a bounded
//! channel. Memory stays flat whatever the number of rows (a few batches in flight), and
//! on two cores parsing overlaps with the checks the caller runs on each row.
//!
//! The thread owns the workbook because the cell reader borrows it. Batches, not single
//! rows, so the channel's cost is paid once per [`BATCH_ROWS`] rows; and at most
//! [`BATCH_BYTES`] a batch, so a few MiB at most are in flight whatever the rows hold.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::{self, JoinHandle};

use calamine::{Xlsx, XlsxError};

use super::cells;
use super::guard::{ErrorCells, Gate, XlsxPlan};
use super::hidden::{Hidden, HiddenFeed};
use super::open::{Book, FileReader};
use super::rows::{Row, past_last_column};
use crate::read::source::input::InputFile;
use crate::read::source::{Origin, OwnedCell, SourceError};

/// Rows per message.
const BATCH_ROWS: usize = 256;

/// The bytes a batch is sent at, if it has not reached [`BATCH_ROWS`] first. A row holds
/// at most a MiB of text (see [`Row::put`]), so a batch is a little over this at most.
const BATCH_BYTES: u64 = 1 << 20;

/// Messages the channel holds before the reader thread waits for the caller.
const BATCHES_IN_FLIGHT: usize = 4;

/// What the reader thread says.
enum Message {
    /// The next rows, in sheet order.
    Rows(Vec<Row>),
    /// The sheet cannot be read further: calamine's words.
    Failed(String),
    /// The sheet holds what is refused (a cell past the last column).
    Refused(SourceError),
    /// The sheet has no more rows.
    End,
}

/// The rows of an `.xlsx` sheet, read on their own thread.
pub(super) struct Streamed {
    origin: Origin,
    /// None once dropped (the thread then stops at its next send).
    receiver: Option<Receiver<Message>>,
    /// The reader thread, which gives the workbook back when it ends.
    worker: Option<JoinHandle<Option<Xlsx<FileReader>>>>,
    /// The rows of the last batch not handed out yet.
    batch: std::vec::IntoIter<Row>,
    /// The last row handed out, for a message should the sheet end badly.
    last: u64,
    /// Set at the end of the sheet, or after an error.
    finished: bool,
    /// The sheet's check, beside the read: its gate and its thread.
    gate: Arc<Gate>,
    checker: Option<JoinHandle<()>>,
    /// What the workbook needs to read its next sheet: the check's plan and the file.
    rest: Option<(Arc<XlsxPlan>, InputFile)>,
    /// Set when the sheet ended as it should (not on an error).
    ended_well: bool,
}

impl Streamed {
    /// Starts reading `sheet` of `book` (in the date system `is_1904`) on a new thread,
    /// beside its check (the gate that keeps the read behind it, its thread, and the
    /// hidden rows it finds), which says where the cells whose error value calamine does
    /// not know are.
    pub(super) fn start(
        book: Xlsx<FileReader>,
        sheet: String,
        is_1904: bool,
        origin: Origin,
        (gate, checker, hidden): (Arc<Gate>, JoinHandle<()>, Arc<HiddenFeed>),
        rest: (Arc<XlsxPlan>, InputFile),
    ) -> Result<Streamed, SourceError> {
        let (sender, receiver) = sync_channel(BATCHES_IN_FLIGHT);
        let shown = origin.to_string();
        let checked = Arc::clone(&gate);
        let worker = thread::Builder::new()
            .name("xlsx-reader".into())
            .spawn(move || {
                let mut sheet = Sheet {
                    name: &sheet,
                    shown: &shown,
                    is_1904,
                    gate: &checked,
                    errors: None,
                    feed: &hidden,
                    hidden: Hidden::default(),
                };
                read(book, &mut sheet, &sender)
            })
            .map_err(|e| SourceError::SheetRead {
                path: origin.to_string(),
                row: 0,
                detail: format!("cannot start a thread to read it: {e}"),
            })?;
        Ok(Streamed {
            origin,
            receiver: Some(receiver),
            worker: Some(worker),
            batch: Vec::new().into_iter(),
            last: 0,
            finished: false,
            gate,
            checker: Some(checker),
            rest: Some(rest),
            ended_well: false,
        })
    }

    /// The workbook back, after the sheet's last row was handed out, ready for its next
    /// sheet: its reader thread and its check are over (the next sheet resets the gate).
    pub(super) fn into_book(mut self) -> Option<Book> {
        if !self.ended_well {
            return None;
        }
        let book = self.worker.take()?.join().ok().flatten()?;
        if let Some(checker) = self.checker.take() {
            checker.join().ok()?;
        }
        let (plan, again) = self.rest.take()?;
        Some(Book::Xlsx {
            book: Box::new(book),
            plan,
            again,
            gate: Arc::clone(&self.gate),
        })
    }

    /// The next non-empty row, or None at the end of the sheet.
    pub(super) fn next(&mut self) -> Result<Option<Row>, SourceError> {
        loop {
            if let Some(row) = self.batch.next() {
                self.last = row.number;
                return Ok(Some(row));
            }
            if self.finished {
                return Ok(None);
            }
            let Some(receiver) = &self.receiver else {
                return Ok(None);
            };
            let detail = match receiver.recv() {
                Ok(Message::Rows(rows)) => {
                    self.batch = rows.into_iter();
                    continue;
                }
                Ok(Message::End) => {
                    self.finished = true;
                    self.ended_well = true;
                    continue;
                }
                Ok(Message::Failed(detail)) => detail,
                Ok(Message::Refused(error)) => {
                    self.finished = true;
                    return Err(error);
                }
                // The thread ended without a word: it panicked.
                Err(_) => self.panic_message(),
            };
            self.finished = true;
            return Err(SourceError::SheetRead {
                path: self.origin.to_string(),
                row: self.last,
                detail,
            });
        }
    }

    /// What the reader thread panicked with.
    fn panic_message(&mut self) -> String {
        let payload = match self.worker.take().map(JoinHandle::join) {
            Some(Err(payload)) => payload,
            _ => return "the reader stopped unexpectedly".to_owned(),
        };
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        format!("the reader stopped unexpectedly: {text}")
    }
}

impl Drop for Streamed {
    fn drop(&mut self) {
        // Hang up first: a thread waiting on a full channel then stops at once, and one
        // still parsing stops at its next send; one waiting at the gate, and the check,
        // stop at their next read.
        self.receiver.take();
        self.gate.cancel();
        // A panic, if any, has nobody left to tell.
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
        if let Some(checker) = self.checker.take() {
            let _ = checker.join();
        }
    }
}

/// The sheet the reader thread reads.
struct Sheet<'a> {
    name: &'a str,
    /// `FILE[SHEET]`, for messages.
    shown: &'a str,
    is_1904: bool,
    /// The sheet's check.
    gate: &'a Gate,
    /// The cells whose error value calamine does not know, once the check has said.
    errors: Option<ErrorCells>,
    /// The hidden rows the check finds, and those taken from it not yet passed.
    feed: &'a HiddenFeed,
    hidden: Hidden,
}

impl Sheet<'_> {
    /// Waits for the sheet's check to end: its refusal, if it refused the sheet.
    fn refusal(&mut self) -> Option<SourceError> {
        if self.errors.is_some() {
            return None;
        }
        match self.gate.outcome() {
            Ok(errors) => {
                self.errors = Some(errors);
                None
            }
            Err(refusal) => refusal,
        }
    }

    /// Whether row `number` (rows asked in sheet order) is hidden. The check has read
    /// past the row's start when calamine hands out its cells (the gate keeps calamine
    /// behind), so it has said by now.
    fn is_hidden(&mut self, number: u64) -> bool {
        self.feed.take_into(&mut self.hidden);
        self.hidden.take(number)
    }

    /// Where the next cell whose error value calamine does not know is, once the check
    /// has ended.
    fn next_error_cell(&mut self) -> Result<Option<(u32, u32)>, Stop> {
        if let Some(refusal) = self.refusal() {
            return Err(Stop::Refused(refusal));
        }
        Ok(self.errors.as_mut().and_then(ErrorCells::take))
    }
}

/// The reader thread: every row of `sheet`, then the end or what stopped it. The workbook
/// is given back when the sheet was read to its end, for the next sheet.
fn read(
    mut book: Xlsx<FileReader>,
    sheet: &mut Sheet<'_>,
    sender: &SyncSender<Message>,
) -> Option<Xlsx<FileReader>> {
    let mut batch = Batch {
        rows: Vec::with_capacity(BATCH_ROWS),
        bytes: 0,
        sender,
    };
    let last = match send_rows(&mut book, sheet, &mut batch) {
        // The end, or a failure: the check's refusal, if any, is what to tell (calamine
        // may have stopped at the gate, or at what the check refused).
        Ok(()) => sheet.refusal().map_or(Message::End, Message::Refused),
        // The caller is gone: nobody to tell.
        Err(Stop::HungUp) => return None,
        Err(Stop::Failed(error)) => sheet
            .refusal()
            .map_or_else(|| Message::Failed(error.to_string()), Message::Refused),
        Err(Stop::Refused(error)) => Message::Refused(error),
    };
    // The rows read whole before the end (or before the damage) go first. Nobody
    // listening is fine: the caller stopped reading first.
    let ended = matches!(last, Message::End);
    if batch.flush().is_ok() && sender.send(last).is_ok() && ended {
        return Some(book);
    }
    None
}

/// Why the reader thread stops early.
enum Stop {
    /// The caller hung up.
    HungUp,
    /// The sheet cannot be read further.
    Failed(XlsxError),
    /// The sheet holds what is refused.
    Refused(SourceError),
}

impl From<XlsxError> for Stop {
    fn from(error: XlsxError) -> Stop {
        Stop::Failed(error)
    }
}

/// Rows on their way to the caller.
struct Batch<'a> {
    rows: Vec<Row>,
    /// What the rows take, about.
    bytes: u64,
    sender: &'a SyncSender<Message>,
}

impl Batch<'_> {
    /// Adds a row, and sends the batch when it is full.
    fn push(&mut self, row: Row) -> Result<(), Stop> {
        self.bytes += row.bytes();
        self.rows.push(row);
        if self.rows.len() < BATCH_ROWS && self.bytes < BATCH_BYTES {
            return Ok(());
        }
        self.flush()
    }

    /// Sends the rows held, if any.
    fn flush(&mut self) -> Result<(), Stop> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let full = std::mem::replace(&mut self.rows, Vec::with_capacity(BATCH_ROWS));
        self.bytes = 0;
        self.sender
            .send(Message::Rows(full))
            .map_err(|_| Stop::HungUp)
    }
}

/// Puts the sheet's non-empty rows in `batch`, as each is read whole. A row is known to
/// be whole when the next one starts: on an error, the row being read is left out (it may
/// lack cells), and the caller is told the last row it got.
fn send_rows(
    book: &mut Xlsx<FileReader>,
    sheet: &mut Sheet<'_>,
    batch: &mut Batch<'_>,
) -> Result<(), Stop> {
    let mut cells = book.worksheet_cells_reader(sheet.name)?;
    let mut row = Row::new(0);
    loop {
        let (r, c, cell) = match cells.next_cell() {
            Ok(Some(cell)) => {
                let (r, c) = cell.get_position();
                (r, c, cells::from_ref(cell.get_value(), sheet.is_1904))
            }
            Ok(None) => break,
            // calamine's reader fails on an error value it does not know (`#SPILL!`,
            // `#GETTING_DATA`), and reads on after it from the next cell. Where the cell
            // was, the check before reading found.
            Err(XlsxError::CellError(text)) => match sheet.next_error_cell()? {
                Some((r, c)) => (r, c, OwnedCell::Error(text)),
                None => return Err(Stop::Failed(XlsxError::CellError(text))),
            },
            Err(error) => return Err(error.into()),
        };
        let number = u64::from(r) + 1;
        if number != row.number {
            let width = row.cells.len();
            let mut done = std::mem::replace(&mut row, Row::with_capacity(number, width));
            if !done.is_empty() {
                done.hidden = sheet.is_hidden(done.number);
                batch.push(done)?;
            }
        }
        row.put(c as usize, cell)
            .map_err(|_| Stop::Refused(past_last_column(sheet.shown, number, u64::from(c))))?;
    }
    if !row.is_empty() {
        row.hidden = sheet.is_hidden(row.number);
        batch.push(row)?;
    }
    Ok(())
}
