//! Property tests (proptest) over the reader, the mapping layer and the validator: any input
//! gives rows or errors and never a panic; a valid row's body carries exactly its fields; the
//! body hash does not depend on column order, padding or the form a value is written in. The
//! files of `tests/corpus/` (inputs that once broke something, or nearly) are replayed too.
//! proptest keeps any case it finds failing under `tests/proptest-regressions/`:
//! commit those files, and every later `cargo test` replays them first.

use proptest::prelude::*;

use rewardsync::read::mapping::{InputOptions, RewardFile};
use rewardsync::read::validate::ValidateError;
use rewardsync::read::validate::{Validator, check_rows};
use rewardsync::reward::RewardBody;

use crate::common::{check_text, repo_path};

/// Reads and validates `bytes` as a CSV to the end, whatever it holds: the number of rows
/// checked, or the error that stopped the file. Must never panic, and the rows checked on
/// every core ([`check_rows`]) must be the rows checked one by one.
fn read_all(bytes: Vec<u8>) -> Result<usize, String> {
    let open = |bytes: Vec<u8>| {
        RewardFile::from_csv(
            "p.csv".into(),
            Box::new(std::io::Cursor::new(bytes)),
            &InputOptions::default(),
        )
        .map_err(|e| e.to_string())
    };
    let mut file = open(bytes.clone())?;
    let mut validator = Validator::for_file(&file);
    let mut one_by_one = Vec::new();
    let stopped = loop {
        match validator.next(&mut file) {
            Ok(Some((_, checked))) => {
                // A valid row's body always serialises and hashes.
                if let Some(body) = &checked.body {
                    let (json, hash) = body.canonical();
                    assert!(!json.is_empty() && hash.len() == 64);
                }
                one_by_one.push(format!("{checked:?}"));
            }
            Ok(None) => break None,
            Err(e) => break Some(e.to_string()),
        }
    };
    let mut file = open(bytes)?;
    let mut validator = Validator::for_file(&file);
    let mut each_core = Vec::new();
    let parallel = check_rows(
        &mut file,
        &mut validator,
        |_| (),
        |rows| -> Result<(), ValidateError> {
            each_core.extend(rows.iter().map(|row| format!("{:?}", row.checked)));
            Ok(())
        },
    );
    assert_eq!(each_core, one_by_one, "the rows checked on every core");
    assert_eq!(parallel.err().map(|e| e.to_string()), stopped);
    match stopped {
        Some(e) => Err(e),
        None => Ok(one_by_one.len()),
    }
}

/// Headers a file may start with: canonical, legacy labels, too few columns, repeats.
const HEADERS: [&str; 5] = [
    "external_id,referral_user_id,application_id,rule_type,bonus_type,point_bonus,currency_type,amount,stage,create_time,confirm_time,pay_time,comment",
    "奖励ID,内推人ID,投递ID,奖励类型,发放形式,积分,币种,金额,奖励状态,奖励产生时间,发放时间,备注",
    "external_id,referral_user_email,talent_mobile,rule_type,stage,point_bonus",
    "external_id,external_id,amount",
    "a,b,c",
];

/// Cells made of what breaks parsers: quotes, separators, line breaks, marks, digits, CJK.
fn cell() -> impl Strategy<Value = String> {
    prop::string::string_regex(
        "[\"',\\r\\n\\t ;￥¥元.\\-+eE:/0-9a-zA-Z@＠ou_入职奖励过程已发放人民币积分]{0,24}",
    )
    .expect("a valid regex")
}

/// One valid reward, in canonical form.
#[derive(Debug, Clone)]
struct Reward {
    external_id: String,
    referrer: String,
    application_id: String,
    rule_type: i64,
    /// Points, or cash in cents.
    points: Option<i64>,
    cents: i64,
    create_time: i64,
    comment: String,
}

fn reward() -> impl Strategy<Value = Reward> {
    (
        "[A-Z]{1,3}-[0-9]{1,6}",
        "ou_[0-9a-f]{8,32}",
        "7[0-9]{18}",
        1i64..=3,
        prop::option::of(1i64..=100_000),
        1i64..=10_000_000,
        // 2020-01-01 to 2029-12-31, whole seconds.
        1_577_836_800i64..1_893_455_999,
        "[a-z 中文]{0,12}",
    )
        .prop_map(
            |(external_id, referrer, application_id, rule_type, points, cents, secs, comment)| {
                Reward {
                    external_id,
                    referrer,
                    application_id,
                    rule_type,
                    points,
                    cents,
                    create_time: secs * 1000,
                    comment: comment.trim().to_owned(),
                }
            },
        )
}

impl Reward {
    /// (column, canonical value) in the canonical column order.
    fn columns(&self) -> Vec<(&'static str, String)> {
        let mut columns = vec![
            ("external_id", self.external_id.clone()),
            ("referral_user_id", self.referrer.clone()),
            ("application_id", self.application_id.clone()),
            ("rule_type", self.rule_type.to_string()),
            ("stage", "1".to_owned()),
            ("create_time", self.create_time.to_string()),
            ("comment", self.comment.clone()),
        ];
        match self.points {
            Some(points) => {
                columns.push(("bonus_type", "1".to_owned()));
                columns.push(("point_bonus", points.to_string()));
            }
            None => {
                columns.push(("bonus_type", "2".to_owned()));
                columns.push(("currency_type", "CNY".to_owned()));
                columns.push(("amount", self.amount()));
            }
        }
        columns
    }

    fn amount(&self) -> String {
        format!("{}.{:02}", self.cents / 100, self.cents % 100)
    }

    /// The same values as a legacy export writes them: labels, money with marks and
    /// thousands separators, points with 积分, a time with its offset.
    fn legacy(&self, column: &str, value: &str) -> String {
        match column {
            "rule_type" => {
                ["入职奖励", "过程", "活动奖励"][(self.rule_type - 1) as usize].to_owned()
            }
            "bonus_type" if value == "1" => "积分".to_owned(),
            "bonus_type" => "现金".to_owned(),
            "currency_type" => "人民币".to_owned(),
            "stage" => "待确认".to_owned(),
            "amount" => {
                let whole = (self.cents / 100).to_string();
                let mut grouped = String::new();
                for (i, d) in whole.chars().enumerate() {
                    if i > 0 && (whole.len() - i).is_multiple_of(3) {
                        grouped.push(',');
                    }
                    grouped.push(d);
                }
                format!("￥{grouped}.{:02}", self.cents % 100)
            }
            "point_bonus" => format!("{value}积分"),
            "create_time" => jiff::Timestamp::from_millisecond(self.create_time)
                .map(|t| t.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))))
                .map(|z| z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
                .unwrap_or_else(|_| value.to_owned()),
            _ => value.to_owned(),
        }
    }
}

/// A CSV of one row from `(column, value)` pairs, each value quoted.
fn csv(columns: &[(&str, String)]) -> String {
    let header: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
    let values: Vec<String> = columns
        .iter()
        .map(|(_, v)| format!("\"{}\"", v.replace('"', "\"\"")))
        .collect();
    format!("{}\n{}\n", header.join(","), values.join(","))
}

/// The body of the only row of `text`, which must be valid.
fn body_of(text: &str) -> RewardBody {
    let mut rows = check_text("p.csv", text);
    assert_eq!(rows.len(), 1);
    let row = rows.remove(0);
    assert!(row.problems.is_empty(), "{text}\n{:?}", row.problems);
    row.body.expect("valid")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_csv_gives_rows_or_errors_and_never_a_panic(
        header in prop::sample::select(HEADERS.to_vec()),
        rows in prop::collection::vec(prop::collection::vec(cell(), 0..16), 0..6),
    ) {
        let mut text = format!("{header}\n");
        for row in rows {
            text.push_str(&row.join(","));
            text.push('\n');
        }
        let _ = read_all(text.into_bytes());
    }

    #[test]
    fn any_bytes_after_a_header_give_rows_or_errors_and_never_a_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        let mut input = format!("{}\n", HEADERS[0]).into_bytes();
        input.extend(bytes);
        let _ = read_all(input);
    }

    #[test]
    fn a_valid_rows_body_carries_exactly_its_fields(reward in reward()) {
        let body = body_of(&csv(&reward.columns()));
        // The body that is sent parses back into the same reward.
        let json = body.to_canonical_json();
        let back: RewardBody = serde_json::from_str(&json).expect("the body parses back");
        prop_assert_eq!(&back, &body);
        prop_assert_eq!(&body.external_id, &reward.external_id);
        prop_assert_eq!(&body.referral_user_id, &reward.referrer);
        prop_assert_eq!(body.application_id.as_deref(), Some(reward.application_id.as_str()));
        prop_assert_eq!(body.rule_type, reward.rule_type);
        prop_assert_eq!(body.stage, 1);
        let create_time = reward.create_time.to_string();
        prop_assert_eq!(body.create_time.as_deref(), Some(create_time.as_str()));
        prop_assert_eq!(body.comment.as_deref(), (!reward.comment.is_empty()).then_some(reward.comment.as_str()));
        let sent: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        match reward.points {
            Some(points) => {
                prop_assert_eq!(sent["bonus"]["bonus_type"].as_i64(), Some(1));
                prop_assert_eq!(sent["bonus"]["point_bonus"].as_i64(), Some(points));
            }
            None => {
                prop_assert_eq!(sent["bonus"]["bonus_type"].as_i64(), Some(2));
                prop_assert_eq!(sent["bonus"]["cash"]["currency_type"].as_str(), Some("CNY"));
                let amount: rust_decimal::Decimal =
                    sent["bonus"]["cash"]["amount"].to_string().parse().expect("a number");
                prop_assert_eq!(amount, rust_decimal::Decimal::new(reward.cents, 2));
            }
        }
    }

    #[test]
    fn the_hash_does_not_depend_on_column_order_padding_or_form(
        reward in reward(),
        order in Just(()).prop_perturb(|_, mut rng| rng.random::<u64>()),
        legacy_mask in any::<u16>(),
        pad_mask in any::<u16>(),
    ) {
        let columns = reward.columns();
        let canonical = body_of(&csv(&columns)).canonical().1;
        // Shuffle the columns (a seeded permutation), pad some values with spaces, and
        // write some in their legacy form.
        let mut shuffled: Vec<(usize, (&str, String))> = columns.into_iter().enumerate().collect();
        shuffled.sort_by_key(|(i, _)| (*i as u64).wrapping_mul(order | 1).rotate_left(17) ^ order);
        let changed: Vec<(&str, String)> = shuffled
            .into_iter()
            .map(|(i, (column, value))| {
                let value = if legacy_mask & (1 << i) != 0 { reward.legacy(column, &value) } else { value };
                let value = if pad_mask & (1 << i) != 0 && column != "comment" { format!("  {value} ") } else { value };
                (column, value)
            })
            .collect();
        let text = csv(&changed);
        prop_assert_eq!(body_of(&text).canonical().1, canonical, "{}", text);
    }
}

#[test]
fn the_corpus_of_inputs_that_once_broke_something_reads_without_a_panic() {
    let dir = repo_path("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/corpus exists")
        .map(|entry| entry.expect("a directory entry").path())
        // Its folders (workbooks/) are read by the tests of their own kind.
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    for file in files {
        let bytes = std::fs::read(&file).expect("readable");
        // Rows or an error, never a panic; and the same answer twice (no hidden state).
        let first = read_all(bytes.clone());
        assert_eq!(first, read_all(bytes), "{}", file.display());
    }
}
