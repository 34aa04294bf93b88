//! LEB128 variable-length integers: seven bits a byte, low bits first, so the small
//! numbers the packed rewards are made of take one or two bytes.

/// Appends `value`, seven bits a byte.
pub fn put(out: &mut Vec<u8>, value: u64) {
    put_wide(out, u128::from(value));
}

/// Appends a 128-bit `value` (a decimal's mantissa), seven bits a byte.
pub fn put_wide(out: &mut Vec<u8>, mut value: u128) {
    while value >= 0x80 {
        // Truncation keeps the low seven bits, which is the point.
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends a signed `value`, zigzagged so that small negatives stay short.
pub fn put_signed(out: &mut Vec<u8>, value: i64) {
    put(out, ((value << 1) ^ (value >> 63)) as u64);
}

/// Reads integers back from a byte slice; every read is `None` past the end or on an
/// integer too long for its type.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes }
    }

    /// The next 64-bit integer.
    pub fn get(&mut self) -> Option<u64> {
        self.get_wide().and_then(|v| u64::try_from(v).ok())
    }

    /// The next 128-bit integer.
    pub fn get_wide(&mut self) -> Option<u128> {
        let mut value: u128 = 0;
        for (i, &byte) in self.bytes.iter().enumerate() {
            let shift = 7 * i as u32;
            let bits = u128::from(byte & 0x7f);
            // 19 bytes hold 133 bits: beyond that, or bits shifted out, is not ours.
            if shift >= 128 || (shift > 0 && bits >> (128 - shift) != 0) {
                return None;
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                self.bytes = &self.bytes[i + 1..];
                return Some(value);
            }
        }
        None
    }

    /// The next signed integer.
    pub fn get_signed(&mut self) -> Option<i64> {
        let raw = self.get()?;
        Some((raw >> 1) as i64 ^ -((raw & 1) as i64))
    }

    /// The next byte.
    pub fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(first)
    }

    /// The next `len` bytes.
    pub fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        if len > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Some(head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_round_trip_at_their_edges() {
        let unsigned = [
            0,
            1,
            127,
            128,
            300,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ];
        let signed = [0, 1, -1, 63, -64, 64, i64::MAX, i64::MIN];
        let wide = [0, u128::from(u64::MAX) + 1, (1u128 << 96) - 1, u128::MAX];
        let mut out = Vec::new();
        unsigned.iter().for_each(|&v| put(&mut out, v));
        signed.iter().for_each(|&v| put_signed(&mut out, v));
        wide.iter().for_each(|&v| put_wide(&mut out, v));
        let mut reader = Reader::new(&out);
        for v in unsigned {
            assert_eq!(reader.get(), Some(v));
        }
        for v in signed {
            assert_eq!(reader.get_signed(), Some(v));
        }
        for v in wide {
            assert_eq!(reader.get_wide(), Some(v));
        }
        assert_eq!(reader.byte(), None);
    }

    #[test]
    fn small_numbers_are_short() {
        let mut out = Vec::new();
        put(&mut out, 127);
        put_signed(&mut out, -64);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn truncated_or_oversized_integers_are_refused() {
        assert_eq!(Reader::new(&[0x80]).get(), None);
        let mut too_big = Vec::new();
        put_wide(&mut too_big, u128::from(u64::MAX) + 1);
        assert_eq!(Reader::new(&too_big).get(), None);
        assert_eq!(Reader::new(&[0xff; 20]).get_wide(), None);
        assert_eq!(Reader::new(&[1, 2]).take(3), None);
    }
}
