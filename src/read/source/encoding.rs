//! Text encodings: what a file's first bytes say it is, and decoding field by field so
//! that a bad byte is reported where it is, never replaced in silence.

use super::SourceError;

/// The encoding asked for: a fixed one, or the file's start decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EncodingChoice {
    /// UTF-8, with or without a byte-order mark.
    #[default]
    Utf8,
    /// GB18030, the superset of GBK and GB2312 that Excel on Chinese Windows writes.
    Gbk,
    /// UTF-8 if the start of the file is valid UTF-8, else GBK.
    Auto,
}

/// The text encoding a file is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8; `bom` says whether the file started with a byte-order mark.
    Utf8 { bom: bool },
    /// GB18030 (a superset of GBK and GB2312).
    Gb18030,
}

impl Encoding {
    /// The name users type with `--encoding`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 { .. } => "utf-8",
            Encoding::Gb18030 => "gbk",
        }
    }
}

/// How many bytes are looked at to sniff a file's kind and encoding.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Decodes one field; on failure returns the lossy text and the first bad bytes.
pub fn decode_field(raw: &[u8], encoding: Encoding) -> (String, Option<Vec<u8>>) {
    match encoding {
        Encoding::Utf8 { .. } => match std::str::from_utf8(raw) {
            Ok(text) => (text.to_owned(), None),
            Err(e) => {
                let start = e.valid_up_to();
                let len = e.error_len().unwrap_or(raw.len() - start).max(1);
                let bad = raw[start..(start + len).min(raw.len())].to_vec();
                (String::from_utf8_lossy(raw).into_owned(), Some(bad))
            }
        },
        Encoding::Gb18030 => {
            match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(raw) {
                Some(text) => (text.into_owned(), None),
                None => {
                    let (text, _) = encoding_rs::GB18030.decode_without_bom_handling(raw);
                    let bad = first_bad_gb18030(raw);
                    (text.into_owned(), Some(bad))
                }
            }
        }
    }
}

/// The first malformed byte sequence of GB18030 text.
fn first_bad_gb18030(raw: &[u8]) -> Vec<u8> {
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(raw.len() * 3 + 4);
    let mut consumed = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&raw[consumed..], &mut out, true);
        consumed += read;
        match result {
            encoding_rs::DecoderResult::Malformed(bad, _) => {
                let bad = usize::from(bad);
                let start = consumed.saturating_sub(bad);
                return raw[start..consumed].to_vec();
            }
            encoding_rs::DecoderResult::OutputFull => out.reserve(raw.len()),
            encoding_rs::DecoderResult::InputEmpty => return raw.to_vec(),
        }
    }
}

/// What the first bytes of a file say about it.
pub struct Sniffed {
    pub encoding: Encoding,
    /// Bytes to skip (a byte-order mark).
    pub skip: usize,
    /// The file is not UTF-8 but decodes cleanly as GBK.
    pub looks_like_gbk: bool,
}

pub fn sniff(path: &str, start: &[u8], asked: EncodingChoice) -> Result<Sniffed, SourceError> {
    let not_text = |what, advice| SourceError::NotText {
        path: path.to_owned(),
        what,
        advice,
    };
    if start.is_empty() {
        return Err(SourceError::Empty {
            path: path.to_owned(),
        });
    }
    if start.starts_with(b"PK\x03\x04") {
        return Err(not_text(
            "it is a zip archive, probably an Excel .xlsx workbook",
            "open it in Excel and save it as \"CSV UTF-8 (Comma delimited)\"",
        ));
    }
    if start.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(not_text(
            "it is an old Excel .xls workbook",
            "open it in Excel and save it as \"CSV UTF-8 (Comma delimited)\"",
        ));
    }
    if start.starts_with(&[0xFF, 0xFE]) || start.starts_with(&[0xFE, 0xFF]) {
        return Err(not_text(
            "it is UTF-16 text",
            "save it as UTF-8 (in Excel: \"CSV UTF-8 (Comma delimited)\")",
        ));
    }
    if let Some((what, advice)) = nul_first_line(start) {
        return Err(not_text(what, advice));
    }
    let bom = start.starts_with(&[0xEF, 0xBB, 0xBF]);
    let body = if bom { &start[3..] } else { start };
    let utf8_ok = valid_utf8_prefix(body);
    let gbk_ok = !utf8_ok
        && encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(trim_partial_gbk(body))
            .is_some();
    let encoding = match asked {
        EncodingChoice::Utf8 => Encoding::Utf8 { bom },
        EncodingChoice::Gbk => Encoding::Gb18030,
        EncodingChoice::Auto if bom || utf8_ok => Encoding::Utf8 { bom },
        EncodingChoice::Auto => Encoding::Gb18030,
    };
    let skip = if matches!(encoding, Encoding::Utf8 { bom: true }) {
        3
    } else {
        0
    };
    Ok(Sniffed {
        encoding,
        skip,
        looks_like_gbk: gbk_ok,
    })
}

/// Whether the first line says the file is not 8-bit text at all: `(what, advice)`.
///
/// Only the first line is judged, and only by its share of NUL bytes. A CSV's first line
/// is its header, short names written by the exporting program; when a quarter or more of
/// its bytes are NUL, the file is UTF-16 or UTF-32 without a byte-order mark (every ASCII
/// character comes with one or three NULs) or binary data, and reading it as CSV would
/// only give nonsense. A NUL anywhere else, or a stray one in the header, is not a reason
/// to refuse the whole file: the reader reports it as a problem of its row, or names the
/// header column, with the line and position.
fn nul_first_line(start: &[u8]) -> Option<(&'static str, &'static str)> {
    let line = start
        .iter()
        .position(|&b| b == b'\n')
        .map_or(start, |end| &start[..end]);
    let nuls: Vec<usize> = (0..line.len()).filter(|&i| line[i] == 0).collect();
    if nuls.is_empty() || nuls.len() * 4 < line.len() {
        return None;
    }
    // UTF-16 puts the NUL of every ASCII character on the same side of it.
    let one_side = nuls.iter().all(|i| i % 2 == 0) || nuls.iter().all(|i| i % 2 == 1);
    Some(if one_side {
        (
            "it looks like UTF-16 text without a byte-order mark: every other byte of its first line is NUL",
            "save it as UTF-8 (in Excel: \"CSV UTF-8 (Comma delimited)\")",
        )
    } else {
        (
            "its first line is full of NUL bytes: it is binary data or UTF-32 text, not a CSV export",
            "export the rewards as a CSV text file (UTF-8 or GBK)",
        )
    })
}

/// True if the bytes are UTF-8, allowing a character cut off at the end of the sample.
fn valid_utf8_prefix(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4,
    }
}

/// The sample without a possibly cut-off last line, so a split character is not held
/// against GBK.
fn trim_partial_gbk(bytes: &[u8]) -> &[u8] {
    if bytes.len() < SNIFF_BYTES {
        return bytes;
    }
    match bytes.iter().rposition(|&b| b == b'\n') {
        Some(end) => &bytes[..=end],
        None => bytes,
    }
}
