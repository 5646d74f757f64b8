//! Table-driven checks of the wiki and ADF converters (SPEC §5.6).

mod adf;
mod fences;
mod wiki;

use super::MarkupContext;

const ISSUE: &str = "https://jira.example.com/browse/KT-7";

/// `jsmith` is linked to Mattermost user `john`; the account id has only a display name.
fn mention(reference: &str) -> Option<String> {
    match reference {
        "jsmith" => Some("@john".to_string()),
        "accountid:5b10a2844c20165700ede21g" => Some("Jane Doe".to_string()),
        _ => None,
    }
}

fn ctx() -> MarkupContext<'static> {
    MarkupContext { issue_url: ISSUE, mention: &mention }
}

/// Runs every case and reports all mismatches at once.
fn check<I: std::fmt::Debug>(cases: &[(I, &str)], convert: impl Fn(&I) -> String) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(input, expected)| {
            let got = convert(input);
            (got != *expected).then(|| format!("input:    {input:?}\nexpected: {expected:?}\ngot:      {got:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} case(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}
