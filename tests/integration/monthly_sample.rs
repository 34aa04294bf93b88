//! The README's walk through `samples/monthly-rewards.xlsx` (SPEC §2.4): a finance team's
//! workbook (汇总 first, a sheet per month, one value column, 合计 rows, voided rows, a
//! hidden row, a note) goes from `map suggest` to a clean import with no edit of the
//! export and only the mapping edits a person must decide (the currency, the hidden row).

use crate::common::{Live, Workdir, repo_path};

/// `map suggest`'s mapping, with what only a person can decide: the currency no column
/// gives (the timezone it proposes is the export's), and that 6月's hidden row (a reward
/// entered twice, hidden instead of deleted) is no reward.
fn decided_mapping(wrk: &Workdir) -> String {
    let sample = repo_path("samples/monthly-rewards.xlsx");
    let output = wrk
        .command(&["map", "suggest", sample.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let suggested = String::from_utf8(output.stdout).unwrap();
    for line in [
        "sheets = \"*\"",
        "timezone = \"Asia/Shanghai\"",
        "value = \"金额\"",
        "\"发放状态\" = [\"作废\"]",
        "# currency_type = \"CNY\"",
    ] {
        assert!(
            suggested.lines().any(|l| l.starts_with(line)),
            "{line}: {suggested}"
        );
    }
    assert!(!suggested.contains("ignore_columns"), "{suggested}");
    let decided = suggested
        .replace("# currency_type = \"CNY\"", "currency_type = \"CNY\"")
        .replace("[source]\n", "[source]\nhidden_rows = \"skip\"\n");
    wrk.create("mapping.toml", &decided);
    decided
}

#[test]
fn the_monthly_workbook_validates_with_the_suggested_mapping_and_two_decisions() {
    let wrk = Workdir::new();
    // Before the decision on hidden rows, validate says where the hidden row is.
    let suggested = decided_mapping(&wrk).replace("hidden_rows = \"skip\"\n", "");
    wrk.create("undecided.toml", &suggested);
    let sample = repo_path("samples/monthly-rewards.xlsx");
    wrk.command(&[
        "validate",
        sample.to_str().unwrap(),
        "--map",
        "undecided.toml",
    ])
    .assert()
    .code(0)
    .stdout(predicates::str::contains(
        "monthly-rewards.xlsx[6月]: warning: row 4 is hidden in the workbook",
    ))
    .stdout(predicates::str::contains("37 valid, 0 invalid, 15 skipped"));
    let sample = repo_path("samples/monthly-rewards.xlsx");
    let output = wrk
        .command(&[
            "validate",
            sample.to_str().unwrap(),
            "--map",
            "mapping.toml",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let last = text.lines().last().unwrap_or_default();
    assert!(
        last.ends_with(
            "monthly-rewards.xlsx[1月, 2月, 3月, 4月, 5月, 6月, 7月, 8月, 9月, 10月, 11月, 12月]: 52 rows: 36 valid, 0 invalid, 16 skipped, 0 warnings"
        ),
        "{text}"
    );
    assert!(
        text.contains("monthly-rewards.xlsx[汇总]: sheet skipped: no table of rewards"),
        "{text}"
    );
    assert!(
        text.contains("monthly-rewards.xlsx[8月]:6: skipped: column 发放状态 is \"作废\""),
        "{text}"
    );
}

#[test]
fn the_monthly_workbook_imports_once_and_a_rerun_sends_nothing() {
    let live = Live::start(Live::fast_config());
    let wrk = Workdir::new();
    decided_mapping(&wrk);
    let sample = repo_path("samples/monthly-rewards.xlsx");
    let sample = sample.to_str().unwrap();
    let (code, json) = live.import_json(&wrk, &[sample, "--map", "mapping.toml"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(
        (json["imported"].as_u64(), json["skipped"].as_u64()),
        (Some(36), Some(16)),
        "{json}"
    );
    assert_eq!(live.state().rewards.map(|r| r.len()), Some(36));
    let (code, json) = live.import_json(&wrk, &[sample, "--map", "mapping.toml"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(
        (json["already_imported"].as_u64(), json["sent"].as_u64()),
        (Some(36), Some(0)),
        "{json}"
    );
}

#[test]
fn every_sheet_without_a_mapping_is_refused_naming_the_first_month_not_the_summary() {
    let wrk = Workdir::new();
    let sample = repo_path("samples/monthly-rewards.xlsx");
    wrk.command(&["validate", sample.to_str().unwrap(), "--sheet", "*"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "monthly-rewards.xlsx[1月]:1: unknown columns \"奖励编号\", \"奖励方式\", \"状态\", \"发放状态\"",
        ));
}
