//! Shared by the tidy tests that read the project's own source (the write gate in `store`,
//! store calls in the HTTP faces): the Rust files below a folder.

use std::path::{Path, PathBuf};

/// Every `.rs` file below `dir`, depth first.
pub(crate) fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}
