//! "Did you mean …?": the nearest valid name to a misspelt one, by edit distance.

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub(super) fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (distance(word, candidate), candidate))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

/// `; did you mean "name"?`, or nothing without a hint.
pub(super) fn did_you_mean(hint: Option<&str>) -> String {
    hint.map_or_else(String::new, |name| format!("; did you mean \"{name}\"?"))
}

/// Levenshtein distance, case-insensitive: inserts, deletes and substitutions cost 1.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_single_edits() {
        assert_eq!(distance("bot_tokn", "bot_token"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("URL", "url"), 0);
    }

    #[test]
    fn nearest_ignores_names_too_far_away() {
        let names = ["mattermost.url", "mattermost.bot_token"];
        assert_eq!(nearest("mattermost.bot_tokn", names), Some("mattermost.bot_token"));
        assert_eq!(nearest("zzz", names), None);
    }
}
