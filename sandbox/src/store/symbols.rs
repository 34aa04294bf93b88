//! An interner for the strings that repeat across rewards (referrers, reasons, comments,
//! currencies): each distinct text is kept once and stored rewards name it by number.

use std::collections::HashMap;

/// At most this many distinct texts are interned; past it, texts are stored where they are
/// used, so a field that turns out not to repeat cannot grow the table without bound.
pub const MAX_SYMBOLS: usize = 1 << 16;

/// Texts longer than this are not interned: labels are short, and a long text that does
/// repeat is rare enough to store in place.
pub const MAX_SYMBOL_LEN: usize = 128;

/// Distinct texts, numbered in order of first sight.
#[derive(Debug, Clone, Default)]
pub struct Symbols {
    texts: Vec<Box<str>>,
    numbers: HashMap<Box<str>, u32>,
}

impl Symbols {
    /// The number of `text`, interning it if there is room; `None` when it is too long or
    /// the table is full.
    pub fn intern(&mut self, text: &str) -> Option<u32> {
        if let Some(&number) = self.numbers.get(text) {
            return Some(number);
        }
        if text.len() > MAX_SYMBOL_LEN || self.texts.len() >= MAX_SYMBOLS {
            return None;
        }
        let number = u32::try_from(self.texts.len()).ok()?;
        self.texts.push(text.into());
        self.numbers.insert(text.into(), number);
        Some(number)
    }

    /// The text numbered `number`.
    pub fn get(&self, number: u64) -> Option<&str> {
        let index = usize::try_from(number).ok()?;
        self.texts.get(index).map(|text| &**text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_share_a_number() {
        let mut symbols = Symbols::default();
        let a = symbols.intern("入职");
        let b = symbols.intern("CNY");
        assert_eq!(symbols.intern("入职"), a);
        assert_ne!(a, b);
        assert_eq!(symbols.get(u64::from(a.unwrap())), Some("入职"));
        assert_eq!(symbols.texts.len(), 2);
        assert_eq!(symbols.get(7), None);
    }

    #[test]
    fn long_texts_and_a_full_table_are_refused() {
        let mut symbols = Symbols::default();
        assert_eq!(symbols.intern(&"x".repeat(MAX_SYMBOL_LEN + 1)), None);
        for i in 0..MAX_SYMBOLS {
            assert!(symbols.intern(&i.to_string()).is_some());
        }
        assert_eq!(symbols.intern("one more"), None);
        // Known texts still have their number.
        assert_eq!(symbols.intern("0"), Some(0));
    }
}
