//! Writes `samples/monthly-rewards.xlsx`: a finance team's workbook of a year of referral
//! rewards, a sheet per month, as it comes out of a legacy system and a spreadsheet
//! (SPEC §2.4). Regenerate it (deterministic: the same bytes every time) with
//!
//! ```text
//! cargo run --example gen_monthly_sample
//! ```
//!
//! - Sheet 汇总 first: the year's totals by month (月份, 笔数, 现金合计(元), 积分合计), no
//!   rewards.
//! - Sheets 1月 to 12月, one header for all: 奖励编号, 内推人邮箱 (the referrer by e-mail,
//!   an employee of `samples/employees.csv`), 投递ID, 奖励类型, 奖励方式 (现金/积分), one
//!   money column 金额 holding the cash amount on 现金 rows (a number cell, or `¥8,000.00`)
//!   and the points on 积分 rows (`500积分`), 状态, 发放时间 (`2024年1月15日`), 发放状态
//!   (已发放, or 作废 for a reward voided after it was entered), 备注.
//! - Each month ends with a 合计 row; 1月 and 8月 have a voided row, 6月 a row hidden in Excel (a
//!   reward entered twice, hidden instead of deleted: its 奖励编号 differs, so only the
//!   hiding says it is not a reward) and a note below the table (制表人：…).
//!
//! `rewardsync map suggest samples/monthly-rewards.xlsx` reads 1月 (not 汇总) and proposes
//! `sheets = "*"`, `value = "金额"` and the `[skip]` of 作废; the README walks from there to
//! a clean import into the sandbox.

use std::error::Error;
use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook, Worksheet};

/// The months' header.
const HEADER: [&str; 10] = [
    "奖励编号",
    "内推人邮箱",
    "投递ID",
    "奖励类型",
    "奖励方式",
    "金额",
    "状态",
    "发放时间",
    "发放状态",
    "备注",
];

/// Referrers: employees of `samples/employees.csv`.
const REFERRERS: [&str; 8] = [
    "zhang.wei@example.com",
    "wang.fang@example.com",
    "liu.yang@example.com",
    "chen.jing@example.com",
    "yang.lei@example.com",
    "zhao.min@example.com",
    "zhou.jie@example.com",
    "wu.ting@example.com",
];

/// One reward of a month.
struct Reward {
    id: String,
    referrer: &'static str,
    application: String,
    rule: &'static str,
    cash: bool,
    value: Value,
    paid_day: u32,
    voided: bool,
    hidden: bool,
    comment: &'static str,
}

/// What the 金额 column holds.
enum Value {
    /// A number cell.
    Number(f64),
    /// Text, as typed.
    Text(&'static str),
}

fn month_rewards(month: u32) -> Vec<Reward> {
    let count = 2 + (month % 3) as usize;
    let mut rewards: Vec<Reward> = (0..count)
        .map(|i| {
            let n = (month as usize - 1) * 4 + i;
            let cash = (n % 3) != 1;
            Reward {
                id: format!("NT-2024{month:02}-{:03}", i + 1),
                referrer: REFERRERS[n % REFERRERS.len()],
                application: format!("72140000000{:08}", 31000 + n),
                rule: if n % 4 == 3 {
                    "活动奖励"
                } else {
                    "入职奖励"
                },
                cash,
                value: match (cash, n % 2) {
                    (true, 0) => Value::Number(f64::from(2000 + (n as u32 % 5) * 1000)),
                    (true, _) => Value::Text("¥8,000.00"),
                    (false, _) => Value::Text("500积分"),
                },
                paid_day: 5 + (i as u32) * 7,
                voided: false,
                hidden: false,
                comment: "",
            }
        })
        .collect();
    if month == 1 || month == 8 {
        rewards.push(Reward {
            id: format!("NT-2024{month:02}-009"),
            referrer: REFERRERS[2],
            application: format!("72140000000000399{month:02}"),
            rule: "入职奖励",
            cash: true,
            value: Value::Number(3000.0),
            paid_day: 28,
            voided: true,
            hidden: false,
            comment: "候选人未通过试用期，奖励作废",
        });
    }
    if month == 6 {
        let first = &rewards[0];
        rewards.push(Reward {
            id: "NT-202406-099".into(),
            referrer: first.referrer,
            application: first.application.clone(),
            rule: first.rule,
            cash: first.cash,
            value: Value::Number(2000.0),
            paid_day: first.paid_day,
            voided: false,
            hidden: true,
            comment: "重复录入",
        });
    }
    rewards
}

fn write_month(sheet: &mut Worksheet, month: u32) -> Result<(u32, f64, u32), Box<dyn Error>> {
    sheet.set_name(format!("{month}月"))?;
    for (c, name) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *name)?;
    }
    let (mut count, mut cash, mut points) = (0, 0.0, 0);
    let mut row = 1;
    for reward in month_rewards(month) {
        sheet.write_string(row, 0, &reward.id)?;
        sheet.write_string(row, 1, reward.referrer)?;
        sheet.write_string(row, 2, &reward.application)?;
        sheet.write_string(row, 3, reward.rule)?;
        sheet.write_string(row, 4, if reward.cash { "现金" } else { "积分" })?;
        match reward.value {
            Value::Number(n) => {
                sheet.write_number(row, 5, n)?;
                if !reward.voided && !reward.hidden {
                    cash += n;
                }
            }
            Value::Text(text) => {
                sheet.write_string(row, 5, text)?;
                if !reward.voided && !reward.hidden {
                    if reward.cash {
                        cash += 8000.0;
                    } else {
                        points += 500;
                    }
                }
            }
        }
        sheet.write_string(row, 6, "已发放")?;
        sheet.write_string(row, 7, format!("2024年{month}月{}日", reward.paid_day))?;
        sheet.write_string(row, 8, if reward.voided { "作废" } else { "已发放" })?;
        if !reward.comment.is_empty() {
            sheet.write_string(row, 9, reward.comment)?;
        }
        if reward.hidden {
            sheet.set_row_hidden(row)?;
        }
        if !reward.voided && !reward.hidden {
            count += 1;
        }
        row += 1;
    }
    sheet.write_string(row, 0, "合计")?;
    sheet.write_number(row, 5, cash)?;
    if month == 6 {
        sheet.write_string(row + 2, 0, "制表人：财务部 李娜 2024年7月1日")?;
    }
    Ok((count, cash, points))
}

fn write(path: &Path) -> Result<(), Box<dyn Error>> {
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(2025, 1, 6)?.and_hms(9, 0, 0)?;
    book.set_properties(
        &DocProperties::new()
            .set_title("2024年内推奖励发放明细")
            .set_creation_datetime(&created),
    );
    book.add_worksheet().set_name("汇总")?;
    let mut totals = Vec::new();
    for month in 1..=12 {
        totals.push(write_month(book.add_worksheet(), month)?);
    }
    let summary = book.worksheet_from_name("汇总")?;
    for (c, name) in ["月份", "笔数", "现金合计(元)", "积分合计"]
        .iter()
        .enumerate()
    {
        summary.write_string(0, c as u16, *name)?;
    }
    for (i, (count, cash, points)) in totals.iter().enumerate() {
        let row = i as u32 + 1;
        summary.write_string(row, 0, format!("{}月", i + 1))?;
        summary.write_number(row, 1, *count)?;
        summary.write_number(row, 2, *cash)?;
        summary.write_number(row, 3, *points)?;
    }
    summary.write_string(13, 0, "合计")?;
    summary.write_number(13, 1, totals.iter().map(|t| t.0).sum::<u32>())?;
    book.save(path)?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/monthly-rewards.xlsx");
    write(&path)?;
    println!("wrote {}", path.display());
    Ok(())
}
