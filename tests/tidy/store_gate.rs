//! Tidy: every store function that writes a tree holds the write gate, so backups see a
//! consistent store.

use super::sources;

/// A tidy check: in the store's source, every function that writes a tree (a sled
/// transaction or batch, or an insert/remove on `t.<tree>` or `self.trees().<tree>`) mentions
/// the gate, so a new write path cannot silently slip past backups. Functions called
/// with the gate held say so in a comment that names it.
#[test]
fn every_write_path_holds_the_gate() {
    // Opening and importing write a database no one else can see yet.
    let exempt = ["migrations.rs", "import.rs", "gate.rs"];
    let mut offenders = Vec::new();
    for source in sources("src/store") {
        if exempt.iter().any(|name| source.path.ends_with(name)) {
            continue;
        }
        let text = source.lines.join("\n");
        for chunk in text.split("fn ").skip(1) {
            let name = chunk.split('(').next().unwrap_or("").trim();
            if writes_a_tree(chunk) && !chunk.contains("gate") {
                offenders.push(format!("{}: fn {name}", source.path));
            }
        }
    }
    assert!(offenders.is_empty(), "store writes without the write gate: {offenders:#?}");
}

fn writes_a_tree(chunk: &str) -> bool {
    let body = chunk.split("#[cfg(test)]").next().unwrap_or(chunk);
    body.contains(".transaction(")
        || body.contains(".apply_batch(")
        || body.lines().any(|line| {
            let line = line.trim();
            (line.starts_with("t.") || line.starts_with("self.trees().") || line.contains("(&t."))
                && (line.contains(".insert(") || line.contains(".remove("))
        })
}
