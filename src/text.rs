//! How things are worded in messages: values, lists, OS errors.

/// "1 row", "2 rows".
pub fn counted(n: u64, noun: &str) -> String {
    counted_as(n, noun, &format!("{noun}s"))
}

/// "1 retry", "2 retries": for nouns whose plural is not the singular plus "s".
pub fn counted_as(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// At most `shown` items joined with ", ", then "and N more".
pub fn list<T: AsRef<str>>(items: &[T], shown: usize) -> String {
    let mut text = items
        .iter()
        .take(shown)
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > shown {
        text.push_str(&format!(" and {} more", items.len() - shown));
    }
    text
}

/// An OS error in words, without the "(os error N)" that std appends: the words already
/// say it, and a message that quotes it twice reads as two errors.
pub fn io_error(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(cut) if text.ends_with(')') => text[..cut].to_owned(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_cut_with_a_count() {
        assert_eq!(list(&["a", "b"], 5), "a, b");
        assert_eq!(list(&["a", "b", "c"], 2), "a, b and 1 more");
        assert_eq!(list::<&str>(&[], 2), "");
    }

    #[test]
    fn os_errors_lose_their_number() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(io_error(&e), "No such file or directory");
        let custom = std::io::Error::other("plain");
        assert_eq!(io_error(&custom), "plain");
    }
}
