//! Rows that are not rewards (SPEC §2.4): a totals row and a note row below the table are
//! skipped and counted with their place, never invalid and never a reason for exit 1; a row
//! that names someone, or a half-filled reward, stays a row to check.

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::{Live, Workdir};

/// An export as a finance team leaves it: two rewards, a 合计 row, a note below.
const EXPORT: &str = "external_id,referral_user_id,application_id,rule_type,bonus_type,point_bonus,stage\n\
E1,ou_8fe08882a7ae1007efe66632ce51f7a2,7214000000000000001,1,1,100,2\n\
E2,ou_92de5a850f66e08be93b0f9a48353d42,7214000000000000002,1,1,50,2\n\
合计：,,,,,150,\n\
制表人：张三 2024-01-31\n";

#[test]
fn validate_skips_a_totals_row_and_a_note_and_exits_0() {
    let wrk = Workdir::new();
    wrk.create("export.csv", EXPORT);
    wrk.command(&["validate", "export.csv"])
        .assert()
        .code(0)
        .stdout(contains(
            "export.csv:4: skipped: a totals row (\"合计：\"), not a reward\n",
        ))
        .stdout(contains(
            "export.csv:5: skipped: a note row (\"制表人：张三 2024-01-31\", only text in its first cell), not a reward\n",
        ))
        .stdout(contains(
            "export.csv: 4 rows: 2 valid, 0 invalid, 2 skipped, 0 warnings",
        ));

    let output = wrk
        .command(&["validate", "export.csv", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (json["valid"].as_u64(), json["skipped"].as_u64()),
        (Some(2), Some(2)),
        "{json}"
    );
    assert_eq!(json["skipped_rows"][0]["line"], 4, "{json}");
    assert_eq!(json["skipped_rows"][0]["rule"], "totals_row", "{json}");
    assert_eq!(json["skipped_rows"][1]["rule"], "note_row", "{json}");
}

#[test]
fn a_row_that_names_someone_or_half_a_reward_is_not_skipped() {
    let wrk = Workdir::new();
    wrk.create(
        "export.csv",
        "external_id,referral_user_id,application_id,rule_type,bonus_type,point_bonus,stage\n\
         Total,ou_8fe08882a7ae1007efe66632ce51f7a2,7214000000000000001,1,1,100,2\n\
         E9,,,,,,\n\
         sum,,,,,,\n\
         ,,,Subtotal:,,150,\n",
    );
    wrk.command(&["validate", "export.csv"])
        .assert()
        .code(1)
        // "Total" names a referrer: a reward whose external_id happens to be Total.
        .stdout(contains("export.csv:2:").not())
        // An external_id alone is a reward half filled in, not a note.
        .stdout(contains("export.csv:3: column referral_user_id: is empty"))
        .stdout(contains(
            "export.csv:4: skipped: a totals row (\"sum\"), not a reward",
        ))
        // In whichever column it stands.
        .stdout(contains(
            "export.csv:5: skipped: a totals row (\"Subtotal:\"), not a reward",
        ))
        .stdout(contains(
            "export.csv: 4 rows: 1 valid, 1 invalid, 2 skipped, 0 warnings",
        ));
}

#[test]
fn import_sends_the_rewards_records_nothing_of_the_skipped_rows_and_exits_0() {
    let live = Live::start(Live::fast_config());
    let wrk = Workdir::new();
    wrk.create("export.csv", EXPORT);
    live.command(
        &wrk,
        &[
            "import",
            "export.csv",
            "--rate",
            "200",
            "--no-progress",
            "--errors",
            "fix.csv",
        ],
    )
    .assert()
    .code(0)
    .stdout(contains("4 rows: 2 imported now, 2 skipped"))
    .stdout(contains(
        "skipped: 2 rows: not rewards (totals, notes, rows the mapping's [skip] leaves out); nothing to do",
    ))
    .stdout(contains("export.csv:4"))
    .stdout(contains("export.csv:5"));
    assert_eq!(live.state().rewards.map(|r| r.len()), Some(2));
    // The ledger holds the two rewards only; the errors file has nothing to fix.
    let export = wrk.command(&["export"]).output().unwrap();
    let rows = String::from_utf8_lossy(&export.stdout);
    assert_eq!(rows.lines().count(), 3, "{rows}");
    assert!(!rows.contains("合计"), "{rows}");
    let fix = std::fs::read_to_string(wrk.path("fix.csv")).unwrap_or_default();
    assert!(fix.lines().count() <= 1, "{fix}");

    let (code, json) = live.import_json(&wrk, &["export.csv"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(
        (json["already_imported"].as_u64(), json["skipped"].as_u64()),
        (Some(2), Some(2)),
        "{json}"
    );
}

#[test]
fn the_mappings_skip_leaves_rows_out_by_a_column_or_a_fields_value() {
    let wrk = Workdir::new();
    wrk.create(
        "export.csv",
        "external_id,referral_user_id,application_id,rule_type,bonus_type,point_bonus,stage,发放状态\n\
         E1,ou_8fe08882a7ae1007efe66632ce51f7a2,7214000000000000001,1,1,100,2,已发放\n\
         E2,ou_92de5a850f66e08be93b0f9a48353d42,7214000000000000002,1,1,50,2, 作废 \n\
         E3,ou_92de5a850f66e08be93b0f9a48353d42,7214000000000000003,1,1,50,已驳回,\n",
    );
    // A column no field reads, by its header; a field, by its name (any case, trimmed).
    wrk.create(
        "map.toml",
        "[skip]\n\"发放状态\" = [\"作废\", \"已撤销\"]\nstage = \"已驳回\"\n",
    );
    wrk.command(&["validate", "export.csv", "--map", "map.toml"])
        .assert()
        .code(0)
        .stdout(contains(
            "export.csv:3: skipped: column 发放状态 is \" 作废 \", which the mapping's [skip] leaves out",
        ))
        .stdout(contains(
            "export.csv:4: skipped: column stage is \"已驳回\", which the mapping's [skip] leaves out",
        ))
        .stdout(contains("export.csv: 3 rows: 1 valid, 0 invalid, 2 skipped, 0 warnings"));

    // Without the mapping the status column is unknown and 已驳回 is no stage.
    wrk.command(&["validate", "export.csv", "--ignore-unknown-columns"])
        .assert()
        .code(1)
        .stdout(contains(
            "export.csv:4: column stage: \"已驳回\" is not a stage",
        ));

    // A [skip] line naming nothing of the file is refused with its line.
    wrk.create("map.toml", "[skip]\n\"状态\" = [\"作废\"]\n");
    wrk.command(&[
        "validate",
        "export.csv",
        "--map",
        "map.toml",
        "--ignore-unknown-columns",
    ])
        .assert()
        .code(2)
        .stderr(contains(
            "map.toml:2: [skip] names \"状态\", which is neither a field a column of export.csv gives nor a column of its header",
        ));
    wrk.create("map.toml", "[skip]\n\"发放状态\" = 3\n");
    wrk.command(&["validate", "export.csv", "--map", "map.toml"])
        .assert()
        .code(2)
        .stderr(contains(
            "[skip] \"发放状态\" takes a list of the values whose rows to leave out, e.g. \"发放状态\" = [\"作废\", \"已撤销\"]",
        ));
}
