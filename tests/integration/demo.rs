//! `rewardsync demo`, as a newcomer runs it: the legacy workbook of `samples/` imported with
//! its mapping into the in-process sandbox (referrers by e-mail and candidates by mobile
//! looked up first), then the resume, which looks no one up and sends nothing.

use crate::common::Workdir;

#[test]
fn the_demo_imports_the_legacy_workbook_then_resumes_without_a_request() {
    let wrk = Workdir::new();
    let output = wrk.command(&["demo", "--no-progress"]).output().unwrap();
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");

    let (first, second) = stdout
        .split_once("== 2.")
        .unwrap_or_else(|| panic!("two passes: {stdout}"));
    // The first run: every person of the valid rows looked up (18 referrers by e-mail, 7
    // candidates by mobile), then the 33 valid rows imported; the 7 wrong on purpose
    // named by row and left unsent.
    for expected in [
        "legacy-rewards.xlsx",
        "plan: 40 rows: 33 to send, 0 already imported, 0 changed since imported (conflict), 0 failed earlier, 7 invalid",
        "people: 25 named by e-mail or mobile: 0 known to the ledger, 25 to look up; 0 rows unresolved",
        "40 rows: 33 imported now, 7 invalid",
        "column 内推人邮箱 (referral_user_email): is not an e-mail address (1) — ",
        "legacy-rewards.xlsx[奖励明细]:31",
        "column 发放时间 (pay_time): is a date whose day and month could be either way round (1) — ",
        "legacy-rewards.xlsx[奖励明细]:41",
    ] {
        assert!(first.contains(expected), "{first}\nexpected {expected}");
    }
    let lookups = first
        .lines()
        .find_map(|line| {
            let (_, rest) = line.split_once(" requests (")?;
            rest.split_once(" people lookups)")?.0.parse::<u64>().ok()
        })
        .unwrap_or_else(|| panic!("a sent line naming lookups: {first}"));
    // One call for the e-mails, one for the mainland mobiles, one for Hong Kong's; more
    // only when a fault made one be sent again.
    assert!(lookups >= 3, "{first}");
    assert!(
        !first.contains("the sandbox received 0 requests"),
        "{first}"
    );

    // The resume: everyone known, nothing looked up or sent, as the sandbox itself counts.
    for expected in [
        "plan: 40 rows: 0 to send, 33 already imported, 0 changed since imported (conflict), 0 failed earlier, 7 invalid",
        "people: 25 named by e-mail or mobile: 25 known to the ledger, 0 to look up; 0 rows unresolved",
        "40 rows: 0 imported now, 33 already imported, 7 invalid",
        "the sandbox received 0 requests in this run",
        "the sandbox holds 33 rewards after ",
    ] {
        assert!(second.contains(expected), "{second}\nexpected {expected}");
    }
    assert!(!second.contains("people lookups)"), "{second}");
}
