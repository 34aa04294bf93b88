//! Realistic, valid reward rows for benchmarks, tests and rehearsals: deterministic (row
//! i is always the same), with referrers from the sample employee directory (so the
//! sandbox accepts them), points and cash (CNY, USD), every rule type and stage, Chinese
//! reasons and comments, some quoted. The same rows also come as a legacy system would
//! export them ([`write_legacy_rows`]): Chinese headers, labels, human times in
//! Asia/Shanghai, money strings and Excel's `="…"`, for the benchmarks of SPEC §2.1.

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

/// The title row above a legacy export's header.
pub const LEGACY_TITLE: &str = "内推奖励明细导出";

/// The legacy export's header: the documentation's labels, in the canonical order.
pub const LEGACY_HEADER: &str = "奖励ID,内推人ID,投递ID,人才ID,职位ID,奖励类型,发放形式,积分,币种,金额,奖励状态,奖励原因,奖励产生时间,确认时间,发放时间,备注";

/// The time zone the legacy rows' times are written in.
pub const LEGACY_ZONE: &str = "Asia/Shanghai";

/// Writes a title row, the legacy header and `rows` rows: the same rewards as
/// [`write_rows`], as a legacy system exports them (read them with `--header-row 2
/// --timezone Asia/Shanghai`).
pub fn write_legacy_rows(out: &mut impl Write, rows: u64, prefix: &str) -> io::Result<()> {
    writeln!(out, "{LEGACY_TITLE}")?;
    writeln!(out, "{LEGACY_HEADER}")?;
    for i in 0..rows {
        writeln!(out, "{}", legacy_row(i, prefix))?;
    }
    Ok(())
}

/// Row `i` of [`row`], in legacy form (without a line end).
pub fn legacy_row(i: u64, prefix: &str) -> String {
    const RULE_TYPES: [&str; 5] = ["入职奖励", "过程奖励", "活动奖励", "开源奖励", "其他奖励"];
    const STAGES: [&str; 3] = ["待确认", "已确认", "已发放"];
    let canonical = row(i, prefix);
    let mut cells = canonical_cells(&canonical);
    // application_id: Excel's wrapper on every third row.
    if i.is_multiple_of(3) && !cells[2].is_empty() {
        cells[2] = format!("=\"{}\"", cells[2]);
    }
    cells[5] = RULE_TYPES[(i % 5) as usize].to_owned();
    let cash = cells[6] == "2";
    cells[6] = if cash { "现金" } else { "积分" }.to_owned();
    if !cells[7].is_empty() {
        cells[7] = format!("\"{}积分\"", grouped(&cells[7]));
    }
    match cells[8].as_str() {
        "CNY" => {
            cells[8] = "人民币".to_owned();
            cells[9] = format!("\"¥{}\"", grouped(&cells[9]));
        }
        "USD" => {
            cells[8] = "美元".to_owned();
            cells[9] = format!("US$ {}", cells[9]);
        }
        _ => {}
    }
    cells[10] = STAGES[(i % 3) as usize].to_owned();
    for time in &mut cells[12..=14] {
        if !time.is_empty() {
            *time = shanghai_time(time);
        }
    }
    cells.join(",")
}

/// The cells of a generated canonical row: split on commas, the quoted comment last.
fn canonical_cells(row: &str) -> Vec<String> {
    let mut cells: Vec<String> = row.splitn(16, ',').map(str::to_owned).collect();
    cells.resize(16, String::new());
    cells
}

/// `1234.56` as `1,234.56`.
fn grouped(number: &str) -> String {
    let (int, frac) = number
        .split_once('.')
        .map_or((number, None), |(i, f)| (i, Some(f)));
    let mut out = String::with_capacity(number.len() + 4);
    for (k, digit) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(frac) = frac {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// Epoch milliseconds as `2024-01-08 21:24:35` in [`LEGACY_ZONE`].
fn shanghai_time(millis: &str) -> String {
    let zone = jiff::tz::TimeZone::get(LEGACY_ZONE)
        .unwrap_or_else(|_| jiff::tz::TimeZone::fixed(jiff::tz::offset(8)));
    millis
        .parse()
        .ok()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|t| t.to_zoned(zone).strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_rows_are_the_canonical_rows_in_legacy_form() {
        assert_eq!(grouped("1234567.05"), "1,234,567.05");
        assert_eq!(grouped("100"), "100");
        assert_eq!(shanghai_time("1704720275000"), "2024-01-08 21:24:35");
        assert_eq!(
            legacy_row(1, "G"),
            "G-000000001,ou_92de5a850f66e08be93b0f9a48353d42,7214000000000000001,,,过程奖励,现金,,人民币,\"¥101.01\",已确认,转正,2024-01-08 21:24:36,2024-01-09 21:24:36,,财务已确认"
        );
    }
}
