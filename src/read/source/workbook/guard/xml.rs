//! A workbook's XML part read with bounded memory. quick-xml hands out one event at a time
//! (a tag, a run of text), but buffers each event whole before it does: a part that is
//! one gigabyte of white space is one gigabyte held. [`Part`] counts the bytes read since
//! the last event and stops past [`EVENT_BYTES`], so neither this check nor calamine, who
//! reads the same part with the same parser afterwards, ever buffers more.

use std::io::{self, BufReader, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::CELL_BYTES;

/// The most one event may take: a cell's worth, and room for the tag around it.
pub(super) const EVENT_BYTES: u64 = CELL_BYTES + 64 * 1024;

/// Why a part was not read to its end.
#[derive(Debug)]
pub(super) enum Stop {
    /// One event (a run of text, a tag) holds more than [`EVENT_BYTES`].
    LongEvent,
    /// The XML (or the zip entry under it) is damaged. calamine, reading the same bytes
    /// with the same parser, stops at the same place and says so in its own words.
    Malformed,
}

/// Counts the bytes read since [`Counted::reset`], and fails past a limit.
struct Counted<R> {
    inner: R,
    since_reset: u64,
    tripped: bool,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.since_reset += n as u64;
        if self.since_reset > EVENT_BYTES {
            self.tripped = true;
            return Err(io::Error::other("an XML event is too long"));
        }
        Ok(n)
    }
}

/// One XML part, event by event, configured as calamine configures its readers (so both
/// see the same events).
pub(super) struct Part<R: Read> {
    reader: Reader<BufReader<Counted<R>>>,
    buf: Vec<u8>,
}

impl<R: Read> Part<R> {
    /// Reads `inner` as XML.
    pub(super) fn new(inner: R) -> Part<R> {
        let counted = Counted {
            inner,
            since_reset: 0,
            tripped: false,
        };
        let mut reader = Reader::from_reader(BufReader::new(counted));
        let config = reader.config_mut();
        config.check_end_names = false;
        config.trim_text(false);
        config.check_comments = false;
        config.expand_empty_elements = true;
        Part {
            reader,
            buf: Vec::with_capacity(1024),
        }
    }

    /// The next event.
    pub(super) fn next(&mut self) -> Result<Event<'_>, Stop> {
        self.next_at().map(|(event, _)| event)
    }

    /// The next event, and how many bytes of the part have been read once it is.
    pub(super) fn next_at(&mut self) -> Result<(Event<'_>, u64), Stop> {
        self.buf.clear();
        // What the buffered reader holds already was counted when it was read: the count
        // starts again at each event, give or take the buffer's 8 KiB.
        self.reader.get_mut().get_mut().since_reset = 0;
        match self.reader.read_event_into(&mut self.buf) {
            Ok(event) => Ok((event, self.reader.buffer_position())),
            Err(_) if self.reader.get_ref().get_ref().tripped => Err(Stop::LongEvent),
            Err(_) => Err(Stop::Malformed),
        }
    }

    /// How many bytes of the part have been read as events.
    pub(super) fn position(&self) -> u64 {
        self.reader.buffer_position()
    }
}

/// The value of attribute `key` (matched exactly, as calamine matches it), raw.
pub(super) fn attr<'a>(e: &'a BytesStart<'_>, key: &str) -> Option<&'a str> {
    raw_attrs(e.attributes_raw()).find_map(|(k, v)| (k == key).then_some(v))
}

/// The value of an attribute whose local name is `local` (`r:id` for `id`).
pub(super) fn attr_local<'a>(e: &'a BytesStart<'_>, local: &str) -> Option<&'a str> {
    raw_attrs(e.attributes_raw()).find_map(|(k, v)| {
        let matches = k == local
            || k.strip_suffix(local)
                .is_some_and(|prefix| prefix.ends_with(':'));
        matches.then_some(v)
    })
}

/// `key="value"` pairs of a tag's attributes, as calamine reads them (no entity decoding);
/// a malformed one ends the list. Byte by byte: it runs for every cell of a sheet.
pub(super) fn raw_attrs(raw: &str) -> impl Iterator<Item = (&str, &str)> {
    let bytes = raw.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        let eq = at + bytes[at..].iter().position(|b| *b == b'=')?;
        let key = raw[at..eq].trim();
        let mut open = eq + 1;
        while bytes.get(open).is_some_and(u8::is_ascii_whitespace) {
            open += 1;
        }
        let quote = *bytes.get(open).filter(|q| **q == b'"' || **q == b'\'')?;
        let close = bytes[open + 1..]
            .iter()
            .position(|b| *b == quote)
            .map_or(bytes.len(), |i| open + 1 + i);
        let value = &raw[open + 1..close];
        at = (close + 1).min(bytes.len());
        Some((key, value))
    })
}

/// The local name of a tag (`c` for `x:c`).
pub(super) fn local(name: &str) -> &str {
    match name.bytes().position(|b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_past_the_limit_stops_the_part() {
        let mut xml = b"<a>".to_vec();
        // Past the limit and the buffered reader's 8 KiB read before the count started.
        xml.extend(std::iter::repeat_n(b' ', EVENT_BYTES as usize + 16 * 1024));
        xml.extend(b"</a>");
        let mut part = Part::new(&xml[..]);
        assert!(matches!(part.next(), Ok(Event::Start(_))));
        assert!(matches!(part.next(), Err(Stop::LongEvent)));
    }

    #[test]
    fn many_small_events_read_to_the_end() {
        let xml = "<a>".to_owned() + &"<b>x</b>".repeat(300_000) + "</a>";
        let mut part = Part::new(xml.as_bytes());
        let mut events = 0;
        loop {
            match part.next() {
                Ok(Event::Eof) => break,
                Ok(_) => events += 1,
                Err(stop) => panic!("{stop:?}"),
            }
        }
        assert_eq!(events, 2 + 3 * 300_000);
        assert_eq!(part.position(), xml.len() as u64);
    }

    #[test]
    fn attributes_are_read_raw() {
        let xml = br#"<c r="A1" s='2' r:id="rId1" t="e"/>"#;
        let mut part = Part::new(&xml[..]);
        let Ok(Event::Start(e)) = part.next() else {
            panic!("a start tag")
        };
        assert_eq!(attr(&e, "r"), Some("A1"));
        assert_eq!(attr(&e, "s"), Some("2"));
        assert_eq!(attr(&e, "id"), None);
        assert_eq!(attr_local(&e, "id"), Some("rId1"));
        assert_eq!(attr(&e, "x"), None);
        assert_eq!(local("x:c"), "c");
    }
}
