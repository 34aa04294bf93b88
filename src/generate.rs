//! Realistic, valid reward rows for benchmarks, tests and rehearsals: deterministic (row
//! i is always the same), with referrers from the sample employee directory (so the
//! sandbox accepts them), points and cash (CNY, USD), every rule type and stage, Chinese
//! reasons and comments, some quoted.

use std::io::{self, Write};

/// Open ids of employees in `samples/employees.csv`.
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
    "\"迁移自旧内推系统, 第二批\"",
];

/// The header the generated rows follow.
pub const HEADER: &str = "external_id,referral_user_id,application_id,talent_id,job_id,rule_type,bonus_type,point_bonus,currency_type,amount,stage,reason,create_time,confirm_time,pay_time,comment";

/// Writes the header and `rows` rows whose external_ids are `PREFIX-000000000`, ….
pub fn write_rows(out: &mut impl Write, rows: u64, prefix: &str) -> io::Result<()> {
    writeln!(out, "{HEADER}")?;
    for i in 0..rows {
        writeln!(out, "{}", row(i, prefix))?;
    }
    Ok(())
}

/// Row `i` (without a line end).
pub fn row(i: u64, prefix: &str) -> String {
    let pick = |list: &[&'static str]| list[(i % list.len() as u64) as usize];
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
    format!(
        "{prefix}-{i:09},{},{application},{talent},,{rule_type},{bonus_type},{points},{currency},{amount},{stage},{},{created},{confirm},{pay},{}",
        pick(REFERRERS),
        pick(REASONS),
        pick(COMMENTS)
    )
}
