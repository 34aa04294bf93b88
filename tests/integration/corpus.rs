//! Every file of `tests/corpus/` (inputs that once broke something, or nearly: the small
//! hostile inputs of SPEC §2.5) through the real binary, as a user would give it: the exit
//! code and a fragment of what it says, as `tests/corpus/README.md` lists them. A file
//! there without a line in the list, or a line without its file, fails the test: the list
//! is the corpus's contract. (The big hostile inputs are generated and measured by
//! `benches/hostile.sh`.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{Workdir, repo_path};

/// One line of the list: how the file is given, the exit code, what the output holds.
struct Expected {
    args: Vec<String>,
    exit: i32,
    says: String,
}

/// The list in `tests/corpus/README.md`: table rows `| `FILE` | args | exit | says |`.
fn expected(corpus: &Path) -> BTreeMap<String, Expected> {
    let readme = std::fs::read_to_string(corpus.join("README.md")).expect("the corpus's README");
    let mut list = BTreeMap::new();
    for line in readme.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        assert_eq!(
            cells.len(),
            5,
            "a row of file, what, args, exit, says: {line}"
        );
        let file = cells[0].trim_matches('`').to_owned();
        let args = cells[2]
            .trim_matches('`')
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let exit = cells[3]
            .parse()
            .unwrap_or_else(|_| panic!("an exit code: {line}"));
        let says = cells[4].trim_matches('`').replace("\\|", "|");
        let duplicate = list.insert(file, Expected { args, exit, says });
        assert!(duplicate.is_none(), "listed twice: {line}");
    }
    list
}

/// Every file under `dir`, as a path relative to it (`/`-separated).
fn files(dir: &Path, under: &str, out: &mut Vec<String>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir.join(under))
        .expect("a corpus directory")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let relative = if under.is_empty() {
            name
        } else {
            format!("{under}/{name}")
        };
        if path.is_dir() {
            files(dir, &relative, out);
        } else if relative != "README.md" {
            out.push(relative);
        }
    }
}

#[test]
fn every_corpus_file_gives_its_listed_exit_code_and_message() {
    let corpus = repo_path("tests/corpus");
    let list = expected(&corpus);
    let mut found = Vec::new();
    files(&corpus, "", &mut found);
    let unlisted: Vec<&String> = found.iter().filter(|f| !list.contains_key(*f)).collect();
    assert!(
        unlisted.is_empty(),
        "not in tests/corpus/README.md: {unlisted:?}"
    );
    let missing: Vec<&String> = list.keys().filter(|f| !found.contains(f)).collect();
    assert!(missing.is_empty(), "listed but not there: {missing:?}");

    let wrk = Workdir::new();
    let mut failures = Vec::new();
    for (file, expected) in &list {
        let path = corpus.join(file);
        let path = path.to_str().expect("a UTF-8 path");
        // `FILE` in the args stands for the corpus file (a mapping file is given to
        // --map); otherwise the file is the one validated.
        let mut args: Vec<String> = expected
            .args
            .iter()
            .map(|a| match a.as_str() {
                "FILE" => path.to_owned(),
                "SAMPLE" => repo_path("samples/rewards.csv")
                    .to_string_lossy()
                    .into_owned(),
                other => other.to_owned(),
            })
            .collect();
        if !expected.args.iter().any(|a| a == "FILE") {
            args.push(path.to_owned());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = wrk
            .command(&args)
            .timeout(std::time::Duration::from_secs(120))
            .output()
            .expect("rewardsync runs");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let code = output.status.code();
        if code != Some(expected.exit)
            || !said.contains(&expected.says)
            || said.contains("panicked")
        {
            failures.push(format!(
                "{file}: exit {code:?} (listed {}), said:\n{}\n(listed: {})",
                expected.exit,
                said.chars().take(600).collect::<String>(),
                expected.says
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
