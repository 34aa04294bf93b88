//! A sheet's rows, one at a time, whatever the format: each with the row number Excel
//! shows and its cells from column A (gaps filled with empty cells, trailing empty cells
//! left off). Rows whose every cell is empty are never handed out, but they still count:
//! the numbers keep Excel's gaps.

use calamine::{Data, Range};

use super::cells;
use super::stream::Streamed;
use crate::source::{InputError, OwnedCell};

/// One non-empty row of a sheet.
#[derive(Debug)]
pub(super) struct Row {
    /// Its number, as Excel shows it (from 1).
    pub(super) number: u64,
    /// Its cells, from column A to its last non-empty cell.
    pub(super) cells: Vec<OwnedCell>,
}

impl Row {
    /// Row `number`, with no cells yet.
    pub(super) fn new(number: u64) -> Row {
        Row {
            number,
            cells: Vec::new(),
        }
    }

    /// Row `number`, with room for `width` cells (rows of a sheet tend to be alike).
    pub(super) fn with_capacity(number: u64, width: usize) -> Row {
        Row {
            number,
            cells: Vec::with_capacity(width),
        }
    }

    /// Puts `cell` in column `column` (from 0). Cells arrive by column, possibly with gaps
    /// (a sparse row); an empty one is no cell at all.
    pub(super) fn put(&mut self, column: usize, cell: OwnedCell) {
        if cell == OwnedCell::Empty {
            return;
        }
        if column < self.cells.len() {
            self.cells[column] = cell;
        } else {
            self.cells.resize(column, OwnedCell::Empty);
            self.cells.push(cell);
        }
    }

    /// True when no cell holds anything.
    pub(super) fn is_empty(&self) -> bool {
        self.cells.is_empty()
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
    pub(super) fn next(&mut self) -> Result<Option<Row>, InputError> {
        match self {
            Rows::Streamed(streamed) => streamed.next(),
            Rows::Loaded(loaded) => Ok(loaded.next()),
        }
    }
}

/// A sheet read whole into calamine's [`Range`], handed out row by row.
pub(super) struct Loaded {
    range: Range<Data>,
    is_1904: bool,
    /// The next row to hand out, counted from the range's first.
    next: usize,
}

impl Loaded {
    /// The rows of `range`, in a workbook of the date system `is_1904`.
    pub(super) fn new(range: Range<Data>, is_1904: bool) -> Loaded {
        Loaded {
            range,
            is_1904,
            next: 0,
        }
    }

    fn next(&mut self) -> Option<Row> {
        // A range starts at its first used cell, not at A1: positions in it are relative.
        let (top, left) = self.range.start()?;
        while self.next < self.range.height() {
            let i = self.next;
            self.next += 1;
            let mut row = Row::new(u64::from(top) + i as u64 + 1);
            for j in 0..self.range.width() {
                if let Some(value) = self.range.get((i, j)) {
                    row.put(left as usize + j, cells::from_data(value, self.is_1904));
                }
            }
            if !row.is_empty() {
                return Some(row);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_are_filled_and_empty_cells_are_no_cells() {
        let mut row = Row::new(3);
        row.put(2, OwnedCell::Text("c".into()));
        row.put(4, OwnedCell::Empty);
        row.put(0, OwnedCell::Number(1.0));
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
        let mut loaded = Loaded::new(range, false);
        let first = loaded.next().unwrap();
        assert_eq!(first.number, 2);
        assert_eq!(
            first.cells,
            [
                OwnedCell::Empty,
                OwnedCell::Text("a".into()),
                OwnedCell::Number(2.0)
            ]
        );
        let second = loaded.next().unwrap();
        assert_eq!(second.number, 4);
        assert_eq!(second.cells.len(), 3);
        assert!(loaded.next().is_none());
    }
}
