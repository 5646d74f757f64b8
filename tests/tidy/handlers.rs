//! Tidy: "no HTTP worker thread calls sled" (SPEC §3.6): the HTTP faces reach the store only
//! through `Store::run`.

use super::sources;

/// A tidy check for "no HTTP worker thread calls sled" (SPEC §3.6): in the handlers
/// (`src/console`, `src/admin_api`, `src/web`) the store is reached only through
/// `Store::run`, which does the work on a blocking thread and answers within the
/// store's deadline.
///
/// Every use of a `store` field (`state.store`, `self.store`, …) must be one of
/// * `.store.run(`: the way in;
/// * `.store.clone()`: a handle moved to code that already runs on a blocking thread
///   (argon2 work) or that goes through `run` itself (a domain service such as
///   `subscriptions::service`);
/// * `.store.writability()`: the health state, in memory.
///
/// Anything else (another method, or the store passed on, as in `&state.store`) is an
/// offender. So are `state.settings.update(` and `state.settings.entries(`, which reach
/// the store too: handlers call them inside `run`, on a clone of the state named
/// otherwise. Comments and unit tests (after `#[cfg(test)]`) are not looked at.
/// Domain code a handler calls is not followed: it takes the store (`&Store`) and is
/// called in `run`, or uses `run` itself.
#[test]
fn handlers_reach_the_store_only_through_run() {
    let mut offenders = Vec::new();
    for dir in ["src/console", "src/admin_api", "src/web"] {
        for source in sources(dir) {
            let text = source.lines.join("\n");
            offenders.extend(offenders_in(&text).into_iter().map(|line| format!("{}: {line}", source.path)));
        }
    }
    assert!(offenders.is_empty(), "store calls outside Store::run: {offenders:#?}");
}

#[test]
fn the_tidy_check_tells_run_from_direct_calls() {
    let clean = [
        "let all = state.store.run(|store| store.instances()).await?;",
        "let all = state\n        .store\n        .run(read)\n        .await?;",
        "let store = state.store.clone(); let ok = state.store.writability(); state.store_status()",
        "expired.store(true, Ordering::Relaxed); // state.store.instances()",
        "state.store.run(move |_| shared.settings.update(&changes, &actor))",
    ];
    for text in clean {
        assert_eq!(offenders_in(text), Vec::<String>::new(), "{text}");
    }
    let direct = ["state.store.instances()?", "log::search(&state.store, &query)", "state.settings.entries()"];
    for text in direct {
        assert_eq!(offenders_in(text).len(), 1, "{text}");
    }
}

/// What a store field may be followed by (see the test above).
const ALLOWED: &[&str] = &["run(", "clone()", "writability()"];

/// The lines of `text` that reach the store other than through `run`.
fn offenders_in(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    // Comments out: whole-line ones, and trailing ones (` // `; a URL's `//` has no space).
    let lines: Vec<&str> = code
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .map(|line| line.split(" // ").next().unwrap_or(line))
        .collect();
    let code = lines.join("\n");
    let line_at = |at: usize| lines[code[..at].matches('\n').count()].trim().to_string();
    let mut found = Vec::new();
    for (at, _) in code.match_indices(".store") {
        let rest = &code[at + ".store".len()..];
        // `.store_status()`, `.stored`, `AtomicBool::store(…)`: not a store field.
        if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '(') {
            continue;
        }
        let call = rest.trim_start().strip_prefix('.').map(str::trim_start);
        if !call.is_some_and(|call| ALLOWED.iter().any(|allowed| call.starts_with(allowed))) {
            found.push(line_at(at));
        }
    }
    for reaching in ["state.settings.update(", "state.settings.entries("] {
        found.extend(code.match_indices(reaching).map(|(at, _)| line_at(at)));
    }
    found
}
