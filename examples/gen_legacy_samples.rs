//! Writes the legacy-export samples of `samples/`: the same 40 rewards as a workbook and as
//! the CSV Excel saves from it on Chinese Windows, and the mapping file that reads both.
//!
//! Regenerate them (deterministic: the same bytes every time) with
//!
//! ```text
//! cargo run --example gen_legacy_samples
//! ```
//!
//! and check them with
//!
//! ```text
//! rewardsync validate samples/legacy-rewards.xlsx --map samples/legacy-mapping.toml
//! rewardsync validate samples/legacy-rewards-gbk.csv --map samples/legacy-mapping.toml --encoding gbk
//! ```
//!
//! - `samples/legacy-rewards.xlsx`: sheet 奖励明细, a title on row 1, the header on row 2,
//!   40 rewards on rows 3 to 42. Chinese headers: some are the labels of Feishu's
//!   documentation (投递ID, 奖励类型, 币种, 备注, …), some name people as a legacy system
//!   knows them (内推人邮箱: the referrer by e-mail; 候选人手机号: the candidate by mobile,
//!   for the rewards that name no application), some need the mapping (奖励编号,
//!   奖励金额(元), 状态, 入职日期), and 部门 is skipped. Labels (入职奖励, 过程, 现金, 积分,
//!   人民币, 已发放, …) and the export's own values (入职奖, 面试奖, 已打款, mapped by
//!   `[values.*]`); times as real date cells and as text (`2023年3月15日 10:24`,
//!   `2023/3/15 10:24`); amounts as number cells and as text (`￥2,000.00`, `1000.5元`);
//!   points as `1,500积分`; mobiles as people type them (`+86 138 0013 8002`,
//!   `138-0013-8003`, `0086 …`, `+852 …`, one number cell); ids as text, one 15-digit
//!   number cell (formatted `0`, valid), one 19-digit number cell (invalid: Excel has lost
//!   its last digits), one `="…"`.
//! - `samples/legacy-rewards-gbk.csv`: the same rows as Excel's "CSV (逗号分隔)" writes
//!   them: GBK, CRLF, the title row padded with commas, every cell as Excel shows it (date
//!   cells in their format, the 15-digit id as digits, the 19-digit one as `7.214E+18`), so
//!   its rows validate like the workbook's, row for row.
//! - `samples/legacy-mapping.toml`: `--map` for both (header_row, timezone, [columns],
//!   [values.*], ignore_columns). The CSV's encoding is given with `--encoding gbk`.
//! - `samples/talents.csv`: the talent pool the sandbox's talent lookup answers from
//!   (`rewardsync sandbox --talents samples/talents.csv`): the export's candidates by
//!   mobile, and a few more.
//!
//! Seven rows are invalid on purpose, each for one reason a user fixes by hand
//! ([`INVALID`]); the other 33 are valid and import into the sandbox as they are: their
//! referrers' e-mails are those of employees of `samples/employees.csv`, their candidates'
//! mobiles those of talents of `samples/talents.csv`.

use std::error::Error;
use std::path::{Path, PathBuf};

use jiff::ToSpan;
use jiff::civil::{DateTime, date};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};

/// The sheet's name.
const SHEET: &str = "奖励明细";

/// Row 1: the export's title.
const TITLE: &str = "内推奖励发放明细（2023年度）";

/// Row 2: the header. Columns are referred to by their position here (`C_…`).
const HEADER: [&str; 17] = [
    "奖励编号",     // external_id, by [columns]
    "内推人邮箱",   // referral_user_email: looked up at import
    "部门",         // skipped: ignore_columns
    "投递ID",       // application_id
    "候选人手机号", // talent_mobile: looked up at import
    "奖励类型",     // rule_type
    "发放形式",     // bonus_type
    "积分",         // point_bonus
    "币种",         // currency_type
    "奖励金额(元)", // amount, by [columns]
    "状态",         // stage, by [columns]
    "奖励原因",     // reason
    "奖励产生时间", // create_time
    "确认时间",     // confirm_time
    "发放时间",     // pay_time
    "入职日期",     // onboard_time, by [columns]
    "备注",         // comment
];
const C_ID: usize = 0;
const C_REFERRER: usize = 1;
const C_DEPARTMENT: usize = 2;
const C_APPLICATION: usize = 3;
const C_CANDIDATE: usize = 4;
const C_RULE: usize = 5;
const C_BONUS: usize = 6;
const C_POINTS: usize = 7;
const C_CURRENCY: usize = 8;
const C_AMOUNT: usize = 9;
const C_STAGE: usize = 10;
const C_REASON: usize = 11;
const C_CREATED: usize = 12;
const C_CONFIRMED: usize = 13;
const C_PAID: usize = 14;
const C_ONBOARD: usize = 15;
const C_COMMENT: usize = 16;

/// How many rewards the sheet holds (rows 3 to 42).
const ROWS: usize = 40;

/// The rows a user must fix: the sheet's row, the column, the rule `validate` reports, and
/// why. Every other row is valid.
const INVALID: [(u32, &str, &str, &str); 7] = [
    (
        7,
        "投递ID",
        "scientific_notation",
        "6.93E+18: Excel showed the id in scientific notation and the export kept that",
    ),
    (
        11,
        "投递ID",
        "id_as_number",
        "a 19-digit id held in a number cell: Excel keeps 15 digits, the rest are lost (the CSV shows it as 7.214E+18: scientific_notation there)",
    ),
    (
        21,
        "奖励金额(元)",
        "negative",
        "-3000: a negative amount (its 备注 says it was mistyped: 3000)",
    ),
    (
        26,
        "奖励编号",
        "duplicate",
        "JL-2023-0023 again (row 25 has it): a typo for JL-2023-0024",
    ),
    (
        31,
        "内推人邮箱",
        "email",
        "zhou.jie＠example.com: typed with the full-width ＠ of a Chinese input method",
    ),
    (
        37,
        "奖励金额(元)",
        "currency_mismatch",
        "3,000元 under 币种 美元: the amount says CNY, the currency USD",
    ),
    (
        41,
        "发放时间",
        "ambiguous_date",
        "1/8/2024: January 8 or August 1, never guessed",
    ),
];

/// Referrers: employees of `samples/employees.csv` (e-mail, department).
const REFERRERS: [(&str, &str); 20] = [
    ("zhang.wei@example.com", "研发部"),
    ("wang.fang@example.com", "产品部"),
    ("li.na@example.com", "研发部"),
    ("liu.yang@example.com", "销售部"),
    ("chen.jing@example.com", "市场部"),
    ("yang.lei@example.com", "研发部"),
    ("zhao.min@example.com", "人力资源部"),
    ("huang.xiaoming@example.com", "财务部"),
    ("zhou.jie@example.com", "研发部"),
    ("wu.ting@example.com", "产品部"),
    ("xu.qiang@example.com", "销售部"),
    ("sun.li@example.com", "研发部"),
    ("ma.chao@example.com", "运营部"),
    ("zhu.lin@example.com", "研发部"),
    ("hu.jun@example.com", "市场部"),
    ("guo.jingjing@example.com", "产品部"),
    ("he.ping@example.com", "研发部"),
    ("lin.xiao@example.com", "运营部"),
    ("gao.yuan@example.com", "销售部"),
    ("luo.min@example.com", "研发部"),
];

/// The candidates named by mobile, as the export writes them (every form SPEC §2.3
/// normalises), and as the talent pool of `samples/talents.csv` holds them.
const CANDIDATES: [Candidate; 8] = [
    Candidate::text("+86 138 0013 8001", "86", "13800138001"),
    Candidate::text("13800138002", "86", "13800138002"),
    Candidate::text("138-0013-8003", "86", "13800138003"),
    // A number cell: Excel shows 11 digits whole in the General format.
    Candidate {
        written: "13800138004",
        number_cell: true,
        code: "86",
        number: "13800138004",
    },
    Candidate::text("(+86) 138 0013 8005", "86", "13800138005"),
    Candidate::text("0086 13800138006", "86", "13800138006"),
    // Hong Kong: any number outside the mainland carries + and its country code.
    Candidate::text("+852 5123 4567", "852", "51234567"),
    Candidate::text("86-138-0013-8008", "86", "13800138008"),
];

/// A candidate named by mobile.
struct Candidate {
    /// The cell as the export holds it.
    written: &'static str,
    /// Held in a number cell rather than as text.
    number_cell: bool,
    /// The talent pool's `mobile_code` and `mobile_number`.
    code: &'static str,
    number: &'static str,
}

impl Candidate {
    const fn text(written: &'static str, code: &'static str, number: &'static str) -> Candidate {
        Candidate {
            written,
            number_cell: false,
            code,
            number,
        }
    }

    fn written(&self) -> V {
        match self.written.parse::<f64>() {
            Ok(n) if self.number_cell => V::Number(n),
            _ => text(self.written),
        }
    }
}

/// The candidate of reward `i`, when it is named by mobile: an index of [`CANDIDATES`].
fn candidate(i: usize) -> Option<usize> {
    match i % 10 {
        3 => Some(i / 10 * 2),
        9 => Some(i / 10 * 2 + 1),
        _ => None,
    }
}

/// The talent id the pool gives the candidate of reward `i`.
fn talent_id(i: usize) -> String {
    format!("72130000000000{:05}", 20_000 + (i + 1) * 53)
}

/// Talents of the pool nobody in the export names: a pool is always bigger than a file.
const OTHER_TALENTS: [(&str, &str, &str, &str); 3] = [
    (
        "7213000000000030001",
        "chen.yu@candidate.example.com",
        "86",
        "13700137001",
    ),
    ("7213000000000030002", "", "86", "13700137002"),
    (
        "7213000000000030003",
        "lee.ka.ming@candidate.example.com",
        "852",
        "61234567",
    ),
];

/// How a date cell is formatted, and so how Excel shows it (and writes it to a CSV).
#[derive(Clone, Copy)]
enum DateFormat {
    /// `yyyy-mm-dd hh:mm:ss`: `2023-03-15 10:24:36`.
    Full,
    /// `yyyy/m/d h:mm`: `2023/3/15 10:24` (the time is written without seconds).
    Short,
    /// `yyyy-mm-dd`: a date alone, `2023-03-01`.
    Day,
}

impl DateFormat {
    fn excel(self) -> &'static str {
        match self {
            DateFormat::Full => "yyyy-mm-dd hh:mm:ss",
            DateFormat::Short => "yyyy/m/d h:mm",
            DateFormat::Day => "yyyy-mm-dd",
        }
    }

    fn shown(self, at: DateTime) -> String {
        match self {
            DateFormat::Full => at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            DateFormat::Short => at.strftime("%Y/%-m/%-d %-H:%M").to_string(),
            DateFormat::Day => at.strftime("%Y-%m-%d").to_string(),
        }
    }
}

/// One cell: what the workbook holds, and (from it) what the CSV holds.
#[derive(Clone)]
enum V {
    Empty,
    Text(String),
    /// A number cell in the General format: Excel shows it as it is (small numbers only).
    Number(f64),
    /// A number cell formatted `0`: Excel shows every digit, however many.
    Digits(f64),
    /// A number cell in the General format too long to show: Excel writes `shown`.
    Lossy(f64, &'static str),
    /// A number cell formatted `#,##0.00`.
    Money(f64),
    /// A date cell (its time already rounded to what the format shows).
    Date(DateTime, DateFormat),
}

fn text(value: impl Into<String>) -> V {
    V::Text(value.into())
}

impl V {
    /// The cell as Excel shows it, as "Save As CSV" writes it.
    fn shown(&self) -> String {
        match self {
            V::Empty => String::new(),
            V::Text(text) => text.clone(),
            V::Number(n) => {
                assert!(n.abs() < 1e11, "General shows {n} in scientific notation");
                n.to_string()
            }
            V::Digits(n) => format!("{n:.0}"),
            V::Lossy(_, shown) => (*shown).to_owned(),
            V::Money(n) => {
                let cents = (n * 100.0).round() as i64;
                let whole = cents / 100;
                let mut grouped = String::new();
                let digits = whole.abs().to_string();
                for (k, d) in digits.chars().enumerate() {
                    if k > 0 && (digits.len() - k).is_multiple_of(3) {
                        grouped.push(',');
                    }
                    grouped.push(d);
                }
                let sign = if cents < 0 { "-" } else { "" };
                format!("{sign}{grouped}.{:02}", (cents % 100).abs())
            }
            V::Date(at, format) => format.shown(*at),
        }
    }

    fn write(&self, sheet: &mut Worksheet, row: u32, column: u16) -> Result<(), Box<dyn Error>> {
        match self {
            V::Empty => {}
            V::Text(text) => {
                sheet.write_string(row, column, text)?;
            }
            V::Number(n) | V::Lossy(n, _) => {
                sheet.write_number(row, column, *n)?;
            }
            V::Digits(n) => {
                sheet.write_number_with_format(
                    row,
                    column,
                    *n,
                    &Format::new().set_num_format("0"),
                )?;
            }
            V::Money(n) => {
                sheet.write_number_with_format(
                    row,
                    column,
                    *n,
                    &Format::new().set_num_format("#,##0.00"),
                )?;
            }
            V::Date(at, format) => {
                let cell = ExcelDateTime::from_ymd(
                    u16::try_from(at.year())?,
                    u8::try_from(at.month())?,
                    u8::try_from(at.day())?,
                )?
                .and_hms(
                    u16::try_from(at.hour())?,
                    u8::try_from(at.minute())?,
                    at.second(),
                )?;
                sheet.write_datetime_with_format(
                    row,
                    column,
                    &cell,
                    &Format::new().set_num_format(format.excel()),
                )?;
            }
        }
        Ok(())
    }
}

/// A time of a reward, in one of the forms the export mixes (`form` picks it): date cells
/// in two formats, and text as people typed it.
fn time(at: DateTime, form: usize) -> V {
    match form % 5 {
        0 => V::Date(at, DateFormat::Full),
        1 => V::Date(
            at.with().second(0).build().expect("a time"),
            DateFormat::Short,
        ),
        2 => text(at.strftime("%Y年%-m月%-d日 %-H:%M").to_string()),
        3 => text(at.strftime("%Y/%-m/%-d %-H:%M").to_string()),
        _ => text(at.strftime("%Y-%m-%d %H:%M:%S").to_string()),
    }
}

/// Reward `i` (sheet row `i + 3`) as the legacy system exported it, before [`spoil`].
fn reward(i: usize) -> [V; 17] {
    let mut row: [V; 17] = std::array::from_fn(|_| V::Empty);
    let n = i + 1;
    let (referrer, department) = REFERRERS[i % REFERRERS.len()];
    row[C_ID] = text(format!("JL-2023-{n:04}"));
    row[C_REFERRER] = text(referrer);
    row[C_DEPARTMENT] = text(department);
    // Most rewards name the application; a fifth name the candidate by mobile only.
    if let Some(k) = candidate(i) {
        row[C_CANDIDATE] = CANDIDATES[k].written();
    } else {
        row[C_APPLICATION] = text(format!("72140000000000{:05}", 10_000 + n * 37));
    }

    // The reward's kind: rule type, form of bonus, stage, reason.
    let (rule, cash, stage, reason, onboard) = match i % 8 {
        0 => ("入职奖励", true, 3, "推荐候选人入职", true),
        1 => ("面试奖", false, 2, "候选人通过初面", false),
        2 => ("入职奖", true, 3, "推荐候选人入职（高级工程师）", true),
        3 => ("过程", false, 1, "候选人到面", false),
        4 => ("活动奖励", true, 2, "春季内推活动加码", false),
        5 => ("入职奖励", true, 3, "推荐海外候选人入职", true),
        6 => ("其他奖励", false, 3, "内推之星月度奖", false),
        _ => ("入职奖", true, 2, "推荐候选人入职（专家岗）", true),
    };
    row[C_RULE] = text(rule);
    row[C_BONUS] = text(if cash { "现金" } else { "积分" });
    match i % 8 {
        0 => {
            row[C_CURRENCY] = text("人民币");
            row[C_AMOUNT] = text(format!("￥{},000.00", 1 + i % 3));
        }
        1 => row[C_POINTS] = text("1,500积分"),
        2 => {
            row[C_CURRENCY] = text("CNY");
            row[C_AMOUNT] = V::Number(3000.0);
        }
        3 => row[C_POINTS] = V::Number(500.0),
        // No currency: the amount's 元 says CNY.
        4 => row[C_AMOUNT] = text("1000.5元"),
        5 => {
            row[C_CURRENCY] = text("美元");
            row[C_AMOUNT] = V::Number(150.0 + (i % 4) as f64 * 12.5);
        }
        6 => row[C_POINTS] = text("800分"),
        _ => {
            row[C_CURRENCY] = text("人民币");
            row[C_AMOUNT] = V::Money(5000.0);
        }
    }
    row[C_STAGE] = text(match (stage, i % 3) {
        (1, _) => "待确认",
        (2, _) => "已确认",
        // The export says 已打款 for some paid rewards and 已发放 for others.
        (_, 2) => "已打款",
        _ => "已发放",
    });
    row[C_REASON] = text(reason);

    // Times in Beijing time: created through 2023, confirmed 3 days later, paid 10 days later.
    let created = date(2023, 1, 5).at(9, 0, 0, 0)
        + (i as i64 * 9).days()
        + ((i % 9) as i64).hours()
        + ((i * 7 % 60) as i64).minutes()
        + ((i * 13 % 60) as i64).seconds();
    row[C_CREATED] = time(created, i);
    if stage >= 2 {
        row[C_CONFIRMED] = time(created + 3.days() + 2.hours(), i + 1);
    }
    if stage == 3 {
        row[C_PAID] = time(created + 10.days() + 5.hours(), i + 2);
    }
    if onboard {
        let day = (created - 20.days()).date().at(0, 0, 0, 0);
        row[C_ONBOARD] = if i.is_multiple_of(2) {
            V::Date(day, DateFormat::Day)
        } else {
            text(day.strftime("%Y年%-m月%-d日").to_string())
        };
    }
    row[C_COMMENT] = match i % 6 {
        1 => text("财务已确认"),
        3 => text("补录"),
        5 => text("HR 手工录入"),
        _ => V::Empty,
    };
    row
}

/// The cells that make a row special: the Excel id artifacts (valid and invalid) and the
/// mistakes of [`INVALID`].
fn spoil(i: usize, row: &mut [V; 17]) {
    match i + 3 {
        // Valid: Excel's ="…" around an id; a 15-digit id in a number cell shown whole.
        5 => row[C_APPLICATION] = text("=\"7214000000000010111\""),
        9 => row[C_APPLICATION] = V::Digits(721_400_000_010_259.0),
        // Invalid, see INVALID.
        7 => row[C_APPLICATION] = text("6.93E+18"),
        #[allow(clippy::excessive_precision)]
        11 => row[C_APPLICATION] = V::Lossy(7_214_000_000_000_001_031.0, "7.214E+18"),
        21 => {
            row[C_AMOUNT] = V::Number(-3000.0);
            row[C_COMMENT] = text("金额录入错误，应为 3000");
        }
        26 => row[C_ID] = text("JL-2023-0023"),
        31 => row[C_REFERRER] = text("zhou.jie＠example.com"),
        37 => {
            row[C_CURRENCY] = text("美元");
            row[C_AMOUNT] = text("3,000元");
        }
        41 => row[C_PAID] = text("1/8/2024"),
        _ => {}
    }
}

/// Every reward, in sheet order.
fn rewards() -> Vec<[V; 17]> {
    (0..ROWS)
        .map(|i| {
            let mut row = reward(i);
            spoil(i, &mut row);
            row
        })
        .collect()
}

fn write_workbook(path: &Path, rows: &[[V; 17]]) -> Result<(), Box<dyn Error>> {
    let mut book = Workbook::new();
    // A fixed creation time: the same bytes on every run.
    let created = ExcelDateTime::from_ymd(2024, 1, 8)?.and_hms(9, 30, 0)?;
    book.set_properties(
        &DocProperties::new()
            .set_title(TITLE)
            .set_creation_datetime(&created),
    );
    let sheet = book.add_worksheet();
    sheet.set_name(SHEET)?;
    sheet.write_string_with_format(0, 0, TITLE, &Format::new().set_bold())?;
    let bold = Format::new().set_bold();
    for (column, name) in HEADER.iter().enumerate() {
        sheet.write_string_with_format(1, column as u16, *name, &bold)?;
    }
    for (column, width) in [
        (C_ID, 14),
        (C_REFERRER, 38),
        (C_APPLICATION, 22),
        (C_CANDIDATE, 22),
        (C_REASON, 28),
        (C_CREATED, 20),
        (C_CONFIRMED, 20),
        (C_PAID, 20),
        (C_ONBOARD, 14),
        (C_COMMENT, 22),
    ] {
        sheet.set_column_width(column as u16, width)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let at = u32::try_from(i + 2)?;
        for (column, value) in row.iter().enumerate() {
            value.write(sheet, at, column as u16)?;
        }
    }
    book.save(path)?;
    Ok(())
}

/// The CSV Excel writes: GBK, CRLF, every row as wide as the used range.
fn write_csv(path: &Path, rows: &[[V; 17]]) -> Result<(), Box<dyn Error>> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut title = vec![TITLE.to_owned()];
    title.resize(HEADER.len(), String::new());
    out.write_record(&title)?;
    out.write_record(HEADER)?;
    for row in rows {
        out.write_record(row.iter().map(V::shown))?;
    }
    let text = String::from_utf8(out.into_inner()?)?;
    // GBK proper (what Excel on Chinese Windows writes), a subset of GB18030: no character
    // may need GB18030's four-byte forms.
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    if unmappable {
        return Err("a cell holds a character GBK cannot encode".into());
    }
    std::fs::write(path, bytes)?;
    Ok(())
}

/// The talent pool the sandbox's talent lookup answers from (`--talents`): the
/// candidates of the export, by mobile, and a few others.
fn write_talents(path: &Path) -> Result<(), Box<dyn Error>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["talent_id", "email", "mobile_code", "mobile_number"])?;
    for i in 0..ROWS {
        if let Some(k) = candidate(i) {
            let c = &CANDIDATES[k];
            out.write_record([talent_id(i).as_str(), "", c.code, c.number])?;
        }
    }
    for (id, email, code, number) in OTHER_TALENTS {
        out.write_record([id, email, code, number])?;
    }
    std::fs::write(path, out.into_inner()?)?;
    Ok(())
}

const MAPPING: &str = r#"# The mapping file of the legacy export samples/legacy-rewards.xlsx and of the same rows
# saved by Excel as samples/legacy-rewards-gbk.csv (examples/gen_legacy_samples.rs writes
# all three):
#
#   rewardsync validate samples/legacy-rewards.xlsx --map samples/legacy-mapping.toml
#   rewardsync validate samples/legacy-rewards-gbk.csv --map samples/legacy-mapping.toml --encoding gbk
#
# What the export already says in Feishu's words needs no entry here: the columns named
# as Feishu's documentation names them (投递ID, 奖励类型, 发放形式, 积分, 币种, 奖励原因,
# 奖励产生时间, 确认时间, 发放时间, 备注) or as rewardsync knows people (内推人邮箱, the
# referrer's e-mail, and 候选人手机号, the candidate's mobile: both looked up at import), the
# documented labels (入职奖励, 过程, 活动奖励, 其他奖励, 现金, 积分, 人民币, 美元, 待确认,
# 已确认, 已发放), money strings (￥2,000.00, 1000.5元), points (1,500积分, 800分), mobiles
# as people type them (+86 138 0013 8002, 138-0013-8003), date cells and human times.

[source]
# Row 1 holds the export's title (内推奖励发放明细（2023年度）); the column names are on row 2.
header_row = 2
# The times carry no offset (date cells, 2023/3/15 10:24, 2023年3月15日): Beijing time.
timezone = "Asia/Shanghai"
# The referrer's department: not sent to Feishu.
ignore_columns = ["部门"]
# No encoding here: it applies to CSV only, and this mapping also reads the workbook and the
# UTF-8 errors files written from it. The CSV was saved by Excel on Chinese Windows, in
# GBK: read it with --encoding gbk.

[columns]
# field = the export's column header, for the columns Feishu's documentation names otherwise.
external_id = "奖励编号"
amount = "奖励金额(元)"
stage = "状态"
onboard_time = "入职日期"

[values.rule_type]
# The export's own names of rule types (1 onboard, 2 process).
"入职奖" = 1
"面试奖" = 2

[values.stage]
# The export says 已打款 for some paid rewards (3), 已发放 for others (a documented label).
"已打款" = 3
"#;

fn main() -> Result<(), Box<dyn Error>> {
    let samples: PathBuf = match std::env::args_os().nth(1) {
        Some(dir) => dir.into(),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("samples"),
    };
    let rows = rewards();
    write_workbook(&samples.join("legacy-rewards.xlsx"), &rows)?;
    write_csv(&samples.join("legacy-rewards-gbk.csv"), &rows)?;
    std::fs::write(samples.join("legacy-mapping.toml"), MAPPING)?;
    write_talents(&samples.join("talents.csv"))?;
    println!(
        "wrote {} rewards to {}: legacy-rewards.xlsx (sheet {SHEET}), legacy-rewards-gbk.csv, legacy-mapping.toml, talents.csv",
        rows.len(),
        samples.display()
    );
    println!("invalid rows, on purpose:");
    for (row, column, rule, why) in INVALID {
        println!("  row {row}, column {column}: {rule}: {why}");
    }
    Ok(())
}
