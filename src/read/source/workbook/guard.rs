//! The check of a workbook before calamine reads it. calamine cannot be told to skip or
//! bound anything: it reads every shared string of an `.xlsx` into memory, and every sheet
//! of an `.xls` or `.ods` into dense ranges, whatever they hold. So the parts it would
//! read are read here first (an `.xlsx` sheet: beside calamine's read, which is kept
//! behind), streamed with fixed memory, and a workbook that would make it hold too much is
//! refused (SPEC §2.5) with what is wrong and what to do:
//!
//! - [`archive`]: the zip archive under `.xlsx` and `.ods`: its directory, and each part's
//!   declared expansion (the zip crate holds every part to its declared size);
//! - [`xml`]: XML read event by event, no event longer than a cell may be;
//! - [`xlsx`]: shared strings, styles, the workbook, and the sheet to read (beside
//!   calamine's read, which [`gate`] keeps behind it);
//! - [`ods`]: the cells calamine materialises from `content.xml`;
//! - [`xls`]: the cells calamine materialises from the compound document's stream.

mod archive;
mod gate;
mod ods;
mod xls;
mod xlsx;
mod xml;

pub(super) use archive::check as check_archive;
pub(super) use gate::{Gate, GatedFile};
pub(super) use ods::check as check_ods;
pub(super) use xls::check as check_xls;
pub(super) use xlsx::{ErrorCells, XlsxPlan, check_book as check_xlsx};

use crate::read::source::SourceError;

/// The most a cell or a shared string may hold (SPEC §2.5): bytes of its text (of its XML,
/// for an `.xlsx` cell, as calamine holds that whole).
pub(super) const CELL_BYTES: u64 = 1 << 20;

/// Excel's last column (XFD), counted from 1.
pub(super) const LAST_COLUMN: u32 = 16_384;

/// Excel's last row.
pub(super) const LAST_ROW: u32 = 1_048_576;

/// The most a zip entry may expand to (SPEC §2.5).
const PART_BYTES: u64 = 1 << 30;

/// The most a zip entry may expand by, over its compressed size (SPEC §2.5). Deflate
/// compresses nothing real by over about 100; only made-up data goes near its limit of
/// 1,032.
const PART_RATIO: u64 = 1_000;

/// What calamine's `Vec<String>` of an `.xlsx`'s shared strings may take. With the
/// rest of a run (the rows in flight, the duplicate check's table) the command stays
/// under 256 MB.
const STRINGS_BUDGET: u64 = 128 << 20;

/// What calamine's other structures of an `.xlsx` may take: styles, relationships, sheet
/// names and defined names. A workbook's are a few MB at most (Excel allows 64,000 styles).
const STRUCTURE_BUDGET: u64 = 32 << 20;

/// What the tables of an `.ods`, which calamine reads whole when it opens one, may take in
/// memory. An `.ods` may have a million rows, and the checks of each row take their own
/// memory besides (some 45 MB at a million): this keeps the whole run under 256 MB.
const ODS_BUDGET: u64 = 160 << 20;

/// What the sheets of an `.xls`, which calamine reads whole when it opens one, may take in
/// memory. An `.xls` has at most 65,536 rows, whose checks take little besides.
const XLS_BUDGET: u64 = 192 << 20;

/// What a workbook refused for what it holds should do.
#[derive(Debug, Clone, Copy)]
pub(super) enum WorkbookLimit {
    /// Nothing a spreadsheet program saves looks like this.
    Damaged,
    /// A real workbook, too large to be read whole.
    SaveAsCsv,
}

impl WorkbookLimit {
    /// What to do, in words.
    fn advice(self) -> &'static str {
        match self {
            WorkbookLimit::Damaged => {
                "no spreadsheet program writes that, so the file is damaged or made to exhaust memory: open it in Excel (or LibreOffice) and save it again, or export the sheet as CSV UTF-8"
            }
            WorkbookLimit::SaveAsCsv => {
                "save the sheet as CSV UTF-8 (in Excel: File > Save As > CSV UTF-8), which is read as a stream whatever its size, or split the workbook into smaller ones"
            }
        }
    }
}

/// A workbook refused for what it holds.
fn limit(path: &str, what: String, advice: WorkbookLimit) -> SourceError {
    SourceError::WorkbookLimit {
        path: path.to_owned(),
        what,
        advice: advice.advice(),
    }
}

/// Bytes in MiB, rounded up, for messages.
fn megabytes(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}

/// What a string of `len` bytes takes on the heap: its allocation, rounded up to 8 bytes
/// and by an eighth, as mimalloc's size classes round; nothing when empty.
fn string_cost(len: u64) -> u64 {
    match len {
        0 => 0,
        len => len.next_multiple_of(8) + len / 8,
    }
}

/// A cell's name as Excel shows it (`XFD1048576`), from its row and column counted from 0.
pub(super) fn cell_name(row: u64, column: u64) -> String {
    let mut letters = Vec::new();
    let mut n = column + 1;
    while n > 0 {
        let rest = (n - 1) % 26;
        letters.push(b'A' + rest as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_as_excel_names_them() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(1, 25), "Z2");
        assert_eq!(cell_name(2, 26), "AA3");
        assert_eq!(cell_name(65_535, 255), "IV65536");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
    }
}
