//! Control characters through the real binary: wherever one is in a file, in UTF-8 or GBK,
//! it is a problem of its own row (`FILE:LINE: column C: …`), that row is never sent, and
//! no message floods the terminal with a huge cell.

use predicates::str::contains;

use crate::common::{HEADER, Live, Workdir};

/// A referrer the sandbox knows (from `samples/employees.csv`).
const REFERRER: &str = "ou_8fe08882a7ae1007efe66632ce51f7a2";

/// What the reader says of a control character in any cell.
const NEVER_SENT: &str = "control characters are never sent: remove it from the file (Excel's CLEAN function removes them), or export the file again";

/// The byte of the NUL in the file of the bug report: far past the 64 KiB the reader sniffs.
const NUL_AT: usize = 74_893;

/// The external_id with the NUL, and the NUL's character position in it.
const NUL_ID: &str = "NUL12345\0X";
const NUL_ID_SHOWN: &str = r#""NUL12345\0X""#;
const NUL_POSITION: usize = 9;

/// A valid points row with reason `reason`.
fn row(external_id: &str, reason: &str) -> String {
    format!("{external_id},{REFERRER},7214000000000000001,,,1,1,100,,,2,{reason},,,,,,,,,\n")
}

fn utf8(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(text).0.into_owned()
}

/// A file of valid rows with Chinese reasons, larger than 64 KiB, with one row whose
/// external_id is [`NUL_ID`] placed so that its NUL is byte [`NUL_AT`] of the encoded file.
/// Returns the bytes, the line of that row, and the number of rows.
fn file_with_nul_at(encode: fn(&str) -> Vec<u8>) -> (Vec<u8>, u64, u64) {
    let mut bytes = encode(&format!("{HEADER}\n"));
    let mut rows = 0u64;
    let reason = "内推奖励 ".repeat(40);
    while bytes.len() + 2_000 < NUL_AT {
        bytes.extend(encode(&row(&format!("F{rows:05}"), &reason)));
        rows += 1;
    }
    // An ASCII row whose reason is just long enough to put the NUL where it belongs.
    let nul_in_id = NUL_ID.find('\0').expect("the id has a NUL");
    let bridge_base = row("BRIDGE", "").len();
    let reason_len = NUL_AT - nul_in_id - bytes.len() - bridge_base;
    bytes.extend(encode(&row("BRIDGE", &"x".repeat(reason_len))));
    bytes.extend(encode(&row(NUL_ID, "bad")));
    let line = rows + 3;
    rows += 2;
    for i in 0..20 {
        bytes.extend(encode(&row(&format!("G{i:05}"), &reason)));
        rows += 1;
    }
    assert_eq!(bytes[NUL_AT], 0, "the NUL is at byte {NUL_AT}");
    assert!(bytes.len() > 64 * 1024);
    (bytes, line, rows)
}

/// The lines of the output that report a problem of `file` (`FILE:LINE: …`).
fn problem_lines(stdout: &[u8], file: &str) -> Vec<String> {
    let prefix = format!("{file}:");
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|l| {
            l.strip_prefix(&prefix)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn nul_deep_in_a_large_file_is_reported_for_its_row_only() {
    let wrk = Workdir::new();
    let (bytes, line, rows) = file_with_nul_at(utf8);
    wrk.create("big.csv", bytes);
    let output = wrk
        .command(&["validate", "big.csv"])
        .assert()
        .code(1)
        .stdout(contains(format!(
            "big.csv: {rows} rows: {} valid, 1 invalid, 0 warnings",
            rows - 1
        )))
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        problem_lines(&output, "big.csv"),
        [format!(
            "big.csv:{line}: column external_id: {NUL_ID_SHOWN} has the control character U+0000 (NUL) at character {NUL_POSITION}; {NEVER_SENT}"
        )]
    );
}

#[test]
fn nul_deep_in_a_large_gbk_file_is_reported_for_its_row_only() {
    let wrk = Workdir::new();
    let (bytes, line, rows) = file_with_nul_at(gbk);
    wrk.create("gbk.csv", bytes);
    for encoding in ["gbk", "auto"] {
        let output = wrk
            .command(&["validate", "gbk.csv", "--encoding", encoding])
            .assert()
            .code(1)
            .stdout(contains(format!(
                "gbk.csv: {rows} rows: {} valid, 1 invalid",
                rows - 1
            )))
            .get_output()
            .stdout
            .clone();
        assert_eq!(
            problem_lines(&output, "gbk.csv"),
            [format!(
                "gbk.csv:{line}: column external_id: {NUL_ID_SHOWN} has the control character U+0000 (NUL) at character {NUL_POSITION}; {NEVER_SENT}"
            )],
            "--encoding {encoding}"
        );
    }
}

#[test]
fn a_row_with_a_nul_is_never_sent() {
    let live = Live::fast();
    let wrk = Workdir::new();
    let (bytes, line, rows) = file_with_nul_at(utf8);
    wrk.create("big.csv", bytes);
    live.command(
        &wrk,
        &["import", "big.csv", "--rate", "200", "--no-progress"],
    )
    .assert()
    .code(1)
    .stdout(contains(format!(
        "  {rows} rows: {} imported now, 1 invalid\n",
        rows - 1
    )))
    .stdout(contains(format!(
        "    column external_id: contains a control character (1) — big.csv:{line}\n"
    )));
    let rewards = live.state().rewards.expect("the rewards");
    assert_eq!(rewards.len() as u64, rows - 1);
    assert!(
        rewards
            .iter()
            .all(|r| !r.body.to_canonical_json().contains("\\u0000")),
        "a body with a NUL reached the server"
    );
}

#[test]
fn every_other_c0_character_and_del_is_reported_with_its_name() {
    const NAMES: [&str; 32] = [
        "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB", "LF", "VT", "FF",
        "CR", "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM",
        "SUB", "ESC", "FS", "GS", "RS", "US",
    ];
    let bytes: Vec<u8> = (0u8..0x20)
        .filter(|b| !matches!(b, b'\t' | b'\n' | b'\r'))
        .chain([0x7f])
        .collect();
    let mut text = format!("{HEADER}\n");
    for byte in &bytes {
        text.push_str(&row(&format!("C{byte:02X}{}x", char::from(*byte)), "ok"));
    }
    let wrk = Workdir::new();
    wrk.create("c0.csv", text);
    let output = wrk
        .command(&["validate", "c0.csv"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let expected: Vec<String> = bytes
        .iter()
        .enumerate()
        .map(|(i, &byte)| {
            let (escaped, name) = match byte {
                0 => ("\\0".to_owned(), NAMES[0]),
                0x7f => ("\\u{7f}".to_owned(), "DEL"),
                b => (format!("\\u{{{b:x}}}"), NAMES[usize::from(b)]),
            };
            format!(
                "c0.csv:{}: column external_id: \"C{byte:02X}{escaped}x\" has the control character U+{byte:04X} ({name}) at character 4; {NEVER_SENT}",
                i + 2
            )
        })
        .collect();
    assert_eq!(problem_lines(&output, "c0.csv"), expected);
}

#[test]
fn tabs_and_line_breaks_pass_in_free_text_and_stop_an_id() {
    let wrk = Workdir::new();
    let free = format!(
        "{HEADER}\r\n{}{}",
        row("E1", "\"第一行\r\n\t第二行\""),
        row("E2", "tab\there").replace(",\n", ",\"备注\n第二行\"\r\n")
    );
    wrk.create("free.csv", free);
    wrk.command(&["validate", "free.csv"])
        .assert()
        .code(0)
        .stdout(contains("free.csv: 2 rows: 2 valid, 0 invalid, 0 warnings"));

    let id = format!("{HEADER}\n{}{}", row("E\t1", "ok"), row("\"E2\n\"", "ok"));
    wrk.create("id.csv", id);
    let output = wrk
        .command(&["validate", "id.csv"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let advice =
        "tabs and line breaks are allowed only in reason and comment: remove it from this cell";
    assert_eq!(
        problem_lines(&output, "id.csv"),
        [
            format!(
                "id.csv:2: column external_id: \"E\\t1\" has the control character U+0009 (TAB) at character 2; {advice}"
            ),
            // Over two lines: where its quote opened and closed, first.
            "id.csv:3: column external_id: \"E2\\n\" has the control character U+000A (LF) at character 3; a quote opens this cell on line 3 and closes it only on line 4; tabs and line breaks are allowed only in reason and comment: remove them from this cell, or close the quote where the cell ends".to_owned(),
        ]
    );
}

#[test]
fn a_huge_cell_is_echoed_in_one_short_line() {
    let wrk = Workdir::new();
    let huge_id = format!("{}\0", "A".repeat(10_000));
    let huge_rule = "x".repeat(10_000);
    let text = format!(
        "{HEADER}\n{}{}",
        row(&huge_id, "ok"),
        row("E2", "ok").replacen(",1,1,100,", &format!(",{huge_rule},1,100,"), 1)
    );
    wrk.create("huge.csv", text);
    let output = wrk
        .command(&["validate", "huge.csv"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let lines = problem_lines(&output, "huge.csv");
    let a80 = "A".repeat(80);
    let x80 = "x".repeat(80);
    assert_eq!(
        lines,
        [
            format!(
                "huge.csv:2: column external_id: \"{a80}\"… has the control character U+0000 (NUL) at character 10001; {NEVER_SENT}"
            ),
            format!(
                "huge.csv:3: column rule_type: \"{x80}\"… is not a rule_type; use 1 (入职奖励, 入职, onboard), 2 (过程奖励, 过程, process), 3 (活动奖励, 活动, activity), 4 (开源奖励, 开源, open-source, open_source), 5 (其他奖励, 其他, other), or map it in the mapping file's [values.rule_type]"
            ),
        ]
    );
    for line in String::from_utf8_lossy(&output).lines() {
        assert!(line.chars().count() < 400, "a long line: {line}");
    }
}
