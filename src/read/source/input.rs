//! Where an input file's bytes come from (SPEC §2.5, streams).
//!
//! A regular file is opened by its path, as often as a command reads it (an import reads
//! its file up to three times: its people, its plan, its errors file). Standard input
//! (`-`), a pipe, a FIFO or `/dev/fd/N` can be read only once: the first open reads it as
//! it comes, and everything read from it is copied into an anonymous temporary file (in
//! `$TMPDIR`, gone with the process, even on SIGKILL). Every open of the same name reads
//! that copy, each at its own position, and reads on from the stream (copying) where the
//! copy ends. Nothing is read twice from the stream itself: the bytes looked at to tell a
//! CSV from a workbook are never lost, and a FIFO whose writer has finished is never
//! waited for again.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use super::{SourceError, io_error};

/// The name that means standard input.
pub const STDIN: &str = "-";

/// How standard input is named in messages.
pub const STDIN_SHOWN: &str = "<stdin>";

/// An input file, open and at its start: a regular file, or a stream's copy.
#[derive(Debug)]
pub enum InputFile {
    /// A regular file, and its path.
    File(File, PathBuf),
    /// Standard input, a pipe, a FIFO: read through its copy.
    Stream(StreamReader),
}

/// Opens `path` (`-`: standard input), and says how messages name it.
pub fn open(path: &Path) -> Result<(InputFile, String), SourceError> {
    if path.as_os_str() == STDIN {
        let shown = STDIN_SHOWN.to_owned();
        let stream = stream(path, &shown, || Ok(Box::new(io::stdin())))?;
        return Ok((InputFile::Stream(stream), shown));
    }
    let shown = path.display().to_string();
    if let Some(copy) = known(path) {
        return Ok((InputFile::Stream(StreamReader::new(copy)), shown));
    }
    // A FIFO's open waits for a writer: the one wait there is no way around.
    let file = File::open(path).map_err(|source| io_error(&shown, None, source))?;
    let kind = file
        .metadata()
        .map_err(|source| io_error(&shown, None, source))?
        .file_type();
    if kind.is_dir() {
        return Err(SourceError::IsDirectory { path: shown });
    }
    if kind.is_file() {
        return Ok((InputFile::File(file, path.to_owned()), shown));
    }
    let stream = stream(path, &shown, move || Ok(Box::new(file)))?;
    Ok((InputFile::Stream(stream), shown))
}

impl InputFile {
    /// The same file again, at its start, read at a position of its own.
    pub fn reopen(&self) -> io::Result<InputFile> {
        match self {
            InputFile::File(_, path) => Ok(InputFile::File(File::open(path)?, path.clone())),
            InputFile::Stream(stream) => Ok(InputFile::Stream(StreamReader::new(Arc::clone(
                &stream.copy,
            )))),
        }
    }
}

impl Read for InputFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            InputFile::File(file, _) => file.read(buf),
            InputFile::Stream(stream) => stream.read(buf),
        }
    }
}

impl Seek for InputFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        match self {
            InputFile::File(file, _) => file.seek(to),
            InputFile::Stream(stream) => stream.seek(to),
        }
    }
}

/// What a stream's copy could not be written for: the machine's fault, not the input's
/// (exit 4, as for the ledger).
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot copy the input into a temporary file in {dir}: {source}; free some space there, or set TMPDIR to a directory that has it"
)]
pub struct CopyError {
    /// The directory.
    pub dir: String,
    /// What the system said.
    #[source]
    pub source: io::Error,
}

/// The streams opened so far, by the name they were opened by: a later open of the same
/// name reads the copy.
static STREAMS: LazyLock<Mutex<HashMap<PathBuf, Arc<Mutex<Copy>>>>> = LazyLock::new(Mutex::default);

/// The copy of `path`, if it is a stream opened before.
fn known(path: &Path) -> Option<Arc<Mutex<Copy>>> {
    lock(&STREAMS).get(path).cloned()
}

/// The copy of `path`, made on its first open from what `source` gives.
fn stream(
    path: &Path,
    shown: &str,
    source: impl FnOnce() -> io::Result<Box<dyn Read + Send>>,
) -> Result<StreamReader, SourceError> {
    let mut streams = lock(&STREAMS);
    if let Some(copy) = streams.get(path) {
        return Ok(StreamReader::new(Arc::clone(copy)));
    }
    let dir = std::env::temp_dir();
    let file = tempfile::tempfile_in(&dir).map_err(|source| {
        SourceError::Copy(CopyError {
            dir: dir.display().to_string(),
            source,
        })
    })?;
    let source = source().map_err(|e| io_error(shown, None, e))?;
    let copy = Arc::new(Mutex::new(Copy {
        source: Some(source),
        file,
        len: 0,
        dir,
    }));
    streams.insert(path.to_owned(), Arc::clone(&copy));
    Ok(StreamReader::new(copy))
}

/// A poisoned lock only means another reader panicked: the copy is still whole up to
/// `len` (it grows only after a write succeeded).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A stream and its copy so far.
struct Copy {
    /// The stream, until read to its end.
    source: Option<Box<dyn Read + Send>>,
    /// The copy; its offset is shared by every reader, so it is used under the lock only.
    file: File,
    /// Bytes copied so far.
    len: u64,
    /// Where the copy is, for messages.
    dir: PathBuf,
}

impl Copy {
    /// Reads what comes next from the stream into `buf`, copying it; 0 at its end.
    fn read_on(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(source) = &mut self.source else {
            return Ok(0);
        };
        let n = loop {
            match source.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        if n == 0 {
            self.source = None;
            return Ok(0);
        }
        let written = self
            .file
            .seek(SeekFrom::Start(self.len))
            .and_then(|_| self.file.write_all(&buf[..n]));
        if let Err(source) = written {
            return Err(io::Error::other(CopyError {
                dir: self.dir.display().to_string(),
                source,
            }));
        }
        self.len += n as u64;
        Ok(n)
    }

    /// Reads the stream to its end, copying it.
    fn finish(&mut self) -> io::Result<()> {
        let mut buf = vec![0; 64 * 1024];
        while self.read_on(&mut buf)? > 0 {}
        Ok(())
    }
}

/// One reader of a stream: its own position in the copy, and on into the stream.
#[derive(Clone)]
pub struct StreamReader {
    copy: Arc<Mutex<Copy>>,
    pos: u64,
}

impl std::fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamReader")
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl StreamReader {
    fn new(copy: Arc<Mutex<Copy>>) -> Self {
        StreamReader { copy, pos: 0 }
    }
}

impl Read for StreamReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut copy = lock(&self.copy);
        let n = if self.pos < copy.len {
            let room = (copy.len - self.pos).min(buf.len() as u64) as usize;
            copy.file.seek(SeekFrom::Start(self.pos))?;
            copy.file.read(&mut buf[..room])?
        } else {
            copy.read_on(buf)?
        };
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for StreamReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::Current(by) => self.pos.checked_add_signed(by),
            SeekFrom::End(by) => {
                // The end is known once the whole stream is copied.
                let mut copy = lock(&self.copy);
                copy.finish()?;
                copy.len.checked_add_signed(by)
            }
        };
        let target = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        // Past the copy's end: copy up to there first, so reads stay in order.
        let mut copy = lock(&self.copy);
        if target > copy.len {
            copy.finish()?;
        }
        self.pos = target;
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream that gives `data` a few bytes at a time, and counts reads after its end.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        after_end: Arc<Mutex<u32>>,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.at == self.data.len() {
                *lock(&self.after_end) += 1;
                return Ok(0);
            }
            let n = buf.len().min(3).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn every_open_reads_the_whole_stream_which_is_read_once() {
        let after_end = Arc::new(Mutex::new(0));
        let name = Path::new("test-stream-every-open");
        let data: Vec<u8> = (0..200u8).collect();
        let trickle = Trickle {
            data: data.clone(),
            at: 0,
            after_end: Arc::clone(&after_end),
        };
        let mut first = stream(name, "s", move || Ok(Box::new(trickle))).unwrap();
        // The first reader reads a little, then a second opens and reads everything.
        let mut start = [0u8; 10];
        first.read_exact(&mut start).unwrap();
        assert_eq!(start, data[..10]);
        let mut second = StreamReader::new(known(name).unwrap());
        let mut all = Vec::new();
        second.read_to_end(&mut all).unwrap();
        assert_eq!(all, data);
        // The first goes on where it was, from the copy.
        let mut rest = Vec::new();
        first.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, data[10..]);
        // A third seeks like a file (a workbook needs that).
        let mut third = StreamReader::new(known(name).unwrap());
        assert_eq!(third.seek(SeekFrom::End(-5)).unwrap(), 195);
        let mut tail = Vec::new();
        third.read_to_end(&mut tail).unwrap();
        assert_eq!(tail, data[195..]);
        // The stream's end was read once; after it, the copy answers.
        assert_eq!(*lock(&after_end), 1);
    }

    #[test]
    fn seeking_past_the_copy_reads_the_stream_up_to_there() {
        let name = Path::new("test-stream-seek-ahead");
        let data: Vec<u8> = (0..100u8).collect();
        let trickle = Trickle {
            data: data.clone(),
            at: 0,
            after_end: Arc::default(),
        };
        let mut reader = stream(name, "s", move || Ok(Box::new(trickle))).unwrap();
        reader.seek(SeekFrom::Start(90)).unwrap();
        let mut tail = Vec::new();
        reader.read_to_end(&mut tail).unwrap();
        assert_eq!(tail, data[90..]);
        reader.seek(SeekFrom::Start(0)).unwrap();
        let mut all = Vec::new();
        reader.read_to_end(&mut all).unwrap();
        assert_eq!(all, data);
    }
}
