//! A rewards file open for reading: its [`Source`] (CSV or workbook) seen through its
//! [`Mapping`], with the input options of every command that reads one (SPEC §3: `--map`,
//! `--sheet`, `--header-row`, `--delimiter`, `--timezone`, `--encoding`,
//! `--ignore-unknown-columns`; the flags override the mapping file's `[source]`).

use std::collections::VecDeque;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use super::hidden::{HiddenRowsSeen, HiddenRowsWarning};
use super::{HiddenRows, MapFile, MapSpec, Mapping, MappingError};
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
    /// `--sheet`, each time it is given (workbooks).
    pub sheets: Vec<SheetChoice>,
    /// `--header-row`.
    pub header_row: Option<u64>,
    /// `--timezone`: for times without an offset.
    pub timezone: Option<Zone>,
    /// `--ignore-unknown-columns`.
    pub ignore_unknown_columns: bool,
    /// `--user-id-type`: what the user id columns must hold; None: not checked.
    pub user_ids: Option<crate::read::forms::UserIds>,
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
            sheets: self.sheet_list(),
            header_row: self.header_row.or(file.and_then(|f| f.header_row)),
        }
    }

    /// The sheets to read: `--sheet` (each time given), else the mapping's `sheets`, else
    /// its `sheet`; none: the first visible worksheet.
    pub fn sheet_list(&self) -> Vec<SheetChoice> {
        if !self.sheets.is_empty() {
            return self.sheets.clone();
        }
        let file = self.map.as_ref().map(|m| &m.source);
        match file {
            Some(f) if !f.sheets.is_empty() => f.sheets.clone(),
            Some(f) => f.sheet.iter().cloned().collect(),
            None => Vec::new(),
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

/// The parts of one run's input, each a file or a sheet of one, in the order read; a
/// row's [`Record::part`] indexes them. Shared: the thread that reads adds a part before
/// handing out its first row, so whoever gets the row finds its part.
#[derive(Debug, Clone, Default)]
pub struct Parts(Arc<RwLock<Vec<Origin>>>);

impl Parts {
    /// Adds a part; its index.
    fn push(&self, origin: Origin) -> u32 {
        let mut parts = self.0.write().unwrap_or_else(|e| e.into_inner());
        parts.push(origin);
        u32::try_from(parts.len() - 1).unwrap_or(u32::MAX)
    }

    /// Part `part`, if there is one.
    pub fn origin(&self, part: u32) -> Option<Origin> {
        let parts = self.0.read().unwrap_or_else(|e| e.into_inner());
        parts.get(part as usize).cloned()
    }

    /// A row's place as every message shows it: `FILE:LINE`, `FILE[SHEET]:ROW`.
    pub fn at(&self, part: u32, line: u64) -> String {
        let parts = self.0.read().unwrap_or_else(|e| e.into_inner());
        match parts.get(part as usize) {
            Some(origin) => origin.at(line),
            None => format!("?:{line}"),
        }
    }

    /// Every part read so far, as messages name them (`FILE`, `FILE[SHEET]`).
    pub fn all(&self) -> Vec<String> {
        let parts = self.0.read().unwrap_or_else(|e| e.into_inner());
        parts.iter().map(ToString::to_string).collect()
    }

    /// The parts read, as a report's last line names them: `a.csv`, `b.xlsx[1月]`,
    /// `b.xlsx[1月, 2月, 3月]`, `a.csv, b.csv, c.csv`; past a few files, how many more.
    pub fn described(&self) -> String {
        let parts = self.0.read().unwrap_or_else(|e| e.into_inner());
        // Consecutive sheets of one file, together.
        let mut files: Vec<(&str, Vec<&str>)> = Vec::new();
        for origin in parts.iter() {
            match (files.last_mut(), &origin.sheet) {
                (Some((file, sheets)), Some(sheet)) if *file == origin.file => sheets.push(sheet),
                (_, sheet) => {
                    files.push((&origin.file, sheet.iter().map(String::as_str).collect()))
                }
            }
        }
        let shown: Vec<String> = files
            .iter()
            .map(|(file, sheets)| match sheets.as_slice() {
                [] => (*file).to_owned(),
                sheets => format!("{file}[{}]", crate::text::list(sheets, 20)),
            })
            .collect();
        crate::text::list(&shown, 5)
    }

    /// How many parts have been read so far.
    pub fn len(&self) -> usize {
        self.0.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// True before the first part is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A row's order among every part's rows: by part, then by line.
    pub fn order(part: u32, line: u64) -> i64 {
        (i64::from(part) << 40) | i64::try_from(line).unwrap_or(i64::MAX).min((1 << 40) - 1)
    }
}

/// A run's input, open: one file, or several read one after the other (and a workbook's
/// sheets, one after the other), every part with the first one's header.
#[derive(Debug)]
pub struct PartReader {
    source: Source,
    /// The source options of every file.
    options: SourceOptions,
    /// The files still to open.
    files: VecDeque<PathBuf>,
    parts: Parts,
    /// The part the source's rows are from, and the source's own sheet ordinal for it.
    part: u32,
    ordinal: u32,
    /// The first part's header: every other part must have it.
    names: Vec<String>,
    /// Parts left out (a sheet of `'*'` whose header differs), each with why; the current
    /// source's are added when it ends.
    skipped: Vec<(Origin, String)>,
    /// The rows hidden in a workbook read so far, for the warning that lists them.
    hidden: HiddenRowsSeen,
}

impl PartReader {
    /// Opens a later file, its header the first one's: with `'*'`, its sheets before one
    /// with that header are left out; else a header that differs is an error.
    fn open_part(&self, path: &Path) -> Result<Source, SourceError> {
        let names = &self.names;
        let mut source =
            Source::open(path, &self.options, &|name| names.iter().any(|n| n == name))?;
        while source.names() != self.names.as_slice() {
            let why = crate::read::source::header_difference(&self.names, source.names());
            let first = self
                .parts
                .origin(0)
                .map(|o| o.to_string())
                .unwrap_or_default();
            if !source.may_skip_sheet() {
                return Err(SourceError::HeaderDiffers {
                    path: source.origin().to_string(),
                    first,
                    difference: why,
                });
            }
            source.skip_sheet(format!("its header is not {first}'s: {why}"))?;
        }
        Ok(source)
    }

    /// The next data row of the parts, in order, its part set.
    pub fn next_record(&mut self) -> Result<Option<Record>, SourceError> {
        loop {
            if let Some(mut record) = self.source.next_record()? {
                let ordinal = self.source.ordinal();
                if ordinal != self.ordinal {
                    self.ordinal = ordinal;
                    self.part = self.parts.push(self.source.origin().clone());
                }
                record.part = self.part;
                if record.hidden {
                    self.hidden.add(self.part, record.row);
                }
                return Ok(Some(record));
            }
            let Some(path) = self.files.pop_front() else {
                return Ok(None);
            };
            let source = self.open_part(&path)?;
            let done = std::mem::replace(&mut self.source, source);
            self.skipped.extend(done.skipped().iter().cloned());
            self.ordinal = 0;
            self.part = self.parts.push(self.source.origin().clone());
        }
    }
}

/// A rewards file, open, its header matched to the fields: one file, or several files
/// and sheets with the same header read as one.
#[derive(Debug)]
pub struct RewardFile {
    reader: PartReader,
    mapping: Mapping,
    time: TimeSettings,
    /// Every file given, as the user named them.
    files: Vec<String>,
    /// Several sheets asked for (`--sheet` more than once, or `'*'`).
    several_sheets: bool,
    /// What the user id columns must hold.
    user_ids: Option<crate::read::forms::UserIds>,
}

impl RewardFile {
    /// Opens `path` (a CSV or a workbook, told by its content) and maps its header.
    pub fn open(path: &Path, options: &InputOptions) -> Result<RewardFile, MappingError> {
        Self::open_all(std::slice::from_ref(&path.to_path_buf()), options)
    }

    /// Opens the first of `paths` and maps its header; the others are opened in turn as
    /// the rows are read, and each must have the same header (SPEC §2.4).
    pub fn open_all(paths: &[PathBuf], options: &InputOptions) -> Result<RewardFile, MappingError> {
        let Some((first, rest)) = paths.split_first() else {
            return Err(SourceError::NotFound {
                path: "(no file given)".to_owned(),
            }
            .into());
        };
        // The same file twice (by any name of it) would be all duplicates of itself.
        let mut seen = std::collections::HashSet::new();
        for path in paths {
            let identity = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
            if !seen.insert(identity) {
                return Err(SourceError::GivenTwice {
                    path: path.display().to_string(),
                }
                .into());
            }
        }
        let spec = options.spec();
        let source = Source::open(first, &options.source_options(), &|name| spec.knows(name))?;
        let mut file = Self::mapped(source, options)?;
        // Every other file's header, before any row is read: a file that cannot be read
        // with the first one stops the run before it plans or sends anything.
        for path in rest {
            drop(file.reader.open_part(path)?);
        }
        file.reader.files = rest.iter().cloned().collect();
        file.files = paths.iter().map(|p| p.display().to_string()).collect();
        Ok(file)
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

    fn mapped(mut source: Source, options: &InputOptions) -> Result<RewardFile, MappingError> {
        // With '*', sheets whose header is no table of rewards (a 汇总 summary first) are
        // left out until one maps. When none does, the error told is that of the sheet
        // whose header names the most known columns (the month whose columns need a
        // mapping, not the summary), the first of equals.
        let spec = options.spec();
        let known = |source: &Source| source.names().iter().filter(|n| spec.knows(n)).count();
        let mut closest: Option<(usize, MappingError)> = None;
        let mapping = loop {
            let score = known(&source);
            match Mapping::new(source.origin(), source.header_row(), source.names(), &spec) {
                Ok(mapping) => break mapping,
                Err(e) if source.may_skip_sheet() && !e.is_write_failure() => {
                    // What is wrong, not the advice for a rewards sheet: it is none.
                    let text = e.to_string();
                    let what = text.split("; ").next().unwrap_or(&text);
                    let why = match what.strip_prefix(&format!("{}:", source.origin())) {
                        Some(at) => format!("no table of rewards (row {at})"),
                        None => format!("no table of rewards ({what})"),
                    };
                    if closest.as_ref().is_none_or(|(best, _)| score > *best) {
                        closest = Some((score, e));
                    }
                    source.skip_sheet(why)?;
                }
                Err(e) => {
                    return Err(match closest {
                        Some((best, first)) if best >= score && !e.is_write_failure() => first,
                        _ => e,
                    });
                }
            }
        };
        let parts = Parts::default();
        parts.push(source.origin().clone());
        let files = vec![source.origin().file.clone()];
        Ok(RewardFile {
            reader: PartReader {
                names: source.names().to_vec(),
                source,
                options: options.source_options(),
                files: VecDeque::new(),
                parts,
                part: 0,
                ordinal: 0,
                skipped: Vec::new(),
                hidden: HiddenRowsSeen::default(),
            },
            mapping,
            time: options.time_settings(),
            files,
            user_ids: options.user_ids,
            several_sheets: {
                let sheets = options.sheet_list();
                sheets.len() > 1 || sheets.contains(&SheetChoice::Every)
            },
        })
    }

    /// How the file's times are read.
    pub fn time_settings(&self) -> &TimeSettings {
        &self.time
    }

    /// Where the first rows come from.
    pub fn origin(&self) -> Origin {
        self.reader
            .parts
            .origin(0)
            .unwrap_or_else(|| self.reader.source.origin().clone())
    }

    /// Every file given, as the user named them.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// What the user id columns must hold (`--user-id-type`), when it is checked.
    pub fn user_ids(&self) -> Option<crate::read::forms::UserIds> {
        self.user_ids
    }

    /// True when the run reads several files or sheets (`--sheet` more than once, or
    /// `'*'`): places then always name the file and sheet.
    pub fn is_several(&self) -> bool {
        self.files.len() > 1 || self.several_sheets
    }

    /// The files, as a summary names them: `a.csv`, or `a.csv and 11 more files`.
    pub fn described(&self) -> String {
        match self.files.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [first, rest @ ..] => format!(
                "{first} and {}",
                crate::text::counted(rest.len() as u64, "more file")
            ),
        }
    }

    /// The parts read so far (every part, once the rows are all read).
    pub fn parts(&self) -> Parts {
        self.reader.parts.clone()
    }

    /// The parts left out so far (sheets of `'*'` whose header is not the first one's),
    /// each as `FILE[SHEET]` with why.
    pub fn skipped_parts(&self) -> Vec<(String, String)> {
        self.reader
            .skipped
            .iter()
            .chain(self.reader.source.skipped())
            .map(|(origin, why)| (origin.to_string(), why.clone()))
            .collect()
    }

    /// The one warning a part with hidden rows gets (SPEC §2.4), each part's once every
    /// row is read: none when the mapping says `hidden_rows = "skip"` (the rows are
    /// skipped, and counted) or `"read"`.
    pub fn hidden_rows(&self) -> Vec<HiddenRowsWarning> {
        if self.mapping.hidden_rows() != HiddenRows::Warn {
            return Vec::new();
        }
        self.reader
            .hidden
            .parts()
            .iter()
            .map(|seen| HiddenRowsWarning {
                at: self
                    .reader
                    .parts
                    .origin(seen.part)
                    .map(|o| o.to_string())
                    .unwrap_or_default(),
                rows: seen.rows,
                listed: seen.listed(),
                message: seen.message(),
            })
            .collect()
    }

    /// What kind of file the first one is.
    pub fn kind(&self) -> SourceKind {
        self.reader.source.kind()
    }

    /// The source being read (the first, until its rows are read).
    pub fn source(&self) -> &Source {
        &self.reader.source
    }

    /// Which column is which field.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// The next data row.
    pub fn next_record(&mut self) -> Result<Option<Record>, SourceError> {
        self.reader.next_record()
    }

    /// The reader of the rows and the mapping to see them through, at once (a reading
    /// loop needs both).
    pub fn split(&mut self) -> (&mut PartReader, &Mapping) {
        (&mut self.reader, &self.mapping)
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
