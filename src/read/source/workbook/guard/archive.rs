//! The zip archive under an `.xlsx` or `.ods`, checked before anything holds it: its
//! central directory (the zip crate reads all of it into memory when it opens an archive,
//! and calamine keeps a copy of every name), and every entry's declared sizes. The zip
//! crate stops an entry that expands past its declared size, so a declared size is a
//! bound on what reading it costs: refusing entries that declare too much bounds every
//! decompression.

use std::io::{Read, Seek, SeekFrom};

use zip::ZipArchive;

use super::{PART_BYTES, PART_RATIO, WorkbookLimit, limit};
use crate::read::source::SourceError;

/// The most bytes the central directory may take. A workbook's holds a few dozen entries
/// (a few KB); this is room for some ten thousand.
pub(super) const DIRECTORY_BYTES: u64 = 1 << 20;

/// Where the end-of-central-directory record may start: within the last 22 bytes plus the
/// longest comment (65,535 bytes).
const TAIL_BYTES: u64 = 22 + 65_535;

/// Refuses an archive whose central directory is too large for memory, or one of whose
/// entries declares an expansion past [`PART_BYTES`] or [`PART_RATIO`] times its
/// compressed size. An archive that cannot be read at all is left to the zip crate to
/// report.
pub(in crate::read::source::workbook) fn check<R: Read + Seek>(
    shown: &str,
    reader: &mut R,
) -> Result<(), SourceError> {
    if let Some(size) = directory_size(reader).ok().flatten()
        && size > DIRECTORY_BYTES
    {
        return Err(limit(
            shown,
            format!(
                "the workbook's zip directory takes {size} bytes, more than the {DIRECTORY_BYTES} a workbook's needs"
            ),
            WorkbookLimit::Damaged,
        ));
    }
    reader
        .rewind()
        .map_err(|e| crate::read::source::io_error(shown, None, e))?;
    let Ok(zip) = ZipArchive::new(&mut *reader) else {
        return Ok(());
    };
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index_data(i) else {
            continue;
        };
        let (compressed, expanded) = (entry.compressed_size(), entry.size());
        let why = if expanded > PART_BYTES {
            "past the 1 GiB a workbook's part may hold"
        } else if expanded > compressed.saturating_mul(PART_RATIO) {
            "over 1,000 times its compressed size"
        } else {
            continue;
        };
        return Err(SourceError::WorkbookExpands {
            path: shown.to_owned(),
            part: crate::text::echo(&entry.name().map(|n| n.into_owned()).unwrap_or_default()),
            compressed,
            expanded,
            why,
        });
    }
    drop(zip);
    reader
        .rewind()
        .map_err(|e| crate::read::source::io_error(shown, None, e))?;
    Ok(())
}

/// The size the archive's end records declare for its central directory (the zip64 one
/// when the classic record says to look there), or None when there is no end record.
fn directory_size<R: Read + Seek>(reader: &mut R) -> std::io::Result<Option<u64>> {
    let len = reader.seek(SeekFrom::End(0))?;
    let start = len.saturating_sub(TAIL_BYTES);
    reader.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::with_capacity((len - start) as usize);
    reader.by_ref().take(TAIL_BYTES).read_to_end(&mut tail)?;
    let Some(at) = tail.windows(4).rposition(|w| w == b"PK\x05\x06") else {
        return Ok(None);
    };
    let record = &tail[at..];
    if record.len() < 22 {
        return Ok(None);
    }
    let size = u32::from_le_bytes([record[12], record[13], record[14], record[15]]);
    if size != u32::MAX {
        return Ok(Some(u64::from(size)));
    }
    // Zip64: the locator stands just before the classic record, and names the offset
    // of the zip64 record, whose bytes 40..48 are the directory's size.
    let locator_at = (start + at as u64).checked_sub(20);
    let Some(locator_at) = locator_at else {
        return Ok(None);
    };
    reader.seek(SeekFrom::Start(locator_at))?;
    let mut locator = [0u8; 20];
    reader.read_exact(&mut locator)?;
    if &locator[..4] != b"PK\x06\x07" {
        return Ok(None);
    }
    let offset = u64::from_le_bytes(locator[8..16].try_into().unwrap_or_default());
    reader.seek(SeekFrom::Start(offset))?;
    let mut record = [0u8; 56];
    reader.read_exact(&mut record)?;
    if &record[..4] != b"PK\x06\x06" {
        return Ok(None);
    }
    Ok(Some(u64::from_le_bytes(
        record[40..48].try_into().unwrap_or_default(),
    )))
}
