//! The baseline of the workbook benchmark: calamine's own streaming read of every cell of
//! an `.xlsx` sheet, doing nothing else but counting them. `rewardsync validate` on the
//! same file is held to at most 1.5 times this.
//!
//! `cargo run --release --example calamine_read -- FILE.xlsx [SHEET]`
//! (SHEET: the first sheet when not given).

use std::error::Error;
use std::hint::black_box;
use std::time::Instant;

use calamine::{Reader, Xlsx, open_workbook};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: calamine_read FILE.xlsx [SHEET]");
        std::process::exit(2);
    };
    let started = Instant::now();
    let mut book: Xlsx<_> = open_workbook(&path)?;
    let sheet = match args.next() {
        Some(sheet) => sheet,
        None => book
            .sheet_names()
            .into_iter()
            .next()
            .ok_or("the workbook has no sheet")?,
    };
    let mut reader = book.worksheet_cells_reader(&sheet)?;
    let (mut cells, mut rows, mut last_row) = (0u64, 0u64, None);
    while let Some(cell) = reader.next_cell()? {
        let (row, _) = cell.get_position();
        if last_row != Some(row) {
            rows += 1;
            last_row = Some(row);
        }
        black_box(cell.get_value());
        cells += 1;
    }
    let elapsed = started.elapsed();
    println!(
        "{cells} cells in {rows} rows of {path}[{sheet}] in {:.3} s",
        elapsed.as_secs_f64()
    );
    Ok(())
}
