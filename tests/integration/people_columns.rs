//! People named by e-mail or mobile (SPEC §2.3), as far as `validate` sees them: the
//! columns and their labels, the offline checks of form with line and column, mobile
//! normalisation, the id winning over an e-mail or mobile beside it, and the people a
//! valid row leaves to look up.

use rewardsync::read::field::Field;
use rewardsync::read::person::{Contact, Role};
use rewardsync::read::validate::{Checked, Rule};

use crate::common::{Workdir, check_text};

const REST: &str = "external_id,rule_type,stage,bonus_type,point_bonus";

/// (role, column, value as looked up) of every person a row leaves to look up.
fn wanted(checked: &Checked) -> Vec<(Role, Field, String)> {
    checked
        .people
        .iter()
        .map(|w| (w.role, w.field, w.contact.lookup_form()))
        .collect()
}

fn errors(checked: &Checked) -> Vec<(String, Rule, String)> {
    checked
        .errors()
        .map(|p| {
            (
                p.column.clone().unwrap_or_default(),
                p.rule,
                p.message.clone(),
            )
        })
        .collect()
}

#[test]
fn a_referrer_and_a_candidate_by_email_or_mobile_are_left_to_look_up() {
    let rows = check_text(
        "p.csv",
        &format!(
            "referral_user_email,referral_user_mobile,talent_email,talent_mobile,{REST}\n\
             zhang.wei@example.com,,cand@example.com,,R1,1,1,1,100\n\
             ,+86 139-1234-5678,,(+852) 6123 4567,R2,1,1,1,100\n\
             li@example.com,13912345678,,13800000000,R3,1,1,1,100\n"
        ),
    );
    assert!(rows.iter().all(Checked::is_valid), "{rows:?}");
    assert!(
        rows.iter().all(|r| !r.is_ready()),
        "each still needs its people"
    );
    assert_eq!(
        wanted(&rows[0]),
        [
            (
                Role::Referrer,
                Field::ReferralUserEmail,
                "zhang.wei@example.com".into()
            ),
            (Role::Talent, Field::TalentEmail, "cand@example.com".into()),
        ]
    );
    // Mobiles as the lookup takes them: bare 11 digits in mainland China, +CODE elsewhere.
    assert_eq!(
        wanted(&rows[1]),
        [
            (
                Role::Referrer,
                Field::ReferralUserMobile,
                "13912345678".into()
            ),
            (Role::Talent, Field::TalentMobile, "+85261234567".into()),
        ]
    );
    // The e-mail is looked up when both are given; the mobile is only checked.
    assert_eq!(wanted(&rows[2])[0].1, Field::ReferralUserEmail);
    let body = rows[0].body.as_ref().unwrap();
    assert_eq!(body.referral_user_id, "", "filled in once looked up");
    assert_eq!(body.talent_id, None);
}

#[test]
fn an_id_wins_and_the_contact_beside_it_is_only_checked() {
    let rows = check_text(
        "p.csv",
        &format!(
            "referral_user_id,referral_user_email,talent_id,talent_mobile,{REST}\n\
             ou_a,zhang.wei@example.com,7300,13912345678,R1,1,1,1,100\n\
             ou_a,not-an-email,7300,,R2,1,1,1,100\n"
        ),
    );
    assert!(rows[0].is_ready(), "{rows:?}");
    let body = rows[0].body.as_ref().unwrap();
    assert_eq!(body.referral_user_id, "ou_a");
    assert_eq!(body.talent_id.as_deref(), Some("7300"));
    assert!(!rows[1].is_valid());
    assert_eq!(
        errors(&rows[1]),
        [(
            "referral_user_email".into(),
            Rule::Email,
            "\"not-an-email\" is not an e-mail address (it has no @); write it as name@company.com"
                .into()
        )]
    );
}

/// SPEC §2.3: an application id is not a talent id, so a talent e-mail or mobile beside
/// it is looked up (the body then carries both); a talent_id beside it needs no lookup.
#[test]
fn a_candidate_contact_beside_an_application_id_is_left_to_look_up() {
    let rows = check_text(
        "p.csv",
        &format!(
            "referral_user_id,application_id,talent_id,talent_email,talent_mobile,{REST}\n\
             ou_a,7214,,li.na@example.com,,R1,1,1,1,100\n\
             ou_a,7214,,,139 1234 5678,R2,1,1,1,100\n\
             ou_a,7214,7300,li.na@example.com,,R3,1,1,1,100\n\
             ou_a,7214,,li.na@,,R4,1,1,1,100\n"
        ),
    );
    assert!(rows[0].is_valid() && !rows[0].is_ready(), "{rows:?}");
    assert_eq!(
        wanted(&rows[0]),
        [(Role::Talent, Field::TalentEmail, "li.na@example.com".into())]
    );
    let body = rows[0].body.as_ref().unwrap();
    assert_eq!(
        body.application_id.as_deref(),
        Some("7214"),
        "kept as it is"
    );
    assert_eq!(body.talent_id, None, "filled in once looked up");
    assert_eq!(
        wanted(&rows[1]),
        [(Role::Talent, Field::TalentMobile, "13912345678".into())]
    );
    assert!(rows[2].is_ready(), "the talent_id wins: {rows:?}");
    let body = rows[2].body.as_ref().unwrap();
    assert_eq!(
        (body.application_id.as_deref(), body.talent_id.as_deref()),
        (Some("7214"), Some("7300"))
    );
    assert_eq!(
        errors(&rows[3])
            .into_iter()
            .map(|(c, rule, _)| (c, rule))
            .collect::<Vec<_>>(),
        [("talent_email".into(), Rule::Email)]
    );
}

#[test]
fn the_form_of_every_person_column_is_checked_offline_with_its_column() {
    let header = format!(
        "referral_user_id,create_user_email,confirm_user_mobile,pay_user_email,application_id,{REST}"
    );
    let rows = check_text(
        "p.csv",
        &format!(
            "{header}\n\
             ou_a,boss@,,,7214,R1,1,1,1,100\n\
             ou_a,,2126668888,,7214,R2,1,2,1,100\n\
             ou_a,,1.39E+10,,7214,R3,1,2,1,100\n\
             ou_a,,,pay@example.com,7214,R4,1,3,1,100\n"
        ),
    );
    let rules: Vec<Vec<(String, Rule)>> = rows
        .iter()
        .map(|r| {
            errors(r)
                .into_iter()
                .map(|(c, rule, _)| (c, rule))
                .collect()
        })
        .collect();
    assert_eq!(rules[0], [("create_user_email".into(), Rule::Email)]);
    assert_eq!(rules[1], [("confirm_user_mobile".into(), Rule::Mobile)]);
    assert_eq!(
        rules[2],
        [("confirm_user_mobile".into(), Rule::ScientificNotation)]
    );
    assert!(
        errors(&rows[1])[0]
            .2
            .contains("must start with + and its country code")
    );
    assert_eq!(
        wanted(&rows[3]),
        [(Role::Payer, Field::PayUserEmail, "pay@example.com".into())]
    );
}

#[test]
fn a_row_with_no_way_to_name_its_referrer_or_candidate_says_which_columns_are_empty() {
    let rows = check_text(
        "p.csv",
        &format!(
            "referral_user_id,referral_user_email,application_id,talent_id,talent_mobile,{REST}\n\
             ,,,,,R1,1,1,1,100\n"
        ),
    );
    assert_eq!(
        errors(&rows[0]),
        [
            (
                "referral_user_id".into(),
                Rule::Required,
                "referral_user_id, referral_user_email are all empty; a reward needs its referrer"
                    .into()
            ),
            (
                "application_id".into(),
                Rule::CandidateMissing,
                "application_id, talent_id, talent_mobile are all empty; a reward needs its candidate"
                    .into()
            ),
        ]
    );
}

#[test]
fn the_documentation_labels_name_the_people_columns() {
    let rows = check_text(
        "p.csv",
        "内推人邮箱,候选人手机号,发放人手机号,外部奖励ID,奖励类型,奖励状态,积分\n\
         zhang.wei@example.com,139 1234 5678,+1 212 666 8888,R1,入职奖励,已发放,100\n",
    );
    assert!(rows[0].is_valid(), "{rows:?}");
    assert_eq!(
        wanted(&rows[0]),
        [
            (
                Role::Referrer,
                Field::ReferralUserEmail,
                "zhang.wei@example.com".into()
            ),
            (Role::Talent, Field::TalentMobile, "13912345678".into()),
            (Role::Payer, Field::PayUserMobile, "+12126668888".into()),
        ]
    );
    assert!(matches!(rows[0].people[1].contact, Contact::Mobile(ref m) if m.is_mainland()));
}

#[test]
fn a_file_without_any_referrer_column_is_refused_naming_the_three() {
    let wrk = Workdir::new();
    wrk.create(
        "p.csv",
        format!("application_id,{REST}\n7214,R1,1,1,1,100\n"),
    );
    wrk.command(&["validate", "p.csv"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "referral_user_id (or referral_user_email, referral_user_mobile)",
        ));
}

#[test]
fn explain_shows_a_mobile_as_it_is_looked_up() {
    let wrk = Workdir::new();
    wrk.create(
        "p.csv",
        format!(
            "referral_user_mobile,application_id,{REST}\n+86 139-1234-5678,7214,R1,1,1,1,100\n"
        ),
    );
    wrk.command(&["validate", "p.csv", "--explain"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "p.csv:2, column referral_user_mobile: \"+86 139-1234-5678\" read as 13912345678",
        ));
}

#[test]
fn a_dry_run_looks_no_one_up_and_says_who_the_ledger_knows() {
    use rewardsync::feishu::UserIdType;
    use rewardsync::ledger::{Directory, FoundPerson, Ledger, PersonKey};

    let wrk = Workdir::new();
    wrk.create(
        "people.csv",
        "内推人邮箱,候选人手机号,外部奖励ID,奖励类型,奖励状态,积分\n\
         zhang.wei@example.com,139 1234 5678,P1,入职奖励,已发放,100\n\
         li.na@example.com,+86 138-0000-0000,P2,入职奖励,已确认,200\n\
         zhang.wei@example.com,139 1234 5678,P3,过程,待确认,50\n",
    );
    {
        let ledger = Ledger::open(&wrk.path("rewardsync.db")).unwrap();
        let run = ledger
            .begin_run(rewardsync::ledger::RunKind::Import, Some("people.csv"))
            .unwrap();
        let found = FoundPerson {
            key: PersonKey {
                directory: Directory::Users(UserIdType::OpenId),
                contact: Contact::Email("zhang.wei@example.com".into()),
            },
            id: "ou_zhang".into(),
            status: None,
        };
        ledger.remember_people(run, &[found]).unwrap();
    }
    let output = wrk
        .command(&["import", "people.csv", "--dry-run"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("people: 4 named by e-mail or mobile: 1 known to the ledger, 3 to look up; 0 rows unresolved"),
        "{stdout}"
    );
    assert!(
        stdout.contains(r#"would send: {"referral_user_id":"ou_zhang","external_id":"P1","talent_id":"(looked up at import: 13912345678)""#),
        "{stdout}"
    );
    let json = wrk
        .command(&[
            "import",
            "people.csv",
            "--dry-run",
            "--json",
            "--refresh-people",
        ])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        json["people"],
        serde_json::json!({"named": 4, "known": 0, "to_look_up": 4}),
        "--refresh-people looks everyone up again"
    );
}
