//! Tidy checks over the project's own source, so the design rules in ARCHITECTURE.md hold
//! without anyone remembering them: the module layers (no cycle, no face imported from
//! below, leaves that import no domain module), which module may name sled, Jira REST paths
//! or write Mattermost JSON, file headers and sizes, no leftover `todo!`/`dbg!`, and secrets
//! compared only in constant time. Each failure names the file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The faces: HTTP and command-line entry points. Nothing below them imports them.
const FACES: &[&str] = &["app", "cli", "routes", "web", "console", "admin_api", "chat"];
/// Leaves: they talk to one outside thing and import no domain module.
const LEAVES: &[&str] = &["store", "mattermost", "jira"];
/// What every module may import: configuration types, the clock and dates, logging, random
/// tokens, and the typed ids and closed sets every layer passes around (value types without IO).
const FOUNDATION: &[&str] = &["config", "utc", "telemetry", "ids", "random"];

/// Where stored records may be built (a module of its own, to keep this file short).
mod handlers;
mod records;
mod store_gate;

/// Every `.rs` file below `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A source file: its path from the project root and its lines.
struct Source {
    path: String,
    lines: Vec<String>,
}

impl Source {
    fn read(path: &Path) -> Source {
        let text = std::fs::read_to_string(path).unwrap();
        let path = path.strip_prefix(root()).unwrap().display().to_string();
        Source { path, lines: text.lines().map(String::from).collect() }
    }

    /// The top-level module of a file under `src/` (`src/store/mod.rs` → `store`).
    fn module(&self) -> String {
        let inner = self.path.trim_start_matches("src/");
        inner.split('/').next().unwrap().trim_end_matches(".rs").to_string()
    }

    /// Unit tests kept in files of their own (`tests.rs`, or below a `tests/` folder in `src`).
    fn is_unit_tests(&self) -> bool {
        self.path.starts_with("src/") && (self.path.ends_with("/tests.rs") || self.path.contains("/tests/"))
    }

    /// Numbered lines of code: unit tests (from `#[cfg(test)]` on) and comments left out.
    fn code(&self) -> Vec<(usize, &str)> {
        if self.is_unit_tests() {
            return Vec::new();
        }
        let end = self.lines.iter().position(|l| l.trim() == "#[cfg(test)]").unwrap_or(self.lines.len());
        self.lines[..end]
            .iter()
            .enumerate()
            .map(|(i, line)| (i + 1, line.split(" // ").next().unwrap_or(line)))
            .filter(|(_, line)| !line.trim_start().starts_with("//"))
            .collect()
    }

    fn at(&self, line: usize) -> String {
        format!("{}:{line}", self.path)
    }
}

fn sources(dir: &str) -> Vec<Source> {
    rust_files(&root().join(dir)).iter().map(|p| Source::read(p)).collect()
}

fn all_sources() -> Vec<Source> {
    ["src", "tests", "benches"].iter().flat_map(|d| sources(d)).collect()
}

/// The library's modules named after `crate::` in code, per top-level module, with where.
fn imports() -> BTreeMap<String, BTreeMap<String, String>> {
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for source in sources("src") {
        let from = source.module();
        for (number, line) in source.code() {
            for (at, _) in line.match_indices("crate::") {
                let before = line[..at].chars().last();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let name: String = line[at + 7..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() && name != from {
                    graph.entry(from.clone()).or_default().entry(name).or_insert_with(|| source.at(number));
                }
            }
        }
    }
    graph
}

/// A cycle through `start`, if the graph has one, as the list of modules.
fn cycle_from(graph: &BTreeMap<String, BTreeMap<String, String>>, start: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeMap<String, String>>,
        at: &str,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(at).into_iter().flat_map(|edges| edges.keys()) {
            if next == start {
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, next, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    walk(graph, start, start, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let graph = imports();
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|module| cycle_from(&graph, module))
        .map(|cycle| {
            let steps: Vec<String> = cycle
                .windows(2)
                .chain(std::iter::once([cycle[cycle.len() - 1].clone(), cycle[0].clone()].as_slice()))
                .map(|pair| format!("{} → {} ({})", pair[0], pair[1], graph[&pair[0]][&pair[1]]))
                .collect();
            steps.join(", ")
        })
        .collect();
    assert!(cycles.is_empty(), "module import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn no_face_is_imported_from_below_and_leaves_import_no_domain_module() {
    let graph = imports();
    let mut offenders = Vec::new();
    for (from, edges) in &graph {
        for (to, at) in edges {
            if FACES.contains(&to.as_str()) && !FACES.contains(&from.as_str()) {
                offenders.push(format!("{at}: {from} (below the faces) imports the face {to}"));
            }
            if LEAVES.contains(&from.as_str()) && !FOUNDATION.contains(&to.as_str()) {
                offenders.push(format!("{at}: {from} is a leaf but imports {to}"));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

/// Lines of code (outside unit tests and comments) in `dir` that contain `needle`, except
/// in the files below `allowed`.
fn code_containing(needle: &str, allowed: &str) -> Vec<String> {
    let mut found = Vec::new();
    for source in all_sources() {
        if source.path.starts_with(allowed) || source.path.starts_with("tests/") {
            continue;
        }
        for (number, line) in source.code() {
            if line.contains(needle) {
                found.push(format!("{}: {}", source.at(number), line.trim()));
            }
        }
    }
    found
}

#[test]
fn only_the_store_names_sled() {
    let offenders = code_containing("sled::", "src/store/");
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn only_jira_names_jira_rest_paths() {
    let offenders = code_containing("/rest/", "src/jira/");
    assert!(offenders.is_empty(), "{offenders:#?}");
}

/// Keys only Mattermost's JSON has (posts, command replies, actions, dialogs): written as an
/// object key (`"key":`) outside `mattermost`, they mean Mattermost JSON built by hand.
const MATTERMOST_KEYS: &[&str] = &[
    "\"props\":",
    "\"attachments\":",
    "\"root_id\":",
    "\"response_type\":",
    "\"skip_slack_parsing\":",
    "\"ephemeral_text\":",
    "\"trigger_id\":",
];

#[test]
fn only_mattermost_writes_mattermost_json() {
    let mut offenders = Vec::new();
    for source in sources("src") {
        if source.path.starts_with("src/mattermost/") {
            continue;
        }
        for (number, line) in source.code() {
            if MATTERMOST_KEYS.iter().any(|key| line.contains(key)) {
                offenders.push(format!("{}: {}", source.at(number), line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "build these with the types in mattermost::: {offenders:#?}");
}

#[test]
fn every_file_opens_with_a_module_header() {
    let offenders: Vec<String> = all_sources()
        .into_iter()
        .filter(|s| !s.lines.first().is_some_and(|l| l.starts_with("//!")))
        .map(|s| s.path)
        .collect();
    assert!(offenders.is_empty(), "files without a `//!` header: {offenders:#?}");
}

/// Files this long take more than a sitting to read; a longer one says why in its header.
const MOST_LINES: usize = 400;

#[test]
fn long_files_say_why() {
    let offenders: Vec<String> = all_sources()
        .into_iter()
        .filter(|s| s.lines.len() > MOST_LINES)
        .filter(|s| !s.lines.iter().take_while(|l| l.starts_with("//!")).any(|l| l.starts_with("//! size:")))
        .map(|s| format!("{}: {} lines and no `//! size:` line", s.path, s.lines.len()))
        .collect();
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn no_leftover_placeholders_or_debug_prints() {
    let mut offenders = Vec::new();
    for source in all_sources() {
        if source.path == "tests/tidy.rs" {
            continue;
        }
        for (i, line) in source.lines.iter().enumerate() {
            for macro_name in ["todo!(", "unimplemented!(", "dbg!("] {
                if line.contains(macro_name) {
                    offenders.push(format!("{}: {}", source.at(i + 1), line.trim()));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

/// Words that name a secret; a comparison with `==` or `!=` where one side names one is
/// an offender (it would leak timing), unless the line or the one before says why it is not
/// a secret.
const SECRET_WORDS: &[&str] = &["secret", "token", "password", "signature"];
const NOT_A_SECRET: &str = "tidy: not a secret";

fn compares_a_secret(line: &str) -> bool {
    let code = line.split(" // ").next().unwrap_or(line);
    ["==", "!="].iter().any(|operator| {
        code.split(operator).count() > 1 && {
            let mut sides = code.splitn(2, operator);
            let (left, right) = (sides.next().unwrap_or(""), sides.next().unwrap_or(""));
            let last_word = |text: &str| {
                let word = text.trim_end().rsplit(|c: char| c.is_whitespace() || "!&|".contains(c)).next();
                word.unwrap_or("").trim_start_matches('(').to_ascii_lowercase()
            };
            let first_word = |text: &str| {
                text.trim_start()
                    .split(|c: char| c.is_whitespace() || c == ')' || c == '{' || c == ';' || c == ',')
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase()
            };
            // A string literal is a name (`key == "secret"`), not a secret's value.
            let names_secret = |word: String| {
                !word.starts_with('"')
                    && SECRET_WORDS.iter().any(|w| word.contains(w))
                    && !word.ends_with("len()")
                    && !word.ends_with("is_empty()")
                    && !word.contains("kind")
            };
            names_secret(last_word(left)) || names_secret(first_word(right))
        }
    })
}

#[test]
fn secrets_are_compared_only_in_constant_time() {
    let mut offenders = Vec::new();
    for source in sources("src") {
        for (number, line) in source.code() {
            // The reason may stand on the line before (rustfmt moves trailing comments).
            let said = |n: usize| n >= 1 && source.lines.get(n - 1).is_some_and(|l| l.contains(NOT_A_SECRET));
            if compares_a_secret(line) && !said(number) && !said(number - 1) {
                offenders.push(format!("{}: {}", source.at(number), line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "compare these with secrets::verify::constant_time_eq: {offenders:#?}");
}

#[test]
fn the_secret_check_tells_comparisons_apart() {
    assert!(compares_a_secret("if given == secret {"));
    assert!(compares_a_secret("let ok = token != expected;"));
    assert!(compares_a_secret("config.webhook.secret.expose() == query"));
    assert!(!compares_a_secret("if token.is_empty() || a == b {"));
    assert!(!compares_a_secret("constant_time_eq(given.as_bytes(), secret.as_bytes())"));
    assert!(!compares_a_secret(r#"pairs.filter(|(k, _)| k != "secret")"#));
}

#[test]
fn the_cycle_check_finds_a_cycle_through_three_modules() {
    let edge = |to: &str| (to.to_string(), "src/x.rs:1".to_string());
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    graph.insert("a".into(), BTreeMap::from([edge("b")]));
    graph.insert("b".into(), BTreeMap::from([edge("c"), edge("d")]));
    graph.insert("c".into(), BTreeMap::from([edge("a")]));
    assert_eq!(cycle_from(&graph, "a"), Some(vec!["a".to_string(), "b".into(), "c".into()]));
    assert_eq!(cycle_from(&graph, "d"), None);
}
