//! The natural mistake of issue 22 (SPEC §2.3): a referral_user_id column that holds
//! employee numbers, e-mails, mobiles or names is refused offline, in `validate` and before
//! `import` sends anything, with the column to use instead; `--user-id-type user_id` takes
//! the tenant's own ids.

use predicates::str::contains;

use crate::common::{Live, Workdir};

const EXPORT: &str = "external_id,referral_user_id,application_id,rule_type,bonus_type,point_bonus,stage\n\
E1,ou_8fe08882a7ae1007efe66632ce51f7a2,7214000000000000001,1,1,100,2\n\
E2,E05157,7214000000000000002,1,1,100,2\n\
E3,zhang.wei@example.com,7214000000000000003,1,1,100,2\n\
E4,13910000000,7214000000000000004,1,1,100,2\n\
E5,张伟,7214000000000000005,1,1,100,2\n";

#[test]
fn validate_refuses_what_is_no_user_id_and_says_which_column_to_use() {
    let wrk = Workdir::new();
    wrk.create("export.csv", EXPORT);
    wrk.command(&["validate", "export.csv"])
        .assert()
        .code(1)
        .stdout(contains(
            "export.csv:3: column referral_user_id: \"E05157\" is no open_id (an open_id starts with ou_; this looks like an employee number or another system's id), not a user id; if the column holds the tenant's own Feishu user_ids, pass --user-id-type user_id; else give the person's e-mail or mobile instead (referral_user_email, referral_user_mobile)",
        ))
        .stdout(contains(
            "export.csv:4: column referral_user_id: \"zhang.wei@example.com\" is an e-mail address, not a user id; map the column as referral_user_email",
        ))
        .stdout(contains(
            "export.csv:5: column referral_user_id: \"13910000000\" is a mobile number, not a user id; map the column as referral_user_mobile",
        ))
        .stdout(contains("export.csv:6: column referral_user_id: \"张伟\" is a name, not a user id"))
        .stdout(contains("export.csv: 5 rows: 1 valid, 4 invalid"));
    // The tenant's own user_ids may be anything but an e-mail or a name.
    wrk.command(&["validate", "export.csv", "--user-id-type", "user_id"])
        .assert()
        .code(1)
        .stdout(contains("export.csv: 5 rows: 3 valid, 2 invalid"));
}

#[test]
fn import_sends_none_of_them() {
    let live = Live::start(Live::fast_config());
    let wrk = Workdir::new();
    wrk.create("export.csv", EXPORT);
    let (code, json) = live.import_json(&wrk, &["export.csv"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        (json["imported"].as_u64(), json["invalid"].as_u64()),
        (Some(1), Some(4)),
        "{json}"
    );
    assert_eq!(json["sent"], 1, "{json}");
    assert_eq!(live.state().rewards.map(|r| r.len()), Some(1));
}
