//! Writes the rows of `gen_rewards` as an `.xlsx`, as a legacy export would hold them: ids
//! as text, numbers as number cells, times as real Excel date cells (the wall-clock time
//! in Asia/Shanghai: validate it with `--timezone Asia/Shanghai` to get the CSV's epochs).
//!
//! `cargo run --release --example gen_workbook -- 200000 rewards-200k.xlsx [PREFIX] [--sheets N]`
//!
//! With `--sheets N` the rows are spread over N sheets (1月, 2月, … for 12), each with the
//! header, as a finance team's workbook with a sheet per month holds them.

use std::error::Error;

use rust_xlsxwriter::{Format, Workbook};

/// Columns whose cells are numbers (every other one is text, ids included).
const NUMBERS: &[&str] = &["rule_type", "bonus_type", "point_bonus", "amount", "stage"];

/// Columns whose cells are dates.
const TIMES: &[&str] = &["create_time", "confirm_time", "pay_time"];

/// Asia/Shanghai's offset from UTC, in milliseconds (it keeps no daylight saving time).
const SHANGHAI_MS: i64 = 8 * 3_600_000;

/// Days from the 1900 system's epoch (1899-12-30) to 1970-01-01.
const UNIX_EPOCH_SERIAL: f64 = 25_569.0;

fn main() -> Result<(), Box<dyn Error>> {
    let all: Vec<String> = std::env::args().skip(1).collect();
    let sheets: u64 = match all.iter().position(|a| a == "--sheets") {
        Some(at) => all.get(at + 1).and_then(|n| n.parse().ok()).unwrap_or(0),
        None => 1,
    };
    let mut args = all
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && (*i == 0 || all[i - 1] != "--sheets"))
        .map(|(_, a)| a.clone());
    let (Some(Ok(rows)), Some(out), true) = (
        args.next().map(|a| a.parse::<u64>()),
        args.next(),
        sheets > 0,
    ) else {
        eprintln!("usage: gen_workbook ROWS OUT.xlsx [PREFIX] [--sheets N]");
        std::process::exit(2);
    };
    let prefix = args.next().unwrap_or_else(|| "GEN".into());
    let header: Vec<&str> = rewardsync_testdata::HEADER.split(',').collect();
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");

    let mut book = Workbook::new();
    let per_sheet = rows.div_ceil(sheets);
    for part in 0..sheets {
        // Rows stream to a temporary file as they are written; strings stay shared, as in
        // a workbook Excel saved (low memory rather than constant memory, which inlines them).
        let sheet = book.add_worksheet_with_low_memory()?;
        sheet.set_name(if sheets == 1 {
            "Rewards".to_owned()
        } else {
            format!("{}月", part + 1)
        })?;
        for (column, name) in header.iter().enumerate() {
            sheet.write_string(0, column as u16, *name)?;
        }
        let first = part * per_sheet;
        for i in first..(first + per_sheet).min(rows) {
            let line = rewardsync_testdata::row(i, &prefix);
            let mut csv = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(line.as_bytes());
            let record = csv.records().next().ok_or("a generated row")??;
            let row = u32::try_from(i - first + 1)?;
            for (column, (name, value)) in header.iter().zip(record.iter()).enumerate() {
                let column = column as u16;
                if value.is_empty() {
                    continue;
                }
                if TIMES.contains(name) {
                    let ms: i64 = value.parse()?;
                    let serial = (ms + SHANGHAI_MS) as f64 / 86_400_000.0 + UNIX_EPOCH_SERIAL;
                    sheet.write_number_with_format(row, column, serial, &date)?;
                } else if NUMBERS.contains(name) {
                    sheet.write_number(row, column, value.parse::<f64>()?)?;
                } else {
                    sheet.write_string(row, column, value)?;
                }
            }
        }
    }
    book.save(&out)?;
    println!("{rows} rows written to {out}");
    Ok(())
}
