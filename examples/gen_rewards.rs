//! Writes N realistic, valid reward rows as CSV, for benchmarks and rehearsals.
//!
//! `cargo run --release --example gen_rewards -- 1000000 > rewards-1m.csv`
//!
//! Rows are deterministic (row i is always the same), referrers are the employees of
//! `samples/employees.csv` (so the sandbox accepts them), and the mix follows the sample:
//! points and cash (CNY, USD), every rule type and stage, Chinese reasons and comments.

use std::io::{self, BufWriter, Write};

const REFERRERS: &[&str] = &[
    "ou_8fe08882a7ae1007efe66632ce51f7a2",
    "ou_92de5a850f66e08be93b0f9a48353d42",
    "ou_b8d8a8551f3d8f5bb44d818cd92f771f",
    "ou_633d3d810cd2b2789c3fa37b0a3ba9f2",
];
const REASONS: &[&str] = &[
    "入职",
    "转正",
    "推荐奖励",
    "候选人到面奖励",
    "累计推荐 3 个候选人入职",
    "入职｜开源",
];
const COMMENTS: &[&str] = &[
    "已发放",
    "财务已确认",
    "legacy import",
    "",
    "迁移自旧内推系统, 第二批",
];

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
    writeln!(
        out,
        "external_id,referral_user_id,application_id,talent_id,job_id,rule_type,bonus_type,point_bonus,currency_type,amount,stage,reason,create_time,confirm_time,pay_time,comment"
    )?;
    for i in 0..rows {
        let referrer = REFERRERS[(i % REFERRERS.len() as u64) as usize];
        let rule_type = i % 5 + 1;
        let stage = i % 3 + 1;
        let created = 1_704_720_275_000 + i * 1_000;
        let (application, talent) = if i % 6 == 5 {
            (String::new(), format!("{}", 7_213_000_000_000_000_000 + i))
        } else {
            (format!("{}", 7_214_000_000_000_000_000 + i), String::new())
        };
        let (bonus_type, points, currency, amount) = match i % 4 {
            1 => (
                "2",
                String::new(),
                "CNY",
                format!("{}.{:02}", 100 + i % 5000, i % 100),
            ),
            3 => ("2", String::new(), "USD", format!("{}", 50 + i % 300)),
            _ => ("1", format!("{}", 100 * (1 + i % 10)), "", String::new()),
        };
        let confirm = if stage >= 2 {
            format!("{}", created + 86_400_000)
        } else {
            String::new()
        };
        let pay = if stage == 3 {
            format!("{}", created + 864_000_000)
        } else {
            String::new()
        };
        let reason = REASONS[(i % REASONS.len() as u64) as usize];
        let comment = COMMENTS[(i % COMMENTS.len() as u64) as usize];
        let comment = if comment.contains(',') {
            format!("\"{comment}\"")
        } else {
            comment.to_owned()
        };
        writeln!(
            out,
            "{prefix}-{i:09},{referrer},{application},{talent},,{rule_type},{bonus_type},{points},{currency},{amount},{stage},{reason},{created},{confirm},{pay},{comment}"
        )?;
    }
    out.flush()
}
