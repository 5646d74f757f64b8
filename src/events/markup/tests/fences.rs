//! The fence invariant of converted text: every ``` fence the converter opens is closed.
//! Shared with the fuzz target (`fuzz/fuzz_targets/normalize.rs` includes this file), so it
//! uses nothing outside the standard library.

/// Checks markdown made from text without backticks, so that every fence line in it is
/// the converter's own: fence lines must come in pairs, an opener (backticks, maybe a
/// language) and then a closer of exactly as many backticks. `Err` names the first line
/// (1-based) that breaks this, or the opener left open.
pub fn check(markdown: &str) -> Result<(), usize> {
    let mut open: Option<(usize, usize)> = None;
    for (k, line) in markdown.split('\n').enumerate() {
        // Quote prefixes and list markers or indentation may stand before a fence.
        let bare = line.trim_start_matches(|c: char| matches!(c, '>' | ' ' | '-' | '.' | '0'..='9'));
        let ticks = bare.len() - bare.trim_start_matches('`').len();
        if ticks < 3 {
            continue;
        }
        open = match open {
            None => Some((k + 1, ticks)),
            Some((_, n)) if ticks == n && bare[ticks..].is_empty() => None,
            Some(_) => return Err(k + 1),
        };
    }
    open.map_or(Ok(()), |(line, _)| Err(line))
}
