//! A sheet's rows, one at a time, whatever the format: each with the row number Excel
//! shows and its cells from column A (gaps filled with empty cells, trailing empty cells
//! left off). Rows whose every cell is empty are never handed out, but they still count:
//! the numbers keep Excel's gaps.

use calamine::{Data, Range};

use super::cells;
use super::guard::{CELL_BYTES, LAST_COLUMN};
use super::hidden::Hidden;
use super::open::Book;
use super::stream::Streamed;
use crate::problem::Rule;
use crate::read::source::{OwnedCell, ReadProblem, SourceError};

/// The most text a row's cells may hold together: a cell's limit (SPEC §2.5), so a row is
/// never more than a few MiB in memory, whatever its cells.
const ROW_TEXT_BYTES: u64 = CELL_BYTES;

/// One non-empty row of a sheet.
#[derive(Debug)]
pub(super) struct Row {
    /// Its number, as Excel shows it (from 1).
    pub(super) number: u64,
    /// Its cells, from column A to its last non-empty cell.
    pub(super) cells: Vec<OwnedCell>,
    /// Bytes of text its cells hold, counted on past the limit.
    text: u64,
    /// Set once `text` passed [`ROW_TEXT_BYTES`]: the cells were let go.
    dropped: bool,
    /// Hidden in the workbook (hidden, or filtered out).
    pub(super) hidden: bool,
}

/// A cell past Excel's last column, which no row makes room for.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct PastLastColumn;

impl Row {
    /// Row `number`, with no cells yet.
    pub(super) fn new(number: u64) -> Row {
        Row::with_capacity(number, 0)
    }

    /// Row `number`, with room for `width` cells (rows of a sheet tend to be alike).
    pub(super) fn with_capacity(number: u64, width: usize) -> Row {
        Row {
            number,
            cells: Vec::with_capacity(width),
            text: 0,
            dropped: false,
            hidden: false,
        }
    }

    /// Puts `cell` in column `column` (from 0). Cells arrive by column, possibly with gaps
    /// (a sparse row); an empty one is no cell at all. A column past XFD is refused before
    /// anything is allocated for it; once the row's text passes [`ROW_TEXT_BYTES`], its
    /// cells are let go and only counted.
    pub(super) fn put(&mut self, column: usize, cell: OwnedCell) -> Result<(), PastLastColumn> {
        if column >= LAST_COLUMN as usize {
            return Err(PastLastColumn);
        }
        if cell == OwnedCell::Empty {
            return Ok(());
        }
        if let OwnedCell::Text(text) | OwnedCell::Error(text) = &cell {
            self.text += text.len() as u64;
        }
        if self.dropped {
            return Ok(());
        }
        if self.text > ROW_TEXT_BYTES {
            self.cells = Vec::new();
            self.dropped = true;
            return Ok(());
        }
        if column < self.cells.len() {
            self.cells[column] = cell;
        } else {
            self.cells.resize(column, OwnedCell::Empty);
            self.cells.push(cell);
        }
        Ok(())
    }

    /// True when no cell holds anything.
    pub(super) fn is_empty(&self) -> bool {
        self.cells.is_empty() && !self.dropped
    }

    /// About what the row takes in memory: its cells and their text.
    pub(super) fn bytes(&self) -> u64 {
        let cells = self.cells.capacity() * std::mem::size_of::<OwnedCell>();
        cells as u64 + if self.dropped { 0 } else { self.text }
    }

    /// The problem of a row whose cells were let go, if it is one.
    pub(super) fn problem(&self) -> Option<ReadProblem> {
        self.dropped.then(|| ReadProblem {
            column: None,
            message: format!(
                "the row's cells hold {} bytes of text, more than the 1 MiB a row may hold, so none of them was read; shorten the long texts (a file of its own is the place for a long one), or delete the row",
                self.text
            ),
            field: None,
            rule: Rule::TooLong,
        })
    }
}

/// The rows of one sheet.
pub(super) enum Rows {
    /// An `.xlsx` sheet, parsed on a thread of its own as it is read.
    Streamed(Streamed),
    /// An `.xls` or `.ods` sheet, read whole.
    Loaded(Loaded),
}

impl Rows {
    /// The next non-empty row, or None at the end of the sheet.
    pub(super) fn next(&mut self) -> Result<Option<Row>, SourceError> {
        match self {
            Rows::Streamed(streamed) => streamed.next(),
            Rows::Loaded(loaded) => loaded.next(),
        }
    }

    /// The workbook back, once every row has been handed out (None before that, or when
    /// the sheet ended badly), to read its next sheet.
    pub(super) fn into_book(self) -> Option<Book> {
        match self {
            Rows::Streamed(streamed) => streamed.into_book(),
            Rows::Loaded(loaded) => loaded.book,
        }
    }
}

/// A sheet read whole into calamine's [`Range`], handed out row by row.
pub(super) struct Loaded {
    range: Range<Data>,
    is_1904: bool,
    /// `FILE[SHEET]`, for a cell past the last column.
    origin: String,
    /// The next row to hand out, counted from the range's first.
    next: usize,
    /// The workbook the range came from, for its next sheet.
    book: Option<Book>,
    /// The sheet's hidden rows, as the guard found them.
    hidden: Hidden,
}

impl Loaded {
    /// The rows of `range`, in a workbook of the date system `is_1904`.
    pub(super) fn new(range: Range<Data>, is_1904: bool, origin: String) -> Loaded {
        Loaded {
            range,
            is_1904,
            origin,
            next: 0,
            book: None,
            hidden: Hidden::default(),
        }
    }

    /// The same, its rows in `hidden` flagged hidden.
    pub(super) fn with_hidden(mut self, hidden: Hidden) -> Loaded {
        self.hidden = hidden;
        self
    }

    /// The same, keeping the workbook it came from.
    pub(super) fn with_book(mut self, book: Book) -> Loaded {
        self.book = Some(book);
        self
    }

    fn next(&mut self) -> Result<Option<Row>, SourceError> {
        // A range starts at its first used cell, not at A1: positions in it are relative.
        let Some((top, left)) = self.range.start() else {
            return Ok(None);
        };
        while self.next < self.range.height() {
            let i = self.next;
            self.next += 1;
            let number = u64::from(top) + i as u64 + 1;
            let mut row = Row::new(number);
            for j in 0..self.range.width() {
                if let Some(value) = self.range.get((i, j)) {
                    let column = left as usize + j;
                    row.put(column, cells::from_data(value, self.is_1904))
                        .map_err(|_| past_last_column(&self.origin, number, column as u64))?;
                }
            }
            if !row.is_empty() {
                row.hidden = self.hidden.take(number);
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}

/// The error of a cell past Excel's last column, at `row` (from 1) and `column` (from 0).
pub(super) fn past_last_column(origin: &str, row: u64, column: u64) -> SourceError {
    SourceError::CellReference {
        path: origin.to_owned(),
        reference: format!(
            "cell {}",
            super::guard::cell_name(row.saturating_sub(1), column)
        ),
        what: "column",
        last: "XFD",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_are_filled_and_empty_cells_are_no_cells() {
        let mut row = Row::new(3);
        row.put(2, OwnedCell::Text("c".into())).unwrap();
        row.put(4, OwnedCell::Empty).unwrap();
        row.put(0, OwnedCell::Number(1.0)).unwrap();
        assert_eq!(
            row.cells,
            [
                OwnedCell::Number(1.0),
                OwnedCell::Empty,
                OwnedCell::Text("c".into())
            ]
        );
        assert!(Row::new(1).is_empty());
    }

    #[test]
    fn a_loaded_range_keeps_excel_positions_and_skips_empty_rows() {
        // B2:C4, with row 3 empty.
        let mut range = Range::new((1, 1), (3, 2));
        range.set_value((1, 1), Data::String("a".into()));
        range.set_value((1, 2), Data::Float(2.0));
        range.set_value((3, 2), Data::String("z".into()));
        let mut loaded = Loaded::new(range, false, "b.ods[S]".into());
        let first = loaded.next().unwrap().unwrap();
        assert_eq!(first.number, 2);
        assert_eq!(
            first.cells,
            [
                OwnedCell::Empty,
                OwnedCell::Text("a".into()),
                OwnedCell::Number(2.0)
            ]
        );
        let second = loaded.next().unwrap().unwrap();
        assert_eq!(second.number, 4);
        assert_eq!(second.cells.len(), 3);
        assert!(loaded.next().unwrap().is_none());
    }

    #[test]
    fn a_column_past_xfd_allocates_nothing() {
        let mut row = Row::new(1);
        assert_eq!(
            row.put(LAST_COLUMN as usize, OwnedCell::Number(1.0)),
            Err(PastLastColumn)
        );
        assert_eq!(
            row.put(4_058_115_286, OwnedCell::Number(1.0)),
            Err(PastLastColumn)
        );
        assert!(row.is_empty());
        assert_eq!(row.cells.capacity(), 0);
        row.put(LAST_COLUMN as usize - 1, OwnedCell::Number(1.0))
            .unwrap();
        assert_eq!(row.cells.len(), LAST_COLUMN as usize);
    }

    #[test]
    fn a_row_past_a_mib_of_text_lets_its_cells_go() {
        let mut row = Row::new(7);
        let half = "x".repeat(600 * 1024);
        row.put(0, OwnedCell::Text(half.clone())).unwrap();
        assert!(row.problem().is_none());
        row.put(1, OwnedCell::Text(half)).unwrap();
        row.put(2, OwnedCell::Number(1.0)).unwrap();
        assert!(row.cells.is_empty());
        assert!(!row.is_empty());
        assert!(row.bytes() < 1024);
        let problem = row.problem().unwrap();
        assert_eq!(problem.rule, Rule::TooLong);
        assert_eq!(
            problem.message,
            "the row's cells hold 1228800 bytes of text, more than the 1 MiB a row may hold, so none of them was read; shorten the long texts (a file of its own is the place for a long one), or delete the row"
        );
    }
}
