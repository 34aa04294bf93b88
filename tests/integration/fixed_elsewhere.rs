//! Rows fixed elsewhere (SPEC §2.4): a row invalid in this file whose external_id is
//! already imported, from the errors file fixed and imported or another file, is reported
//! as "invalid here; imported in run N from FILE", is not written to the errors file again
//! and does not make the exit code 1. A row only invalid (or pending, failed) elsewhere,
//! and a duplicate, stay invalid.

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::{Live, Workdir};

const HEADER: &str =
    "external_id,referral_user_id,application_id,rule_type,bonus_type,point_bonus,stage\n";

/// An export with one good row and two broken ones (a rule_type 9, points "abc").
fn export() -> String {
    format!(
        "{HEADER}\
         E1,ou_8fe08882a7ae1007efe66632ce51f7a2,7214000000000000001,1,1,100,2\n\
         E2,ou_92de5a850f66e08be93b0f9a48353d42,7214000000000000002,9,1,50,2\n\
         E3,ou_92de5a850f66e08be93b0f9a48353d42,7214000000000000003,1,1,abc,2\n"
    )
}

/// What the user does with the errors file: rewrites the bad cells, keeps the rest.
fn fix(wrk: &Workdir, name: &str) {
    let path = wrk.path(name);
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (rule_type, points) = (column("rule_type"), column("point_bonus"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    for record in reader.records() {
        let mut cells: Vec<String> = record.unwrap().iter().map(str::to_owned).collect();
        cells[rule_type] = "1".into();
        cells[points] = "50".into();
        writer.write_record(&cells).unwrap();
    }
    std::fs::write(&path, writer.into_inner().unwrap()).unwrap();
}

#[test]
fn rows_fixed_in_the_errors_file_are_not_outstanding_when_the_original_runs_again() {
    let live = Live::fast();
    let wrk = Workdir::new();
    wrk.create("export.csv", export());
    let import = |args: &[&str]| {
        let mut all = vec!["import"];
        all.extend_from_slice(args);
        all.extend(["--rate", "200", "--no-progress"]);
        live.command(&wrk, &all)
    };

    // Run 1: two rows invalid, written to fix.csv.
    import(&["export.csv", "--errors", "fix.csv"])
        .assert()
        .code(1)
        .stdout(contains("3 rows: 1 imported now, 2 invalid"))
        .stdout(contains("  wrote 2 rows to fix.csv\n"));
    // Run 2: the user fixes them there and imports the errors file.
    fix(&wrk, "fix.csv");
    import(&["fix.csv"])
        .assert()
        .code(0)
        .stdout(contains("2 rows: 2 imported now"));
    let requests = live.requests();
    let held = live.state().rewards.map(|r| r.len());
    assert_eq!(held, Some(3));

    // The dry run of the original says so in its plan, and exits 0.
    import(&["export.csv", "--dry-run"])
        .assert()
        .code(0)
        .stdout(contains(
            "plan: 3 rows: 0 to send, 1 already imported, 0 changed since imported (conflict), 0 failed earlier, 0 invalid, 2 invalid here but imported from another file\n",
        ));

    // Run 3: the original, still broken, as tonight's cron runs it.
    import(&["export.csv", "--errors", "again.csv"])
        .assert()
        .code(0)
        .stdout(contains(
            "  3 rows: 0 imported now, 1 already imported, 2 imported elsewhere\n",
        ))
        .stdout(contains(
            "  imported elsewhere: 2 rows: invalid in this file, but already imported from a corrected copy; nothing to fix here\n",
        ))
        .stdout(contains(
            "    invalid here; imported in run 2 from fix.csv (2) — export.csv:3, export.csv:4\n",
        ))
        .stdout(contains("invalid:").not())
        .stdout(contains("  wrote 0 rows to again.csv\n"));
    assert_eq!(live.requests(), requests, "nothing was sent");
    assert_eq!(live.state().rewards.map(|r| r.len()), held);
    let again = std::fs::read_to_string(wrk.path("again.csv")).unwrap();
    assert!(!again.contains("E2") && !again.contains("E3"), "{again}");

    // Run 4, as JSON: counted under their own key, not under invalid.
    let (code, json) = live.import_json(&wrk, &["export.csv"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["imported_elsewhere"], 2, "{json}");
    assert_eq!(json["invalid"], 0, "{json}");
    assert_eq!(json["sent"], 0, "{json}");
    assert_eq!(json["plan"]["imported_elsewhere"], 2, "{json}");
    assert_eq!(json["plan"]["invalid"], 0, "{json}");
    let group = &json["reasons"]["imported_elsewhere"][0];
    assert_eq!(
        group["message"], "invalid here; imported in run 2 from fix.csv",
        "{json}"
    );
    assert_eq!(
        group["at"],
        serde_json::json!(["export.csv:3", "export.csv:4"]),
        "{json}"
    );

    // The ledger still holds them imported, from fix.csv, by run 2.
    let imported = wrk.export("imported");
    for id in ["E2", "E3"] {
        let row = imported.iter().find(|r| &r[0] == id).unwrap();
        assert_eq!(&row[7], "fix.csv", "{row:?}");
        assert_eq!(&row[10], "2", "{row:?}");
    }
    assert_eq!(wrk.status()["invalid"], 0);
}

#[test]
fn a_row_only_invalid_elsewhere_or_a_duplicate_stays_invalid() {
    let live = Live::fast();
    let wrk = Workdir::new();
    let import = |file: &str| {
        live.command(
            &wrk,
            &["import", file, "--rate", "200", "--no-progress", "--json"],
        )
        .output()
        .unwrap()
    };
    // E5 is broken in other.csv (invalid in the ledger) and broken here again; E1's second
    // row is a duplicate of an imported row.
    wrk.create(
        "other.csv",
        format!("{HEADER}E5,ou_92de5a850f66e08be93b0f9a48353d42,7214000000000000005,9,1,50,2\n"),
    );
    assert_eq!(import("other.csv").status.code(), Some(1));
    wrk.create(
        "here.csv",
        format!(
            "{HEADER}\
             E1,ou_8fe08882a7ae1007efe66632ce51f7a2,7214000000000000001,1,1,100,2\n\
             E5,ou_92de5a850f66e08be93b0f9a48353d42,7214000000000000005,1,1,abc,2\n\
             E1,ou_8fe08882a7ae1007efe66632ce51f7a2,7214000000000000009,1,1,100,2\n"
        ),
    );
    let output = import("here.csv");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{json}");
    assert_eq!(json["imported"], 1, "{json}");
    assert_eq!(json["invalid"], 2, "{json}");
    assert_eq!(json["imported_elsewhere"], 0, "{json}");
    // Once E1 is imported, its duplicate is still the file's own mistake.
    let output = import("here.csv");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{json}");
    assert_eq!(
        (json["already_imported"].as_u64(), json["invalid"].as_u64()),
        (Some(1), Some(2)),
        "{json}"
    );
    assert_eq!(json["imported_elsewhere"], 0, "{json}");
}
