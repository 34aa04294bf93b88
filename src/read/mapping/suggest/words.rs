//! Finding words in a header or a cell: a Chinese word anywhere in the text (Chinese has no
//! spaces between words), an English word only as a whole word (so `no` is not found in
//! `notes`, nor `at` in `status`).

use crate::read::field::normalize;

/// Words that say one thing, and what they say (for the comment that explains a guess).
#[derive(Debug)]
pub(super) struct Words {
    /// The words: Chinese ones are found anywhere, English ones (ASCII, lowercase, maybe
    /// two words with a space) as whole words.
    pub words: &'static [&'static str],
    /// What a header or value with one of them is about, e.g. `an id`.
    pub means: &'static str,
}

/// A text searched for words.
#[derive(Debug)]
pub(super) struct Text {
    /// Normalized as headers are compared (lowercase, no spaces or `_`, half-width).
    normal: String,
    /// Its ASCII words as written, split at anything else and at a lower-to-upper case
    /// change (`referrerID` → `referrer`, `ID`).
    tokens: Vec<String>,
    /// The same words, lowercase, with a space before and after each (whole-word search).
    spaced: String,
}

impl Text {
    /// `text`, split and normalized.
    pub fn new(text: &str) -> Text {
        let mut tokens: Vec<String> = Vec::new();
        let mut current = String::new();
        let mut previous_lower = false;
        for c in text.chars() {
            let c = half_width(c);
            if c.is_ascii_alphanumeric() {
                if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
                previous_lower = c.is_ascii_lowercase();
                current.push(c);
            } else {
                previous_lower = false;
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
        }
        if !current.is_empty() {
            tokens.push(current);
        }
        let mut spaced = String::from(" ");
        for token in &tokens {
            spaced.push_str(&token.to_ascii_lowercase());
            spaced.push(' ');
        }
        Text {
            normal: normalize(text).into_owned(),
            tokens,
            spaced,
        }
    }

    /// The first of `words` found in the text, as the text writes it.
    pub fn find(&self, words: &Words) -> Option<String> {
        words.words.iter().find_map(|word| self.find_word(word))
    }

    fn find_word(&self, word: &str) -> Option<String> {
        if !word.is_ascii() {
            return self.normal.contains(word).then(|| word.to_owned());
        }
        if word.contains(' ') {
            return self
                .spaced
                .contains(&format!(" {word} "))
                .then(|| word.to_owned());
        }
        self.tokens
            .iter()
            .find(|token| token.eq_ignore_ascii_case(word))
            .cloned()
    }

    /// The text normalized (for exact comparisons).
    pub fn normal(&self) -> &str {
        &self.normal
    }
}

/// The half-width form of a full-width ASCII character, so `ＩＤ` is found as `ID`.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: Words = Words {
        words: &["编号", "id", "no", "open source"],
        means: "an id",
    };

    #[test]
    fn chinese_words_anywhere_english_words_whole() {
        assert_eq!(Text::new("奖励编号").find(&ID).as_deref(), Some("编号"));
        assert_eq!(Text::new("referrerID").find(&ID).as_deref(), Some("ID"));
        assert_eq!(Text::new("Reward_Id").find(&ID).as_deref(), Some("Id"));
        assert_eq!(Text::new("推荐人ＩＤ").find(&ID).as_deref(), Some("ID"));
        assert_eq!(Text::new("Notes").find(&ID), None);
        assert_eq!(Text::new("video").find(&ID), None);
        assert_eq!(
            Text::new("Open Source").find(&ID).as_deref(),
            Some("open source")
        );
    }
}
