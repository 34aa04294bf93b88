//! The time zone that times without an offset are read in: an IANA name (`--timezone`,
//! the mapping's `timezone`), looked up in the system's time zone database or, where a
//! container image has none, in the copy built into the binary.

use std::fmt;

use jiff::tz::{TimeZone, TimeZoneDatabase};

/// An IANA time zone, by its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// Always carries its IANA name: [`Zone::parse`] only builds zones from the database.
    tz: TimeZone,
}

/// A time zone name that no database knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownZone {
    /// The name as given.
    pub name: String,
    /// Known names close to it, best first (possibly none).
    pub suggestions: Vec<String>,
}

impl fmt::Display for UnknownZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown time zone {}; give an IANA time zone name such as Asia/Shanghai",
            crate::text::echo(&self.name)
        )?;
        if !self.suggestions.is_empty() {
            write!(f, " (did you mean {}?)", self.suggestions.join(" or "))?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownZone {}

/// Names people give for China's time that are no IANA names.
const CHINA_ALIASES: &[&str] = &[
    "beijing",
    "asia/beijing",
    "china",
    "cst",
    "gmt+8",
    "gmt+08:00",
    "utc+8",
    "utc+08:00",
    "北京",
    "北京时间",
    "中国",
];

impl Zone {
    /// The zone of an IANA name (any case: `asia/shanghai` is `Asia/Shanghai`).
    pub fn parse(name: &str) -> Result<Zone, UnknownZone> {
        let trimmed = name.trim();
        // The system's copy first (kept up to date by the OS), then the built-in one: a
        // system copy can be partial (a slimmed tzdata package) where the bundle is whole.
        let found = jiff::tz::db()
            .get(trimmed)
            .or_else(|_| TimeZoneDatabase::bundled().get(trimmed));
        match found {
            Ok(tz) if tz.iana_name().is_some() => Ok(Zone { tz }),
            _ => Err(UnknownZone {
                name: name.to_owned(),
                suggestions: suggestions(trimmed),
            }),
        }
    }

    /// The zone's IANA name, as the database spells it.
    pub fn name(&self) -> &str {
        self.tz.iana_name().unwrap_or("UTC")
    }

    /// The jiff time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Up to three known names closest to `name`: by a fixed list for China, else by edit
/// distance (runs once, on a bad setting, over some 600 names).
fn suggestions(name: &str) -> Vec<String> {
    let lower = name.to_lowercase();
    if CHINA_ALIASES.contains(&lower.as_str()) {
        return vec!["Asia/Shanghai".to_owned()];
    }
    let db = jiff::tz::db();
    let mut names: Vec<String> = db.available().map(|n| n.as_str().to_owned()).collect();
    if names.is_empty() {
        names = TimeZoneDatabase::bundled()
            .available()
            .map(|n| n.as_str().to_owned())
            .collect();
    }
    // Compare with the whole name and with its last part ("shanghai" → Asia/Shanghai).
    let mut scored: Vec<(usize, String)> = names
        .into_iter()
        .map(|known| {
            let known_lower = known.to_lowercase();
            let city = known_lower.rsplit('/').next().unwrap_or(&known_lower);
            let score = distance(&lower, &known_lower).min(distance(&lower, city));
            (score, known)
        })
        .filter(|(score, _)| *score <= lower.chars().count().div_ceil(3).max(1))
        .collect();
    scored.sort();
    // Only the closest: a runner-up three edits away is noise next to one a letter away.
    let best = scored.first().map_or(0, |(score, _)| *score);
    scored
        .into_iter()
        .take_while(|(score, _)| *score == best)
        .take(3)
        .map(|(_, n)| n)
        .collect()
}

/// The Levenshtein distance of two strings, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_found_in_any_case() {
        let zone = Zone::parse(" asia/shanghai ").unwrap();
        assert_eq!(zone.name(), "Asia/Shanghai");
        assert_eq!(Zone::parse("UTC").unwrap().name(), "UTC");
    }

    #[test]
    fn the_bundled_database_knows_shanghai_without_the_system() {
        // What a distroless image without /usr/share/zoneinfo relies on.
        let tz = TimeZoneDatabase::bundled().get("Asia/Shanghai").unwrap();
        assert_eq!(tz.iana_name(), Some("Asia/Shanghai"));
        assert!(TimeZoneDatabase::bundled().get("America/New_York").is_ok());
    }

    #[test]
    fn unknown_zones_suggest_close_names() {
        let err = Zone::parse("Asia/Beijing").unwrap_err();
        assert_eq!(err.suggestions, ["Asia/Shanghai"]);
        assert_eq!(
            err.to_string(),
            r#"unknown time zone "Asia/Beijing"; give an IANA time zone name such as Asia/Shanghai (did you mean Asia/Shanghai?)"#
        );
        let err = Zone::parse("Asia/Shangai").unwrap_err();
        assert_eq!(
            err.suggestions.first().map(String::as_str),
            Some("Asia/Shanghai")
        );
        let err = Zone::parse("Europe/Berln").unwrap_err();
        assert!(
            err.suggestions.contains(&"Europe/Berlin".to_owned()),
            "{err}"
        );
        let err = Zone::parse("xyzzy/nowhere-at-all").unwrap_err();
        assert!(err.suggestions.is_empty(), "{err}");
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("上海", "上海"), 0);
    }
}
