//! Writes N realistic, valid reward rows as CSV, for benchmarks and rehearsals.
//!
//! `cargo run --release --example gen_rewards -- 1000000 [PREFIX] > rewards-1m.csv`

use std::io::{self, BufWriter, Write};

fn main() -> io::Result<()> {
    let rows: u64 = match std::env::args().nth(1).map(|a| a.parse()) {
        Some(Ok(n)) => n,
        _ => {
            eprintln!("usage: gen_rewards ROWS [PREFIX] > out.csv");
            std::process::exit(2);
        }
    };
    let prefix = std::env::args().nth(2).unwrap_or_else(|| "GEN".into());
    let mut out = BufWriter::with_capacity(1 << 20, io::stdout().lock());
    rewardsync::generate::write_rows(&mut out, rows, &prefix)?;
    out.flush()
}
