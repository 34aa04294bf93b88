//! The accounts commands' input files as the library reads them: the account id file of
//! `accounts enable|deactivate|assets --file` and the rules of the registration CSV.

use rewardsync::read::account_files::AccountFileError;
use rewardsync::read::account_files::{AccountId, AccountReader, read_account_ids};
use rewardsync::read::source::EncodingChoice;
use rewardsync::read::validate::Rule;

use crate::common::Workdir;

/// Reads `contents` as an account id file named `ids.csv`.
fn ids(contents: impl AsRef<[u8]>, encoding: EncodingChoice) -> Result<Vec<AccountId>, String> {
    let wrk = Workdir::new();
    let path = wrk.create("ids.csv", contents);
    read_account_ids(&path, encoding).map_err(|e| {
        e.to_string()
            .replace(&path.display().to_string(), "ids.csv")
    })
}

fn id(id: &str, line: u64) -> AccountId {
    AccountId {
        id: id.to_owned(),
        line,
    }
}

#[test]
fn a_header_with_account_id_in_any_case_gives_its_ids() {
    // As `accounts register --output` writes it: a failed registration has no account id.
    let file = "legacy_no,email,Account_ID,status\n\
                E1,zhang.wei@example.com,6942778198054125570,registered\n\
                E2,nobody@example.com,,failed\n\
                E3,li.na@example.com,6942778198054125571,registered\n";
    assert_eq!(
        ids(file, EncodingChoice::Utf8).unwrap(),
        [id("6942778198054125570", 2), id("6942778198054125571", 4)]
    );
}

#[test]
fn a_header_without_account_id_is_refused_naming_its_columns() {
    assert_eq!(
        ids(
            "email,id\nzhang.wei@example.com,6942778198054125570\n",
            EncodingChoice::Utf8
        )
        .unwrap_err(),
        "ids.csv:1: the first line is a header (its first cell \"email\" is not an account id), but it has no account_id column; the header has: \"email\", \"id\". Name the column of ids account_id, or list one account id per line without a header"
    );
}

#[test]
fn a_wide_header_without_account_id_lists_20_of_its_columns() {
    let names: Vec<String> = (0..5_000).map(|i| format!("c{i}")).collect();
    let err = ids(format!("{}\n", names.join(",")), EncodingChoice::Utf8).unwrap_err();
    let listed: Vec<String> = (0..20).map(|i| format!("\"c{i}\"")).collect();
    assert!(
        err.contains(&format!(
            "the header has: {} and 4980 more. Name the column of ids account_id",
            listed.join(", ")
        )),
        "{err}"
    );
}

#[test]
fn a_plain_list_has_one_id_per_line() {
    let file = "6942778198054125570\n\n6942778198054125571\r\n 6942778198054125572 \n";
    assert_eq!(
        ids(file, EncodingChoice::Utf8).unwrap(),
        [
            id("6942778198054125570", 1),
            id("6942778198054125571", 3),
            id("6942778198054125572", 4)
        ]
    );
}

#[test]
fn a_byte_order_mark_is_skipped() {
    assert_eq!(
        ids("\u{feff}6942778198054125570\n12\n", EncodingChoice::Utf8).unwrap(),
        [id("6942778198054125570", 1), id("12", 2)]
    );
    assert_eq!(
        ids("\u{feff}account_id\r\n12\r\n", EncodingChoice::Utf8).unwrap(),
        [id("12", 2)]
    );
}

#[test]
fn a_gbk_file_is_read_with_its_encoding() {
    let file = encoding_rs::GB18030
        .encode("姓名,account_id\n张伟,6942778198054125570\n")
        .0
        .into_owned();
    for encoding in [EncodingChoice::Gbk, EncodingChoice::Auto] {
        assert_eq!(
            ids(&file, encoding).unwrap(),
            [id("6942778198054125570", 2)],
            "{encoding:?}"
        );
    }
    assert_eq!(
        ids(&file, EncodingChoice::Utf8).unwrap_err(),
        "ids.csv:1: the header is not valid UTF-8; if the file is GBK, rerun with --encoding gbk"
    );
}

#[test]
fn every_bad_id_is_reported_with_its_line() {
    let file = "name,account_id\n\
                A,6.94E+18\n\
                B,69427x\n\
                C,123\n\
                D,\"12\t3\"\n\
                E,12\u{0}3\n\
                F\n";
    assert_eq!(
        ids(file, EncodingChoice::Utf8).unwrap_err(),
        "ids.csv: 5 account ids cannot be used; fix the file and run again:\n\
         ids.csv:2: column account_id: \"6.94E+18\" is an account id that Excel turned into scientific notation, which loses its digits; format the column as Text in Excel and export again\n\
         ids.csv:3: column account_id: \"69427x\" is not an account id: account ids are digits only, as `accounts register` prints them\n\
         ids.csv:5: column account_id: \"12\\t3\" has the control character U+0009 (TAB) at character 3; an account id is digits only: remove it\n\
         ids.csv:6: column account_id: \"12\\03\" has the control character U+0000 (NUL) at character 3; control characters are never sent: remove it from the file (Excel's CLEAN function removes them), or export the file again\n\
         ids.csv:7: the row has 1 fields but the header has 2; look for a missing or extra comma, or a value with a comma that is not in double quotes"
    );
}

#[test]
fn bad_ids_carry_their_rules() {
    let wrk = Workdir::new();
    let path = wrk.create("ids.csv", "6.94E+18\n69427x\n");
    let Err(AccountFileError::InvalidAccountIds { problems, .. }) =
        read_account_ids(&path, EncodingChoice::Utf8)
    else {
        panic!("bad ids are an error");
    };
    let found: Vec<(u64, Rule)> = problems.iter().map(|(line, p)| (*line, p.rule)).collect();
    // A plain list whose first line Excel mangled is still a list, not a header.
    assert_eq!(found, [(1, Rule::ScientificNotation), (2, Rule::NotDigits)]);
}

#[test]
fn repeated_ids_are_kept_once_at_their_first_line() {
    assert_eq!(
        ids("12\n34\n12\n", EncodingChoice::Utf8).unwrap(),
        [id("12", 1), id("34", 2)]
    );
}

#[test]
fn a_file_without_ids_is_refused() {
    assert_eq!(
        ids("", EncodingChoice::Utf8).unwrap_err(),
        "ids.csv: the file is empty; list one account id per line, or give the CSV that `accounts register --output` wrote"
    );
    assert_eq!(
        ids(
            "email,account_id,status\nnobody@example.com,,failed\n",
            EncodingChoice::Utf8
        )
        .unwrap_err(),
        "ids.csv: no account ids in the file; list one account id per line, or give the CSV that `accounts register --output` wrote (its account_id cells are empty where a registration failed)"
    );
}

#[test]
fn registration_rows_have_a_rule_for_every_problem() {
    let wrk = Workdir::new();
    let path = wrk.create(
        "emp.csv",
        "legacy_no,email,mobile_code,mobile_number\n\
         E1,not-an-email,,\n\
         E2,,,13910000000\n\
         E3,,86,\n\
         E4,,,\n\
         E5,,86,1.391E+10\n\
         E6,,86,139-1000\n\
         E7,,86,1391\n\
         E8,a@example.com,,\n\
         E9,A@example.com,,\n\
         E10,x\u{0}@example.com,,\n",
    );
    let mut reader = AccountReader::open(&path, EncodingChoice::Utf8).unwrap();
    let mut found = Vec::new();
    while let Some(row) = reader.next_row().unwrap() {
        for problem in &row.problems {
            found.push((row.line, problem.column.clone(), problem.rule));
        }
    }
    let column = |c: &str| Some(c.to_owned());
    assert_eq!(
        found,
        [
            (2, column("email"), Rule::Email),
            (3, column("mobile_code"), Rule::MobileIncomplete),
            (4, column("mobile_number"), Rule::MobileIncomplete),
            (5, None, Rule::ContactMissing),
            (6, column("mobile_number"), Rule::ScientificNotation),
            (7, column("mobile_number"), Rule::NotDigits),
            (8, column("mobile_number"), Rule::DigitCount),
            (10, None, Rule::Duplicate),
            (11, column("email"), Rule::ControlCharacter),
        ]
    );
}

#[test]
fn an_empty_registration_file_says_what_it_should_hold() {
    let wrk = Workdir::new();
    let path = wrk.create("emp.csv", "");
    let err = AccountReader::open(&path, EncodingChoice::Utf8).unwrap_err();
    assert!(
        err.to_string().ends_with(
            "emp.csv: the file is empty; a registration CSV starts with a header row: email, or mobile_code and mobile_number, or all three"
        ),
        "{err}"
    );
}

#[test]
fn a_registration_file_without_contact_columns_says_which_it_needs_and_suggests_no_mapping() {
    let wrk = Workdir::new();
    let path = wrk.create("emp.csv", "工号,姓名,手机\nA1,张伟,13800138000\n");
    let err = AccountReader::open(&path, EncodingChoice::Utf8)
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "emp.csv: no column to register by: a registration CSV needs a column email, or mobile_code and mobile_number, or all three; the header has: \"工号\", \"姓名\", \"手机\". Name the columns so (other columns are carried through to the result)"
        ),
        "{err}"
    );
    // `accounts register` has no --map.
    assert!(!err.contains("--map"), "{err}");
}
