//! The tenant's talents (candidates) as the talent lookup knows them. From a CSV
//! (`--talents FILE`: exactly these talents, duplicates of an e-mail or mobile allowed, to
//! rehearse ambiguous candidates), or, without one, made up on first sight: the same
//! e-mail, mobile or id number always gives the same talent_id, in this sandbox and the next.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::mobile;

/// One talent: a row of the talents CSV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Talent {
    /// The talent's id.
    pub talent_id: String,
    /// E-mail (may be empty).
    #[serde(default)]
    pub email: String,
    /// Mobile country code, `+` optional (may be empty: mainland, or given in the number).
    #[serde(default)]
    pub mobile_code: String,
    /// Mobile number (may be empty).
    #[serde(default)]
    pub mobile_number: String,
    /// Kind of identity document (optional column).
    #[serde(default)]
    pub identification_type: Option<i64>,
    /// Identity document number (optional column; may be empty).
    #[serde(default)]
    pub identification_number: String,
}

/// Why a talents file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TalentsError {
    /// The file could not be opened.
    #[error("cannot open the talents file {path}: {source}")]
    Open {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A row is not a valid talent.
    #[error("talents line {line}: {source}")]
    Row {
        /// The 1-based line number.
        line: u64,
        /// The cause.
        source: csv::Error,
    },
    /// A row has no talent_id.
    #[error("talents line {line}: talent_id is empty")]
    NoId {
        /// The 1-based line number.
        line: u64,
    },
}

/// Where the talents came from, for the banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TalentSource {
    /// None given: the pool starts empty.
    Empty,
    /// A CSV file (`--talents FILE`).
    File(PathBuf),
    /// Talents handed over in memory (tests).
    Memory,
}

impl fmt::Display for TalentSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TalentSource::Empty => f.write_str("no talents file"),
            TalentSource::File(path) => write!(f, "--talents {}", path.display()),
            TalentSource::Memory => f.write_str("talents given in memory"),
        }
    }
}

/// The talents, indexed by e-mail (case-insensitive), mobile key and id document.
#[derive(Debug, Clone)]
pub struct TalentPool {
    source: TalentSource,
    talents: Vec<Talent>,
    by_email: HashMap<String, Vec<usize>>,
    by_mobile: HashMap<String, Vec<usize>>,
    by_document: HashMap<(i64, String), Vec<usize>>,
}

impl Default for TalentPool {
    fn default() -> Self {
        TalentPool::new(Vec::new()).with_source(TalentSource::Empty)
    }
}

impl TalentPool {
    /// A pool of these talents (its source: [`TalentSource::Memory`]).
    pub fn new(talents: Vec<Talent>) -> TalentPool {
        let mut pool = TalentPool {
            source: TalentSource::Memory,
            talents: Vec::with_capacity(talents.len()),
            by_email: HashMap::new(),
            by_mobile: HashMap::new(),
            by_document: HashMap::new(),
        };
        for talent in talents {
            pool.push(talent);
        }
        pool
    }

    /// The same pool, said to come from `source`.
    pub fn with_source(mut self, source: TalentSource) -> TalentPool {
        self.source = source;
        self
    }

    /// Reads a talents CSV: `talent_id,email,mobile_code,mobile_number`, and optionally
    /// `identification_type,identification_number`.
    pub fn from_reader(reader: impl Read) -> Result<TalentPool, TalentsError> {
        let mut csv = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(reader);
        let mut talents = Vec::new();
        for row in csv.deserialize::<Talent>() {
            let talent = row.map_err(|source| TalentsError::Row {
                line: source.position().map_or(0, |p| p.line()),
                source,
            })?;
            if talent.talent_id.is_empty() {
                // Header is line 1; this talent is the next row after those read.
                let line = u64::try_from(talents.len()).map_or(0, |n| n + 2);
                return Err(TalentsError::NoId { line });
            }
            talents.push(talent);
        }
        Ok(TalentPool::new(talents))
    }

    /// Reads a talents CSV file.
    pub fn from_path(path: &Path) -> Result<TalentPool, TalentsError> {
        let file = std::fs::File::open(path).map_err(|source| TalentsError::Open {
            path: path.display().to_string(),
            source,
        })?;
        Ok(TalentPool::from_reader(file)?.with_source(TalentSource::File(path.to_owned())))
    }

    /// Where the talents came from.
    pub fn source(&self) -> &TalentSource {
        &self.source
    }

    /// Every talent, in file order, then made-up ones.
    pub fn talents(&self) -> &[Talent] {
        &self.talents
    }

    /// Adds a talent and returns its index.
    pub fn push(&mut self, talent: Talent) -> usize {
        let index = self.talents.len();
        if !talent.email.is_empty() {
            self.by_email
                .entry(talent.email.to_lowercase())
                .or_default()
                .push(index);
        }
        if !talent.mobile_number.is_empty()
            && let Some(key) = mobile::file_key(&talent.mobile_code, &talent.mobile_number)
        {
            self.by_mobile.entry(key).or_default().push(index);
        }
        if let Some(kind) = talent.identification_type
            && !talent.identification_number.is_empty()
        {
            self.by_document
                .entry((kind, talent.identification_number.clone()))
                .or_default()
                .push(index);
        }
        self.talents.push(talent);
        index
    }

    /// The talents with this e-mail (case-insensitive).
    pub fn with_email(&self, email: &str) -> &[usize] {
        self.by_email
            .get(&email.to_lowercase())
            .map_or(&[], Vec::as_slice)
    }

    /// The talents whose mobile has this key ([`mobile::talent_key`]).
    pub fn with_mobile_key(&self, key: &str) -> &[usize] {
        self.by_mobile.get(key).map_or(&[], Vec::as_slice)
    }

    /// The talents with this identity document.
    pub fn with_document(&self, kind: i64, number: &str) -> &[usize] {
        self.by_document
            .get(&(kind, number.to_owned()))
            .map_or(&[], Vec::as_slice)
    }

    /// True when some talent already has this id.
    pub fn has_id(&self, talent_id: &str) -> bool {
        self.talents.iter().any(|t| t.talent_id == talent_id)
    }
}

/// The talent made up for one value (`email:…`, `mobile:…`, `document:…`): a 19-digit id
/// derived from the value alone; `attempt` > 0 only when that id is taken.
pub fn made_up_id(value: &str, attempt: u32) -> String {
    let mut hash = Sha256::new();
    hash.update(b"rewardsync sandbox made-up talent\n");
    hash.update(value.as_bytes());
    hash.update(attempt.to_be_bytes());
    let digest = hash.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    // Feishu's talent ids are 19 digits; 69… keeps clear of the sandbox's other ids.
    format!("69{:017}", u64::from_be_bytes(first) % 10u64.pow(17))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_talents_file_allows_duplicates_and_optional_columns() {
        let csv = "talent_id,email,mobile_code,mobile_number\n\
                   t1,a@cand.com,86,13800000001\n\
                   t2,A@cand.com,,+86 138 0000 0001\n\
                   t3,,1,2126668888\n";
        let pool = TalentPool::from_reader(csv.as_bytes()).unwrap();
        assert_eq!(pool.with_email("a@CAND.com"), [0, 1]);
        assert_eq!(pool.with_mobile_key("13800000001"), [0, 1]);
        assert_eq!(pool.with_mobile_key("+12126668888"), [2]);
        assert!(pool.with_email("").is_empty());
        let err = TalentPool::from_reader("talent_id,email\nt1,a@b.com\n,c@d.com\n".as_bytes())
            .unwrap_err();
        assert_eq!(err.to_string(), "talents line 3: talent_id is empty");
        let with_documents = "talent_id,email,mobile_code,mobile_number,identification_type,identification_number\n\
                              t9,,,,1,110101199001011234\n";
        let pool = TalentPool::from_reader(with_documents.as_bytes()).unwrap();
        assert_eq!(pool.with_document(1, "110101199001011234"), [0]);
    }

    #[test]
    fn made_up_ids_are_stable_and_19_digits() {
        let id = made_up_id("email:a@b.com", 0);
        assert_eq!(id, made_up_id("email:a@b.com", 0));
        assert_ne!(id, made_up_id("email:a@b.com", 1));
        assert_eq!(id.len(), 19);
        assert!(id.bytes().all(|b| b.is_ascii_digit()));
    }
}
