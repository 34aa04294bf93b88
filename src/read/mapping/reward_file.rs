//! A rewards file open for reading: its [`Source`] (CSV or workbook) seen through its
//! [`Mapping`], with the input options of every command that reads one (SPEC §3: `--map`,
//! `--sheet`, `--header-row`, `--delimiter`, `--timezone`, `--encoding`,
//! `--ignore-unknown-columns`; the flags override the mapping file's `[source]`).

use std::io::Read;
use std::path::Path;

use super::{MapFile, MapSpec, Mapping, MappingError};
use crate::read::forms::{TimeSettings, Zone};
use crate::read::source::{
    EncodingChoice, Origin, Record, SheetChoice, Source, SourceError, SourceKind, SourceOptions,
};

/// How to read a rewards file.
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    /// `--map FILE`, read.
    pub map: Option<MapFile>,
    /// `--encoding` (CSV).
    pub encoding: Option<EncodingChoice>,
    /// `--delimiter` (CSV).
    pub delimiter: Option<u8>,
    /// `--sheet` (workbooks).
    pub sheet: Option<SheetChoice>,
    /// `--header-row`.
    pub header_row: Option<u64>,
    /// `--timezone`: for times without an offset.
    pub timezone: Option<Zone>,
    /// `--ignore-unknown-columns`.
    pub ignore_unknown_columns: bool,
}

impl InputOptions {
    /// The source settings: each flag, else the mapping file's `[source]`, else the default.
    pub fn source_options(&self) -> SourceOptions {
        let file = self.map.as_ref().map(|m| &m.source);
        SourceOptions {
            encoding: self
                .encoding
                .or(file.and_then(|f| f.encoding))
                .unwrap_or_default(),
            delimiter: self.delimiter.or(file.and_then(|f| f.delimiter)),
            sheet: self.sheet.clone().or(file.and_then(|f| f.sheet.clone())),
            header_row: self.header_row.or(file.and_then(|f| f.header_row)),
        }
    }

    /// How times are read: `--timezone`, else the mapping's `timezone`; the mapping's
    /// `date_format` (both checked when the mapping file was read).
    pub fn time_settings(&self) -> TimeSettings {
        let file = self.map.as_ref().map(|m| &m.source);
        TimeSettings {
            zone: self.timezone.clone().or_else(|| {
                file.and_then(|f| f.timezone.as_ref())
                    .map(|z| z.value.clone())
            }),
            date_format: file
                .and_then(|f| f.date_format.as_ref())
                .map(|f| f.value.clone()),
        }
    }

    /// The mapping's spec: the mapping file and whether unknown columns are skipped.
    pub fn spec(&self) -> MapSpec<'_> {
        MapSpec {
            file: self.map.as_ref(),
            ignore_unknown_columns: self.ignore_unknown_columns
                || self
                    .map
                    .as_ref()
                    .is_some_and(|m| m.source.ignore_unknown_columns),
        }
    }
}

/// A rewards file, open, its header matched to the fields.
#[derive(Debug)]
pub struct RewardFile {
    source: Source,
    mapping: Mapping,
    time: TimeSettings,
}

impl RewardFile {
    /// Opens `path` (a CSV or a workbook, told by its content) and maps its header.
    pub fn open(path: &Path, options: &InputOptions) -> Result<RewardFile, MappingError> {
        let spec = options.spec();
        let source = Source::open(path, &options.source_options(), &|name| spec.knows(name))?;
        Self::mapped(source, options)
    }

    /// Reads CSV text from any byte source; `name` names it in messages (tests).
    pub fn from_csv(
        name: String,
        reader: Box<dyn Read + Send>,
        options: &InputOptions,
    ) -> Result<RewardFile, MappingError> {
        let spec = options.spec();
        let source = Source::from_csv(name, reader, &options.source_options(), &|name| {
            spec.knows(name)
        })?;
        Self::mapped(source, options)
    }

    fn mapped(source: Source, options: &InputOptions) -> Result<RewardFile, MappingError> {
        let mapping = Mapping::new(
            source.origin(),
            source.header_row(),
            source.names(),
            &options.spec(),
        )?;
        Ok(RewardFile {
            source,
            mapping,
            time: options.time_settings(),
        })
    }

    /// How the file's times are read.
    pub fn time_settings(&self) -> &TimeSettings {
        &self.time
    }

    /// Where the rows come from.
    pub fn origin(&self) -> &Origin {
        self.source.origin()
    }

    /// The file's name as the user gave it.
    pub fn path(&self) -> &str {
        &self.source.origin().file
    }

    /// What kind of file it is.
    pub fn kind(&self) -> SourceKind {
        self.source.kind()
    }

    /// The source (the header's row, the rows above it).
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// Which column is which field.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// The next data row.
    pub fn next_record(&mut self) -> Result<Option<Record>, SourceError> {
        self.source.next_record()
    }

    /// The source to read from and the mapping to see its rows through, at once (a
    /// reading loop needs both).
    pub fn split(&mut self) -> (&mut Source, &Mapping) {
        (&mut self.source, &self.mapping)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::source::Record;

    use std::io;

    use crate::problem::Rule;
    use crate::read::field::Field;
    use crate::read::source::{Encoding, EncodingChoice, SourceKind};

    fn read(
        bytes: &[u8],
        encoding: EncodingChoice,
    ) -> Result<(RewardFile, Vec<Record>), MappingError> {
        let mut reader = RewardFile::from_csv(
            "t.csv".into(),
            Box::new(io::Cursor::new(bytes.to_vec())),
            &InputOptions {
                encoding: Some(encoding),
                ..InputOptions::default()
            },
        )?;
        let mut rows = Vec::new();
        while let Some(row) = reader.next_record()? {
            rows.push(row);
        }
        Ok((reader, rows))
    }

    const HEADER: &str = "referral_user_id,external_id,application_id,rule_type,stage,reason";

    #[test]
    fn quoted_newline_keeps_later_line_numbers_right() {
        let text = format!("{HEADER}\nou_1,e1,a1,1,1,\"two\nlines\"\nou_2,e2,a2,1,1,x\n");
        let (_, rows) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
        assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 4]);
        assert_eq!(rows[0].text(5), "two\nlines");
    }

    #[test]
    fn crlf_and_blank_lines_keep_physical_line_numbers() {
        let text = format!(
            "{HEADER}\r\nou_1,e1,a1,1,1,\"a\r\nb\"\r\n\r\nou_2,e2,a2,1,1,x\r\nou_3,e3,a3,1,1,y"
        );
        let (_, rows) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
        assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 5, 6]);
    }

    #[test]
    fn bom_and_crlf_are_handled() {
        let text = format!("\u{feff}{HEADER}\r\nou_1,e1,a1,1,1,x\r\n");
        let (reader, rows) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
        assert_eq!(reader.kind(), SourceKind::Csv(Encoding::Utf8 { bom: true }));
        assert_eq!(reader.mapping().column_of(Field::ReferralUserId), Some(0));
        assert_eq!(rows[0].text(5), "x");
    }

    #[test]
    fn gbk_is_decoded() {
        let text = format!("{HEADER}\nou_1,e1,a1,1,1,入职奖励\n");
        let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
        let (_, rows) = read(&bytes, EncodingChoice::Gbk).unwrap();
        assert_eq!(rows[0].text(5), "入职奖励");
        let (reader, rows) = read(&bytes, EncodingChoice::Auto).unwrap();
        assert_eq!(reader.kind(), SourceKind::Csv(Encoding::Gb18030));
        assert_eq!(rows[0].text(5), "入职奖励");
    }

    #[test]
    fn gbk_read_as_utf8_is_a_row_problem_with_a_hint() {
        let text = format!("{HEADER}\nou_1,e1,a1,1,1,入职奖励\n");
        let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
        let (_, rows) = read(&bytes, EncodingChoice::Utf8).unwrap();
        let problem = &rows[0].problems[0];
        assert_eq!(problem.column.as_deref(), Some("reason"));
        assert!(
            problem.message.contains("--encoding gbk"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn undecodable_gbk_byte_is_reported() {
        let mut bytes = format!("{HEADER}\nou_1,e1,a1,1,1,ok\nou_2,e2,a2,1,1,").into_bytes();
        bytes.extend_from_slice(&[0x81, 0x20, b'\n']);
        let (_, rows) = read(&bytes, EncodingChoice::Gbk).unwrap();
        assert!(rows[0].problems.is_empty());
        assert_eq!(rows[1].row, 3);
        assert!(
            rows[1].problems[0]
                .message
                .starts_with("byte 0x81 is not valid GBK"),
            "{:?}",
            rows[1].problems
        );
    }

    #[test]
    fn ragged_row_is_a_row_problem() {
        let text = format!("{HEADER}\nou_1,e1,a1,1,1\n");
        let (_, rows) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
        assert!(
            rows[0].problems[0]
                .message
                .contains("5 fields but the header has 6")
        );
    }

    #[test]
    fn blank_rows_are_skipped() {
        let text = format!("{HEADER}\n,,,,,\nou_1,e1,a1,1,1,x\n");
        let (_, rows) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].row, 3);
    }

    #[test]
    fn header_errors() {
        let err = |bytes: &[u8]| read(bytes, EncodingChoice::Utf8).unwrap_err().to_string();
        assert_eq!(
            err(b""),
            "t.csv: the file is empty; a rewards CSV starts with a header row naming its columns (referral_user_id,external_id,\u{2026})"
        );
        assert!(err(b"PK\x03\x04rest").contains("Excel .xlsx"));
        assert_eq!(
            err("e\0x\0t\0,\0i\0d\0\n\0".as_bytes()),
            "t.csv: not a text file (it looks like UTF-16 text without a byte-order mark: every other byte of its first line is NUL); save it as UTF-8 (in Excel: \"CSV UTF-8 (Comma delimited)\")"
        );
        assert!(err(b"\0\0\0\x01\0\x02\x03\0\0").contains("full of NUL bytes"));
        assert!(
            err(b"referral_user_id,external_id,application_id,stage\n")
                .starts_with("t.csv:1: missing required column rule_type;")
        );
        assert!(
            err(b"referral_user_id,external_id,talent_id,rule_type,stage,bonus\n")
                .starts_with("t.csv:1: unknown column \"bonus\";")
        );
        assert!(
            err(b"referral_user_id,external_id,rule_type,stage\n")
                .contains("missing column application_id or talent_id")
        );
    }

    /// A valid row, `n` of them make a file of any size.
    fn filler(n: usize) -> String {
        (0..n)
            .map(|i| format!("ou_{i},E{i:08},a{i},1,1,some reason for row {i}\n"))
            .collect()
    }

    #[test]
    fn nul_far_past_the_sniffed_start_is_a_problem_of_its_row() {
        let mut text = format!("{HEADER}\n{}", filler(2000));
        assert!(text.len() > 64 * 1024, "past the sniffed start");
        let rows_before = 2000;
        text.push_str("ou_x,E\u{0}1,ax,1,1,x\n");
        text.push_str(&filler(3));
        let (_, rows) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
        let bad: Vec<&Record> = rows.iter().filter(|r| !r.problems.is_empty()).collect();
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].row, rows_before + 2);
        assert_eq!(
            bad[0].problems,
            [crate::read::source::ReadProblem {
                column: Some("external_id".into()),
                message: "\"E\\01\" has the control character U+0000 (NUL) at character 2; control characters are never sent: remove it from the file (Excel's CLEAN function removes them), or export the file again".into(),
                field: Some(1),
                rule: Rule::ControlCharacter,
            }]
        );
    }

    #[test]
    fn every_c0_control_and_del_is_refused_but_layout_is_left_to_the_caller() {
        for byte in (0u8..0x20).chain([0x7f]) {
            let c = char::from(byte);
            let text = format!("{HEADER}\nou_1,\"e{c}1\",a1,1,1,\"x{c}y\"\n");
            let (_, rows) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
            let columns: Vec<_> = rows[0]
                .problems
                .iter()
                .map(|p| (p.column.as_deref(), p.rule))
                .collect();
            if crate::text::LAYOUT_CHARACTERS.contains(&c) {
                assert!(columns.is_empty(), "{byte:#04x}: {columns:?}");
            } else {
                assert_eq!(
                    columns,
                    [
                        (Some("external_id"), Rule::ControlCharacter),
                        (Some("reason"), Rule::ControlCharacter)
                    ],
                    "{byte:#04x}"
                );
            }
        }
    }

    #[test]
    fn control_character_in_gbk_is_found_after_decoding() {
        let text = format!("{HEADER}\nou_1,e1,a1,1,1,入职\u{1b}奖励\n");
        let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
        let (_, rows) = read(&bytes, EncodingChoice::Gbk).unwrap();
        assert_eq!(rows[0].problems.len(), 1);
        assert!(
            rows[0].problems[0].message.starts_with(
                "\"入职\\u{1b}奖励\" has the control character U+001B (ESC) at character 3;"
            ),
            "{:?}",
            rows[0].problems
        );
    }

    #[test]
    fn control_character_past_the_header_end_names_its_field() {
        let text = format!("{HEADER}\nou_1,e1,a1,1,1,x,\u{7}\n");
        let (_, rows) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
        let rules: Vec<_> = rows[0].problems.iter().map(|p| p.rule).collect();
        assert_eq!(rules, [Rule::ControlCharacter, Rule::Ragged]);
        assert!(
            rows[0].problems[0]
                .message
                .starts_with("field 7: \"\\u{7}\" has"),
            "{:?}",
            rows[0].problems
        );
    }

    #[test]
    fn header_cell_with_a_control_character_stops_the_file() {
        let err = |bytes: &[u8]| read(bytes, EncodingChoice::Utf8).unwrap_err().to_string();
        assert_eq!(
            err(b"referral_user_id,exter\x01nal_id,application_id,rule_type,stage\n"),
            "t.csv:1: header column 2 (\"exter\\u{1}nal_id\") has U+0001 (SOH) at character 6; remove it from the column name"
        );
        assert!(
            err(b"referral_user_id,external\tid\n")
                .contains("has U+0009 (TAB) at character 9; remove the tab from the column name")
        );
        assert!(err(b"referral_user_id,ext\0\n").contains(
            "header column 2 (\"ext\\0\") has U+0000 (NUL) at character 4; a NUL in the header usually means the file is UTF-16"
        ));
    }

    #[test]
    fn errors_file_columns_are_ignored() {
        let text = format!("{HEADER},line,errors\nou_1,e1,a1,1,1,x,2,bad\n");
        let (reader, _) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
        assert!(reader.mapping().is_errors_file_column(6));
        assert!(reader.mapping().is_errors_file_column(7));
    }
}
