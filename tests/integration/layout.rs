//! The layout's rules that a compiler does not check (issue 20, ARCHITECTURE.md): no
//! import cycle between the top-level modules of a crate (the library, the sandbox, the
//! binary's commands, the stages of reading), so that each module can be read, tested and
//! changed knowing only the ones below it; and the importer and the sandbox share nothing,
//! so a mistake in one cannot hide the same mistake in the other. A `use crate::X`
//! (outside comments) in module M is an edge M → X.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::repo_path;

/// The modules directly under `dir` (files and folders, `mod.rs` and the crate roots
/// left out), each with the modules of the same level its code names: as `PREFIX…`
/// (`crate::` for a crate's top level), or through as many `super::` as lead back to it.
fn edges(dir: &Path, prefix: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut modules = BTreeMap::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("a source folder")
        .map(|e| e.expect("an entry").path())
        .collect();
    entries.sort();
    for path in &entries {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if ["lib", "main", "mod", "cli"].contains(&name.as_str()) || name == "cmd" {
            continue;
        }
        if path.is_dir() || path.extension().is_some_and(|e| e == "rs") {
            modules.insert(name, path.clone());
        }
    }
    let mut edges = BTreeMap::new();
    for (name, path) in &modules {
        let mut files = Vec::new();
        collect(path, &mut files);
        // A module folder and its file of the same name (`summary.rs` beside `summary/`).
        let sibling = path.with_extension("rs");
        if path.is_dir() && sibling.is_file() {
            files.push(sibling);
        }
        let mut named = BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a source file");
            let depth = depth(dir, &file);
            for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for (at, _) in line.match_indices(prefix) {
                    named.insert(identifier(&line[at + prefix.len()..]));
                }
                // `super::…` from a file `depth` modules below `dir`: as many `super::` as
                // that names this level.
                let mut rest = line;
                while let Some(at) = rest.find("super::") {
                    let mut tail = &rest[at..];
                    let mut k = 0;
                    while let Some(after) = tail.strip_prefix("super::") {
                        tail = after;
                        k += 1;
                    }
                    if k == depth {
                        named.insert(identifier(tail));
                    }
                    rest = tail;
                }
            }
        }
        named.retain(|target| modules.contains_key(target) && target != name);
        edges.insert(name.clone(), named);
    }
    edges
}

/// The name at the start of `text` (a module's, if it is one).
fn identifier(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// How many modules below `dir`'s level the file's module is: `dir/x.rs` and
/// `dir/x/mod.rs` are 1, `dir/x/y.rs` is 2.
fn depth(dir: &Path, file: &Path) -> usize {
    let relative = file.strip_prefix(dir).expect("a file under its folder");
    let parts = relative.components().count();
    if file.file_name().is_some_and(|n| n == "mod.rs") {
        parts - 1
    } else {
        parts
    }
}

/// Every `.rs` file at or under `path`.
fn collect(path: &Path, files: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("a folder") {
            collect(&entry.expect("an entry").path(), files);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        files.push(path.to_path_buf());
    }
}

/// The first cycle in `edges`, as the modules along it.
fn cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        at: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|m| m == at) {
            let mut found = path[i..].to_vec();
            found.push(at.to_owned());
            return Some(found);
        }
        if done.contains(at) {
            return None;
        }
        path.push(at.to_owned());
        for next in &edges[at] {
            if let Some(found) = visit(next, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(at.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|start| visit(start, edges, &mut Vec::new(), &mut done))
}

#[test]
fn no_import_cycle_between_the_top_level_modules_of_a_crate() {
    for (dir, prefix) in [
        ("src", "crate::"),
        ("src/read", "crate::read::"),
        ("src/cmd", "crate::cmd::"),
        ("sandbox/src", "crate::"),
    ] {
        let edges = edges(&repo_path(dir), prefix);
        assert!(edges.len() > 4, "{dir}: {edges:?}");
        assert_eq!(cycle(&edges), None, "{dir}: {edges:#?}");
    }
}

/// The files at or under `dir` (relative to the repository) whose code names `name`.
fn naming(dir: &str, name: &str) -> Vec<String> {
    let mut files = Vec::new();
    collect(&repo_path(dir), &mut files);
    let mut found: Vec<String> = files
        .iter()
        .filter(|file| {
            std::fs::read_to_string(file)
                .expect("a source file")
                .lines()
                .any(|l| !l.trim_start().starts_with("//") && l.contains(name))
        })
        .map(|file| file.display().to_string())
        .collect();
    found.sort();
    found
}

#[test]
fn the_importer_and_the_sandbox_share_nothing() {
    // The library never names the sandbox: only the binary's `sandbox` and `demo` commands
    // (behind the `sandbox` feature) do.
    let library: Vec<String> = naming("src", "rewardsync_sandbox")
        .into_iter()
        .filter(|f| !f.contains("/src/cmd/") && !f.ends_with("/src/main.rs"))
        .collect();
    assert_eq!(library, Vec::<String>::new());
    for command in naming("src/cmd", "rewardsync_sandbox") {
        assert!(
            command.ends_with("/demo.rs") || command.ends_with("/sandbox.rs"),
            "{command} names the sandbox, but only `demo` and `sandbox` are built with it"
        );
    }
    assert_eq!(naming("sandbox/src", "rewardsync::"), Vec::<String>::new());
    assert_eq!(
        naming("sandbox/src", "rewardsync_testdata"),
        Vec::<String>::new()
    );
    // Test data is not shipped: nothing of the library or the binary names it.
    assert_eq!(naming("src", "rewardsync_testdata"), Vec::<String>::new());
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let edges: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(m, to)| (m.to_owned(), to.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(
        cycle(&edges),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}
