//! A CSV row's fields as text: checked as UTF-8 once for the whole row and kept end to end
//! in one string, so a row costs two allocations and one pass over its bytes.

/// A CSV row's fields, decoded: their text end to end, and where each one ends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextFields {
    text: String,
    ends: Vec<usize>,
}

impl TextFields {
    /// No fields yet, with room for `bytes` bytes of text in `fields` fields.
    pub fn with_capacity(bytes: usize, fields: usize) -> Self {
        TextFields {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(fields),
        }
    }

    /// The fields of a record (`bytes` end to end, each ending where `ends` says) when
    /// every one of them is UTF-8; `None` otherwise (then decode them one by one to say
    /// which is not).
    pub fn from_utf8(bytes: &[u8], ends: &[usize]) -> Option<Self> {
        let text = std::str::from_utf8(bytes).ok()?;
        // The whole may be UTF-8 while a character straddles two fields (its bytes on
        // either side of a delimiter): then neither field is.
        if !ends.iter().all(|&end| text.is_char_boundary(end)) {
            return None;
        }
        Some(TextFields {
            text: text.to_owned(),
            ends: ends.to_vec(),
        })
    }

    /// The bytes the fields' text and ends take on the heap (for bounding what is in
    /// flight).
    pub fn heap_bytes(&self) -> usize {
        self.text.len() + self.ends.len() * std::mem::size_of::<usize>()
    }

    /// Adds a field after the last.
    pub fn push_field(&mut self, field: &str) {
        self.text.push_str(field);
        self.ends.push(self.text.len());
    }

    /// Field `i` (from 0), if the row has it.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(before) => *self.ends.get(before)?,
            None => 0,
        };
        self.text.get(start..end)
    }

    /// How many fields the row has.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when the row has no fields.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The fields, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// Every field's text, end to end (for a scan of the whole row at once).
    pub fn joined(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fields end to end and their ends, as the CSV reader hands them over.
    fn record(fields: &[&[u8]]) -> (Vec<u8>, Vec<usize>) {
        let (mut bytes, mut ends) = (Vec::new(), Vec::new());
        for field in fields {
            bytes.extend_from_slice(field);
            ends.push(bytes.len());
        }
        (bytes, ends)
    }

    fn from_utf8(fields: &[&[u8]]) -> Option<TextFields> {
        let (bytes, ends) = record(fields);
        TextFields::from_utf8(&bytes, &ends)
    }

    #[test]
    fn utf8_fields_read_as_written() {
        let fields = from_utf8(&[b"E1", "入职".as_bytes(), b"", b" x "]);
        let fields = fields.unwrap();
        assert_eq!(fields.iter().collect::<Vec<_>>(), ["E1", "入职", "", " x "]);
        assert_eq!(fields.len(), 4);
        assert_eq!(fields.get(4), None);
        assert_eq!(fields.joined(), "E1入职 x ");
    }

    #[test]
    fn a_character_split_across_two_fields_is_not_utf8() {
        // "é" is C3 A9: whole, the bytes are UTF-8; field by field they are not.
        assert_eq!(from_utf8(&[b"a\xC3", b"\xA9b"]), None);
        assert_eq!(from_utf8(&[b"ok", b"\xFF"]), None);
    }

    #[test]
    fn pushed_fields_are_the_same_as_read_ones() {
        let mut pushed = TextFields::with_capacity(8, 3);
        for field in ["a", "", "名字"] {
            pushed.push_field(field);
        }
        let read = from_utf8(&[b"a", b"", "名字".as_bytes()]);
        assert_eq!(Some(pushed), read);
        assert!(TextFields::default().is_empty());
    }
}
