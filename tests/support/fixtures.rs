//! Jira payload fixtures: ours in `tests/fixtures`, and the shared ones in
//! `../shared/fixtures/jira-webhooks` when that folder exists (CI has it).

use std::path::{Path, PathBuf};

pub fn own_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The shared fixtures, or `None` outside CI when they are absent. In CI their absence
/// fails the test that asked: a run that checked only our own fixtures must not pass there.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/jira-webhooks");
    assert!(dir.is_dir() || !super::in_ci(), "CI=true but {} is missing", dir.display());
    dir.is_dir().then_some(dir)
}

/// One of our fixtures, as bytes.
pub fn own(name: &str) -> Vec<u8> {
    std::fs::read(own_dir().join(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// Our Cloud issue-created fixture as another issue: key `key`, and an id made from the
/// key's digits, so its posts and dedup keys are its own.
pub fn issue_created(key: &str) -> String {
    let id: String = key.chars().filter(char::is_ascii_digit).collect();
    String::from_utf8(own("cloud-issue-created.json"))
        .unwrap()
        .replace("OPS-12", key)
        .replace("20017", &format!("9{id}"))
}
