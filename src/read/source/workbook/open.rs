//! What a workbook file really is, told from its content (never its extension), and the
//! workbook opened with the calamine reader for it.
//!
//! A zip archive may be an `.xlsx`/`.xlsm` (it holds `xl/workbook.xml`), an `.ods` (its
//! `mimetype` entry says so), or something else a user picked by mistake: a Word document,
//! an `.xlsb`, an archive the workbook is inside of. A compound document is an `.xls`, or
//! another Office 97-2003 file, or an `.xlsx` Excel encrypted with a password. Each wrong
//! kind is an error that says what the file is and what to do.

use std::io::{self, BufReader, Read, Seek};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::thread;

use calamine::{Ods, OdsError, Reader, Sheet, Xls, XlsError, Xlsx, XlsxError};
use zip::ZipArchive;
use zip::result::ZipError;

use super::WorkbookFormat;
use super::guard::{self, Gate, GatedFile, XlsxPlan};
use super::hidden::{Hidden, HiddenFeed};
use super::rows::{Loaded, Rows};
use super::stream::Streamed;
use crate::read::source::input::InputFile;
use crate::read::source::{Origin, SourceError, io_error};

/// The reader under every workbook: a buffered file (or a stream's copy), as calamine's
/// own `open_workbook` uses, through the gate that keeps an `.xlsx` sheet's read behind
/// its check (see [`guard::Gate`]; the other formats never arm it).
pub(super) type FileReader = BufReader<GatedFile>;

/// The mimetype an `.ods` declares in its first entry.
const ODS_MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";

/// An open workbook of any format.
pub(super) enum Book {
    Xlsx {
        book: Box<Xlsx<FileReader>>,
        /// What the check before opening found, for the check of each sheet read.
        plan: Arc<XlsxPlan>,
        /// The file again, at its own position, for that check.
        again: InputFile,
        /// What keeps calamine's read of the sheet behind its check.
        gate: Arc<Gate>,
    },
    /// With each sheet's hidden rows, by name, as the guard found them.
    Xls(Box<Xls<FileReader>>, Vec<(String, Hidden)>),
    /// With each table's hidden rows, by name, as the guard found them.
    Ods(Box<Ods<FileReader>>, Vec<(String, Hidden)>),
}

/// Opens `file` (named `shown`) as the workbook it is. `sniffed` is what its first bytes
/// said: a zip archive or a compound document. Each format is checked first (see
/// [`guard`]): calamine reads what it reads whatever it costs.
pub(super) fn open(
    file: InputFile,
    shown: &str,
    sniffed: WorkbookFormat,
) -> Result<Book, SourceError> {
    let again = file.reopen().map_err(|e| io_error(shown, None, e))?;
    let gate = Gate::new();
    let mut reader = BufReader::new(GatedFile::new(file, Arc::clone(&gate)));
    let rewind = |reader: &mut FileReader| reader.rewind().map_err(|e| io_error(shown, None, e));
    match sniffed {
        WorkbookFormat::Xls => {
            let hidden = guard::check_xls(shown, &mut reader)?;
            rewind(&mut reader)?;
            unpanicked(shown, WorkbookFormat::Xls, || Xls::new(reader))?
                .map(|book| Book::Xls(Box::new(book), hidden))
                .map_err(|e| xls_error(shown, e))
        }
        WorkbookFormat::Xlsx | WorkbookFormat::Ods => {
            guard::check_archive(shown, &mut reader)?;
            let format = zip_kind(shown, &mut reader)?;
            rewind(&mut reader)?;
            match format {
                WorkbookFormat::Ods => {
                    let hidden = guard::check_ods(shown, &mut reader)?;
                    rewind(&mut reader)?;
                    unpanicked(shown, WorkbookFormat::Ods, || Ods::new(reader))?
                        .map(|book| Book::Ods(Box::new(book), hidden))
                        .map_err(|e| ods_error(shown, e))
                }
                _ => {
                    let plan = guard::check_xlsx(shown, &mut reader)?;
                    rewind(&mut reader)?;
                    let book = unpanicked(shown, WorkbookFormat::Xlsx, || Xlsx::new(reader))?
                        .map_err(|e| xlsx_error(shown, e))?;
                    Ok(Book::Xlsx {
                        book: Box::new(book),
                        plan: Arc::new(plan),
                        again,
                        gate,
                    })
                }
            }
        }
    }
}

/// What `read` returns, or, when calamine panics on bytes it did not expect, the file
/// reported damaged (the panic's own message is printed by the panic hook).
fn unpanicked<T>(
    shown: &str,
    format: WorkbookFormat,
    read: impl FnOnce() -> T,
) -> Result<T, SourceError> {
    catch_unwind(AssertUnwindSafe(read)).map_err(|payload| {
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        damaged(
            shown,
            format,
            format!("the reader stopped unexpectedly: {text}"),
        )
    })
}

impl Book {
    /// Its format.
    pub(super) fn format(&self) -> WorkbookFormat {
        match self {
            Book::Xlsx { .. } => WorkbookFormat::Xlsx,
            Book::Xls(..) => WorkbookFormat::Xls,
            Book::Ods(..) => WorkbookFormat::Ods,
        }
    }

    /// Its sheets, in workbook order.
    pub(super) fn sheets(&self) -> Vec<Sheet> {
        match self {
            Book::Xlsx { book, .. } => book.sheets_metadata().to_vec(),
            Book::Xls(book, _) => book.sheets_metadata().to_vec(),
            Book::Ods(book, _) => book.sheets_metadata().to_vec(),
        }
    }

    /// The rows of `sheet`. An `.xlsx` is streamed, so memory stays flat whatever its
    /// size; calamine has no streaming reader for `.xls` and `.ods`, whose sheets are read
    /// whole: they are rare as exports, and small (an `.xls` holds at most 65,536 rows).
    /// The rows give the workbook back at the end of the sheet ([`Rows::into_book`]), so
    /// the next sheet is read without opening the file again.
    pub(super) fn rows(self, sheet: &str, origin: &Origin) -> Result<Rows, SourceError> {
        let failed = |detail: String| SourceError::SheetRead {
            path: origin.to_string(),
            row: 0,
            detail,
        };
        let shown = &origin.file;
        match self {
            Book::Xlsx {
                book,
                plan,
                again,
                gate,
            } => {
                let index = book
                    .sheets_metadata()
                    .iter()
                    .position(|s| s.name == sheet)
                    .unwrap_or(usize::MAX);
                // The sheet is checked on a thread of its own while calamine reads it,
                // kept behind the check by the gate.
                // A sheet before this one left the gate as it ended (and its reader's drop
                // cancelled it): a fresh state for this sheet's check.
                gate.reset();
                gate.arm();
                let hidden = Arc::new(HiddenFeed::default());
                let checker = {
                    let check_file = again.reopen().map_err(|e| io_error(shown, None, e))?;
                    let (gate, hidden, origin, sheet, plan) = (
                        Arc::clone(&gate),
                        Arc::clone(&hidden),
                        origin.to_string(),
                        sheet.to_owned(),
                        Arc::clone(&plan),
                    );
                    thread::Builder::new()
                        .name("xlsx-check".into())
                        .spawn(move || {
                            let checked = unpanicked(&origin, WorkbookFormat::Xlsx, || {
                                plan.check_sheet(
                                    check_file,
                                    &origin,
                                    (&sheet, index),
                                    (&gate, &hidden),
                                )
                            })
                            .and_then(|checked| checked);
                            gate.finish(checked);
                        })
                        .map_err(|e| failed(format!("cannot start a thread to check it: {e}")))?
                };
                let is_1904 = book.has_1904_epoch();
                Streamed::start(
                    *book,
                    sheet.to_owned(),
                    is_1904,
                    origin.clone(),
                    (gate, checker, hidden),
                    (plan, again),
                )
                .map(Rows::Streamed)
            }
            Book::Xls(mut book, hidden) => {
                let is_1904 = book.has_1904_epoch();
                let range = unpanicked(shown, WorkbookFormat::Xls, || book.worksheet_range(sheet))?
                    .map_err(|e| failed(e.to_string()))?;
                let rows = hidden_of(&hidden, sheet);
                Ok(Rows::Loaded(
                    Loaded::new(range, is_1904, origin.to_string())
                        .with_hidden(rows)
                        .with_book(Book::Xls(book, hidden)),
                ))
            }
            Book::Ods(mut book, hidden) => {
                // OpenDocument has no date system: its dates are ISO 8601 text.
                let range = unpanicked(shown, WorkbookFormat::Ods, || book.worksheet_range(sheet))?
                    .map_err(|e| failed(e.to_string()))?;
                let rows = hidden_of(&hidden, sheet);
                Ok(Rows::Loaded(
                    Loaded::new(range, false, origin.to_string())
                        .with_hidden(rows)
                        .with_book(Book::Ods(book, hidden)),
                ))
            }
        }
    }
}

/// The hidden rows of `sheet`, as the guard found them (none when it found none).
fn hidden_of(hidden: &[(String, Hidden)], sheet: &str) -> Hidden {
    hidden
        .iter()
        .find(|(name, _)| name == sheet)
        .map(|(_, rows)| rows.clone())
        .unwrap_or_default()
}

/// Which workbook a zip archive is, from its entries; anything else is an error that says
/// what it is.
fn zip_kind<R: Read + Seek>(shown: &str, reader: &mut R) -> Result<WorkbookFormat, SourceError> {
    let mut zip = ZipArchive::new(reader).map_err(|e| zip_error(shown, e))?;
    let has = |zip: &ZipArchive<&mut R>, name: &str| zip.index_for_name(name).is_some();
    if has(&zip, "xl/workbook.xml") {
        return Ok(WorkbookFormat::Xlsx);
    }
    let not = |what: &str, advice| SourceError::NotAWorkbook {
        path: shown.to_owned(),
        what: what.to_owned(),
        advice,
    };
    const SAVE_AS: &str = "open it in Excel and save it as an Excel Workbook (.xlsx), or give the rewards as .xlsx, .xls, .ods or CSV";
    if has(&zip, "xl/workbook.bin") {
        return Err(not("an Excel binary workbook (.xlsb)", SAVE_AS));
    }
    if has(&zip, "word/document.xml") {
        return Err(not("a Word document (.docx)", SAVE_AS));
    }
    if has(&zip, "ppt/presentation.xml") {
        return Err(not("a PowerPoint presentation (.pptx)", SAVE_AS));
    }
    if has(&zip, "mimetype") {
        let mut mimetype = Vec::new();
        zip.by_name("mimetype")
            .and_then(|entry| {
                entry
                    .take(200)
                    .read_to_end(&mut mimetype)
                    .map_err(ZipError::Io)
            })
            .map_err(|e| zip_error(shown, e))?;
        let mimetype = mimetype.trim_ascii();
        if mimetype == ODS_MIMETYPE {
            return Ok(WorkbookFormat::Ods);
        }
        if let Some(kind) = mimetype.strip_prefix(b"application/vnd.oasis.opendocument.") {
            let kind = String::from_utf8_lossy(kind);
            return Err(not(
                &format!("an OpenDocument {kind}, not a spreadsheet"),
                "open it in LibreOffice and give the spreadsheet (.ods), or the rewards as .xlsx or CSV",
            ));
        }
    }
    if has(&zip, "[Content_Types].xml") {
        return Err(not("an Office document with no workbook in it", SAVE_AS));
    }
    Err(not(
        "a zip archive with no workbook in it",
        "if the workbook is inside the archive, extract it and give its path",
    ))
}

/// A zip archive that cannot be read: truncated (its directory is at the end, so a
/// download cut short has none) or damaged.
fn zip_error(shown: &str, error: ZipError) -> SourceError {
    match error {
        ZipError::Io(e) if e.kind() != io::ErrorKind::UnexpectedEof => io_error(shown, None, e),
        other => SourceError::DamagedWorkbook {
            path: shown.to_owned(),
            format: "a zip archive (which .xlsx and .ods files are)",
            detail: other.to_string(),
        },
    }
}

fn xlsx_error(shown: &str, error: XlsxError) -> SourceError {
    match error {
        XlsxError::Io(e) if e.kind() != io::ErrorKind::UnexpectedEof => io_error(shown, None, e),
        XlsxError::Password => SourceError::WorkbookPassword {
            path: shown.to_owned(),
        },
        other => damaged(shown, WorkbookFormat::Xlsx, other.to_string()),
    }
}

fn ods_error(shown: &str, error: OdsError) -> SourceError {
    match error {
        OdsError::Io(e) if e.kind() != io::ErrorKind::UnexpectedEof => io_error(shown, None, e),
        OdsError::Password => SourceError::WorkbookPassword {
            path: shown.to_owned(),
        },
        other => damaged(shown, WorkbookFormat::Ods, other.to_string()),
    }
}

fn xls_error(shown: &str, error: XlsError) -> SourceError {
    match error {
        XlsError::Io(e) if e.kind() != io::ErrorKind::UnexpectedEof => io_error(shown, None, e),
        XlsError::Password => SourceError::WorkbookPassword {
            path: shown.to_owned(),
        },
        // calamine does not say which: no workbook stream in the compound document, or a
        // damaged one. Both are named, with what to do about each.
        XlsError::Cfb(e) => unreadable_compound(shown, &e.to_string()),
        other => damaged(shown, WorkbookFormat::Xls, other.to_string()),
    }
}

/// A compound document whose workbook cannot be read, with the reader's words.
pub(super) fn unreadable_compound(shown: &str, detail: &str) -> SourceError {
    SourceError::NotAWorkbook {
        path: shown.to_owned(),
        what: format!(
            "an Office 97-2003 file that cannot be read as an Excel workbook ({detail}): perhaps another Office file (a Word .doc), an .xlsx protected by a password (Excel stores those in this format), or a damaged .xls"
        ),
        advice: "open it in Excel, remove any password (File > Info > Protect Workbook), and save it as an Excel Workbook (.xlsx)",
    }
}

fn damaged(shown: &str, format: WorkbookFormat, detail: String) -> SourceError {
    SourceError::DamagedWorkbook {
        path: shown.to_owned(),
        format: format.described(),
        detail,
    }
}
