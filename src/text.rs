//! How things are worded in messages: a value read from an input file (quoted, escaped,
//! cut), text a server sent (escaped, cut), control characters found and named, counts,
//! lists, OS errors.
//!
//! A cell can hold anything: ten kilobytes of text after a stray quote, a NUL from a
//! damaged export, an escape sequence that would repaint the terminal. Every message that
//! quotes a value goes through [`echo`], so the user sees exactly what is in the file,
//! invisible characters included, and never more than a line of it.

/// How many characters of a value [`echo`] shows before it cuts the rest off.
pub const ECHO_MAX_CHARS: usize = 80;

/// How many characters of a server's text [`server_text`] shows, its escapes and the `…`
/// of a cut included (SPEC §2.5).
pub const SERVER_TEXT_MAX_CHARS: usize = 200;

/// Tabs and line breaks: text layout, allowed in free-text cells only.
pub const LAYOUT_CHARACTERS: [char; 3] = ['\t', '\n', '\r'];

/// True when `value` holds a tab or a line break ([`LAYOUT_CHARACTERS`]): one vectorized
/// pass over its bytes.
pub fn has_layout(value: &str) -> bool {
    value
        .bytes()
        .fold(false, |any, b| any | matches!(b, b'\t' | b'\n' | b'\r'))
}

/// A value as messages show it: in double quotes, with control and invisible characters
/// escaped (`\n`, `\t`, `\r`, `\0`, `\u{7f}`, …), `"` and `\` escaped, and at most
/// [`ECHO_MAX_CHARS`] characters of the value, followed by `…` after the closing quote
/// when the rest was cut off.
///
/// Characters are counted in the value, not in the escaped text, and an escape is never
/// cut in half. The `…` sits outside the quotes so that it cannot be mistaken for part of
/// the value.
pub fn echo(value: &str) -> String {
    let mut shown = String::with_capacity(value.len().min(ECHO_MAX_CHARS * 4) + 4);
    shown.push('"');
    let mut chars = value.chars();
    for c in chars.by_ref().take(ECHO_MAX_CHARS) {
        push_escaped(&mut shown, c, true);
    }
    shown.push('"');
    if chars.next().is_some() {
        shown.push('…');
    }
    shown
}

/// Pushes `c` as messages show it: control and invisible characters escaped, and `"` and
/// `\` too when the text is shown in quotes.
fn push_escaped(out: &mut String, c: char, quoted: bool) {
    match c {
        '"' if quoted => out.push_str("\\\""),
        '\\' if quoted => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        '\0' => out.push_str("\\0"),
        c if c.is_control() || is_invisible(c) => {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        }
        c => out.push(c),
    }
}

/// Text a server sent (a refusal's `msg`, a webhook's answer, a log id), as every message
/// and summary shows it: control and invisible characters escaped as [`echo`] escapes
/// them (an escape sequence in a server's answer must not repaint the user's terminal),
/// and at most [`SERVER_TEXT_MAX_CHARS`] characters, ending in `…` when the rest was cut
/// (never inside an escape). Not quoted: it stands in sentences as the server wrote it.
///
/// Applying it again changes nothing, so text already shown this way (a ledger's record
/// of a refusal) can pass through it once more.
pub fn server_text(text: &str) -> String {
    let mut shown = String::with_capacity(text.len().min(SERVER_TEXT_MAX_CHARS * 4));
    let mut used = 0;
    let mut piece = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        piece.clear();
        push_escaped(&mut piece, c, false);
        let width = piece.chars().count();
        // The last character may take the last place; any other leaves room for `…`.
        let room = if chars.peek().is_none() {
            SERVER_TEXT_MAX_CHARS
        } else {
            SERVER_TEXT_MAX_CHARS - 1
        };
        if used + width > room {
            shown.push('…');
            return shown;
        }
        shown.push_str(&piece);
        used += width;
    }
    shown
}

/// Characters that print as nothing or reorder the text around them: shown escaped, so a
/// quoted value never looks different from what the file holds. (The zero-width joiners
/// U+200C/U+200D are left alone: emoji and some scripts need them.)
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
    )
}

/// A character by its code point, with its name when it is a control character:
/// `U+0000 (NUL)`, `U+0009 (TAB)`, `U+007F (DEL)`, `U+200B`.
pub fn describe_char(c: char) -> String {
    let code = u32::from(c);
    match control_name(c) {
        Some(name) => format!("U+{code:04X} ({name})"),
        None => format!("U+{code:04X}"),
    }
}

/// The usual abbreviation of a control character (C0, DEL), or "C1 control".
fn control_name(c: char) -> Option<&'static str> {
    const C0: [&str; 32] = [
        "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB", "LF", "VT", "FF",
        "CR", "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM",
        "SUB", "ESC", "FS", "GS", "RS", "US",
    ];
    match u32::from(c) {
        code @ 0..=0x1f => C0.get(code as usize).copied(),
        0x7f => Some("DEL"),
        0x80..=0x9f => Some("C1 control"),
        _ => None,
    }
}

/// The control characters found in a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Controls {
    /// The first one.
    pub first: char,
    /// Where the first one is: its character position in the value, from 1.
    pub position: usize,
    /// How many there are in all.
    pub count: usize,
}

/// The control characters of a value (C0, DEL and C1: Unicode's `Cc`), except those in
/// `allowed`; `None` when there are none.
pub fn find_controls(value: &str, allowed: &[char]) -> Option<Controls> {
    // Every control character is a byte below 0x20, 0x7F, or 0xC2 then 0x80..=0x9F (C1)
    // in UTF-8: a byte scan clears almost every cell of a file without decoding it.
    let bytes = value.as_bytes();
    // A scan the compiler vectorizes, then a closer look only where 0xC2 may start a C1.
    if !may_hold_controls(value) {
        return None;
    }
    let c1 = |i: usize| bytes.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n));
    if !bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b < 0x20 || b == 0x7f || (b == 0xc2 && c1(i)))
    {
        return None;
    }
    let mut found: Option<Controls> = None;
    for (i, c) in value.chars().enumerate() {
        if !c.is_control() || allowed.contains(&c) {
            continue;
        }
        match found.as_mut() {
            Some(controls) => controls.count += 1,
            None => {
                found = Some(Controls {
                    first: c,
                    position: i + 1,
                    count: 1,
                })
            }
        }
    }
    found
}

/// False when `value` certainly holds no control character (nor tab or line break): one
/// vectorized pass over its bytes, for a whole row at once ([`find_controls`] says which).
pub fn may_hold_controls(value: &str) -> bool {
    let suspect = |b: u8| b < 0x20 || b == 0x7f || b == 0xc2;
    value.bytes().fold(false, |any, b| any | suspect(b))
}

/// `value` without its leading and trailing white space, as [`str::trim`], without
/// decoding a value whose first and last bytes are plain ASCII (nearly every cell).
pub fn trim(value: &str) -> &str {
    // Space, tab, LF, VT, FF, CR: the ASCII white space `char::is_whitespace` knows.
    let plain = |b: &u8| b.is_ascii() && !matches!(b, b' ' | 0x09..=0x0d);
    let bytes = value.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) if plain(first) && plain(last) => value,
        _ => value.trim(),
    }
}

/// A CJK ideograph (unified, extension A, compatibility): Chinese words, never an id's.
pub fn is_cjk_ideograph(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// True when `value` is empty or only white space (as `value.trim().is_empty()`).
pub fn is_blank(value: &str) -> bool {
    trim(value).is_empty()
}

/// `"E1\0" has the control character U+0000 (NUL) at character 3; {advice}`: the message
/// for a value with control characters, naming the first one and where it is.
pub fn control_message(value: &str, found: &Controls, advice: &str) -> String {
    let what = if found.count == 1 {
        "the control character".to_owned()
    } else {
        format!("{} control characters, the first", found.count)
    };
    format!(
        "{} has {what} {} at character {}; {advice}",
        echo(value),
        describe_char(found.first),
        found.position
    )
}

/// "1 row", "2 rows".
pub fn counted(n: u64, noun: &str) -> String {
    counted_as(n, noun, &format!("{noun}s"))
}

/// "1 retry", "2 retries": for nouns whose plural is not the singular plus "s".
pub fn counted_as(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A count with its thousands grouped: `1,048,576`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (k, digit) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// At most `shown` items joined with ", ", then "and N more".
pub fn list<T: AsRef<str>>(items: &[T], shown: usize) -> String {
    let mut text = items
        .iter()
        .take(shown)
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > shown {
        text.push_str(&format!(" and {} more", items.len() - shown));
    }
    text
}

/// An OS error in words, without the "(os error N)" that std appends: the words already
/// say it, and a message that quotes it twice reads as two errors. What follows it is cut
/// too: tempfile wraps the OS error as `… (os error 13) at path "dir/.name.Xy12Zq.tmp"`,
/// naming a randomly named file the user never chose.
pub fn io_error(e: &std::io::Error) -> String {
    let text = e.to_string();
    let os_error = text.match_indices(" (os error ").find(|(at, marker)| {
        let rest = &text[at + marker.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with(')')
    });
    match os_error {
        Some((cut, _)) => text[..cut].to_owned(),
        None => text,
    }
}

/// Reads a small text file whole (a mapping file, a secret), or refuses it past `limit`
/// bytes without reading on: no file given as configuration can exhaust the memory
/// (SPEC §2.5). A file too big, or not UTF-8, is an `InvalidData` error saying so (print
/// it with [`io_error`]).
pub fn read_small_file(path: &std::path::Path, limit: u64, what: &str) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!(
                "the file is over {}, which no {what} comes near: is it the right file?",
                bytes_in_words(limit)
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::new(
            ErrorKind::InvalidData,
            format!(
                "byte {} of the file is not UTF-8; save it as UTF-8 text",
                e.utf8_error().valid_up_to() + 1
            ),
        )
    })
}

/// A size in bytes as messages say it: `64 KiB`, `16 MiB`.
pub fn bytes_in_words(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_files_are_read_and_big_ones_refused_without_reading_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "abc\n").unwrap();
        assert_eq!(read_small_file(&path, 4, "mapping file").unwrap(), "abc\n");
        let refused = |limit, what| io_error(&read_small_file(&path, limit, what).unwrap_err());
        assert_eq!(
            refused(3, "mapping file"),
            "the file is over 3 bytes, which no mapping file comes near: is it the right file?"
        );
        std::fs::write(&path, b"ok\xFF").unwrap();
        assert_eq!(
            refused(16, "secret"),
            "byte 3 of the file is not UTF-8; save it as UTF-8 text"
        );
        assert_eq!(bytes_in_words(16 << 20), "16 MiB");
        assert_eq!(bytes_in_words(64 << 10), "64 KiB");
    }

    #[test]
    fn trim_is_str_trim() {
        // Every ASCII byte and the Unicode spaces an export holds, at either edge.
        let mut edges: Vec<String> = (0u8..0x80).map(|b| char::from(b).to_string()).collect();
        edges.extend(["\u{3000}", "\u{a0}", "\u{85}", "\u{2028}", "入", "é", ""].map(String::from));
        for first in &edges {
            for last in &edges {
                for middle in ["", "x", " ", "入 职"] {
                    let value = format!("{first}{middle}{last}");
                    assert_eq!(trim(&value), value.trim(), "{value:?}");
                    assert_eq!(is_blank(&value), value.trim().is_empty(), "{value:?}");
                }
            }
        }
    }

    #[test]
    fn echo_quotes_escapes_and_cuts() {
        let a80 = "a".repeat(80);
        let a81 = "a".repeat(81);
        let cjk81 = "奖".repeat(81);
        let cases: &[(&str, &str, String)] = &[
            ("empty", "", "\"\"".into()),
            ("ascii", "E-1 x", "\"E-1 x\"".into()),
            ("cjk", "入职奖励", "\"入职奖励\"".into()),
            ("emoji", "🎉👨‍👩‍👧", "\"🎉👨‍👩‍👧\"".into()),
            ("quote and backslash", r#"a"b\c"#, r#""a\"b\\c""#.into()),
            ("nul", "E\u{0}1", r#""E\01""#.into()),
            ("tab lf cr", "a\tb\nc\rd", r#""a\tb\nc\rd""#.into()),
            (
                "del and esc",
                "\u{7f}\u{1b}[2J",
                r#""\u{7f}\u{1b}[2J""#.into(),
            ),
            ("c1", "\u{9b}x", r#""\u{9b}x""#.into()),
            (
                "invisible",
                "E\u{200b}1\u{202e}",
                r#""E\u{200b}1\u{202e}""#.into(),
            ),
            ("exactly 80", &a80, format!("\"{a80}\"")),
            ("81 is cut", &a81, format!("\"{a80}\"…")),
            (
                "cjk is cut by chars",
                &cjk81,
                format!("\"{}\"…", "奖".repeat(80)),
            ),
        ];
        for (name, value, expected) in cases {
            assert_eq!(&echo(value), expected, "{name}");
        }
    }

    #[test]
    fn server_text_is_escaped_cut_and_stable() {
        assert_eq!(server_text("参数错误"), "参数错误");
        assert_eq!(
            server_text("bad \"amount\" \\ x"),
            "bad \"amount\" \\ x",
            "not quoted, so quotes stay"
        );
        assert_eq!(
            server_text("a\u{1b}[2J\u{7}b\u{9b}c\u{202e}d\n"),
            r"a\u{1b}[2J\u{7}b\u{9b}c\u{202e}d\n"
        );
        let exact = "x".repeat(SERVER_TEXT_MAX_CHARS);
        assert_eq!(server_text(&exact), exact);
        let over = "长".repeat(100_000);
        let cut = server_text(&over);
        assert_eq!(cut, format!("{}…", "长".repeat(SERVER_TEXT_MAX_CHARS - 1)));
        // Escapes count as what they show, and are never cut in half.
        let escapes = server_text(&"\u{1b}".repeat(100));
        assert!(escapes.chars().count() <= SERVER_TEXT_MAX_CHARS);
        assert_eq!(escapes, format!("{}…", r"\u{1b}".repeat(33)));
        for text in [exact.as_str(), &over, &"\u{1b}".repeat(100), "a\u{7}b"] {
            let once = server_text(text);
            assert_eq!(server_text(&once), once, "stable: {text:?}");
        }
    }

    #[test]
    fn echo_never_cuts_an_escape() {
        let value = "\u{0}".repeat(100);
        assert_eq!(echo(&value), format!("\"{}\"…", "\\0".repeat(80)));
        let value = format!("{}\u{7f}tail", "x".repeat(79));
        assert_eq!(echo(&value), format!("\"{}\\u{{7f}}\"…", "x".repeat(79)));
    }

    #[test]
    fn echo_of_a_huge_cell_stays_short() {
        let shown = echo(&"长".repeat(10_000));
        assert_eq!(shown.chars().count(), 83);
    }

    #[test]
    fn characters_are_described_by_code_point_and_name() {
        for (c, expected) in [
            ('\0', "U+0000 (NUL)"),
            ('\t', "U+0009 (TAB)"),
            ('\n', "U+000A (LF)"),
            ('\r', "U+000D (CR)"),
            ('\u{1b}', "U+001B (ESC)"),
            ('\u{1f}', "U+001F (US)"),
            ('\u{7f}', "U+007F (DEL)"),
            ('\u{85}', "U+0085 (C1 control)"),
            ('\u{200b}', "U+200B"),
        ] {
            assert_eq!(describe_char(c), expected);
        }
    }

    #[test]
    fn controls_are_found_with_their_position_and_count() {
        assert_eq!(find_controls("plain 文本", &[]), None);
        assert_eq!(
            find_controls("奖\u{0}x\u{7f}", &[]),
            Some(Controls {
                first: '\0',
                position: 2,
                count: 2
            })
        );
        assert_eq!(find_controls("a\tb\r\nc", &LAYOUT_CHARACTERS), None);
        assert_eq!(
            find_controls("a\tb\u{1}", &LAYOUT_CHARACTERS),
            Some(Controls {
                first: '\u{1}',
                position: 4,
                count: 1
            })
        );
    }

    #[test]
    fn control_message_names_the_first_character() {
        let one = find_controls("E\u{0}1", &[]).unwrap();
        assert_eq!(
            control_message("E\u{0}1", &one, "remove it"),
            r#""E\01" has the control character U+0000 (NUL) at character 2; remove it"#
        );
        let two = find_controls("a\nb\n", &[]).unwrap();
        assert_eq!(
            control_message("a\nb\n", &two, "remove them"),
            r#""a\nb\n" has 2 control characters, the first U+000A (LF) at character 2; remove them"#
        );
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        for (n, shown) in [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (32_767, "32,767"),
            (1_048_576, "1,048,576"),
        ] {
            assert_eq!(grouped(n), shown);
        }
    }

    #[test]
    fn lists_are_cut_with_a_count() {
        assert_eq!(list(&["a", "b"], 5), "a, b");
        assert_eq!(list(&["a", "b", "c"], 2), "a, b and 1 more");
        assert_eq!(list::<&str>(&[], 2), "");
    }

    #[test]
    fn os_errors_lose_their_number() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(io_error(&e), "No such file or directory");
        let custom = std::io::Error::other("plain");
        assert_eq!(io_error(&custom), "plain");
        let dir = tempfile::tempdir().unwrap();
        let wrapped = tempfile::Builder::new()
            .tempfile_in(dir.path().join("missing"))
            .unwrap_err();
        assert!(wrapped.to_string().contains("at path"), "{wrapped}");
        assert_eq!(io_error(&wrapped), "No such file or directory");
    }
}
