//! Names the build for `/jira about` (SPEC §9.3: `jirabridge <version> (<commit>, built
//! <date>)`): the commit and its date, read from git when the sources are a git checkout,
//! so every build of one commit says the same. `JB_ABOUT_COMMIT` and `JB_ABOUT_DATE` set
//! in the environment win (a build from a source tarball). Not `JIRABRIDGE_*`: cargo also
//! puts these in the environment of what it runs, and jirabridge refuses unknown
//! `JIRABRIDGE_*` variables as configuration mistakes.

use std::path::Path;
use std::process::Command;

fn main() {
    for key in ["JB_ABOUT_COMMIT", "JB_ABOUT_DATE"] {
        println!("cargo:rerun-if-env-changed={key}");
    }
    // Only files that exist: cargo runs the script again on every build for a missing one,
    // and that would rebuild the crate each time.
    let head = Path::new(".git/HEAD");
    if !head.is_file() {
        return;
    }
    println!("cargo:rerun-if-changed=.git/HEAD");
    let branch = std::fs::read_to_string(head).ok().and_then(|h| h.strip_prefix("ref: ").map(|r| r.trim().to_string()));
    for path in branch.iter().map(|r| format!(".git/{r}")).chain([".git/packed-refs".to_string()]) {
        if Path::new(&path).is_file() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    if std::env::var_os("JB_ABOUT_COMMIT").is_none() {
        if let Some(commit) = git(&["rev-parse", "--short=12", "HEAD"]) {
            println!("cargo:rustc-env=JB_ABOUT_COMMIT={commit}");
        }
    }
    if std::env::var_os("JB_ABOUT_DATE").is_none() {
        if let Some(date) = git(&["log", "-1", "--format=%cs"]) {
            println!("cargo:rustc-env=JB_ABOUT_DATE={date}");
        }
    }
}

/// What `git args` prints, trimmed; `None` without git or outside a repository.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}
