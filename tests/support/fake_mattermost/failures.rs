//! Failure switches: what a test asks the fake to do instead of answering normally.

use std::time::Duration;

/// One way to misbehave, set globally with `fail` or per route with `fail_route`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Answer this status with an AppError body.
    Status(u16),
    /// Answer 429 `limit exceeded` with the rate-limit headers.
    RateLimited { retry_after_secs: u64 },
    /// Sleep, then answer normally (to outlast a client's timeout).
    Delay(Duration),
    /// Every `every`-th matching request gets a 500.
    Flap { every: u32 },
}

/// What the gate answers in place of the route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    Status(u16),
    RateLimited { retry_after_secs: u64 },
}

struct Rule {
    method: Option<String>,
    path_prefix: String,
    failure: Failure,
    matched: u32,
}

impl Rule {
    fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok = self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method));
        method_ok && path.starts_with(&self.path_prefix)
    }

    /// Counts the request, then says what this rule does to it.
    fn apply(&mut self, delay: &mut Duration) -> Option<Refusal> {
        self.matched += 1;
        match self.failure {
            Failure::Status(code) => Some(Refusal::Status(code)),
            Failure::RateLimited { retry_after_secs } => Some(Refusal::RateLimited { retry_after_secs }),
            Failure::Delay(d) => {
                *delay += d;
                None
            }
            Failure::Flap { every } => (every > 0 && self.matched % every == 0).then_some(Refusal::Status(500)),
        }
    }
}

/// The active rules; a rule set again for the same method and prefix replaces the old one.
#[derive(Default)]
pub(super) struct Failures {
    rules: Vec<Rule>,
}

impl Failures {
    /// `method` of `None` (or `"*"` from the public API) matches every method.
    pub fn set(&mut self, method: Option<&str>, path_prefix: &str, failure: Failure) {
        let method = method.map(str::to_ascii_uppercase);
        self.rules.retain(|r| !(r.method == method && r.path_prefix == path_prefix));
        self.rules.push(Rule { method, path_prefix: path_prefix.to_owned(), failure, matched: 0 });
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// Total delay of the matching rules and the first refusal among them, if any.
    /// Every matching rule counts the request, so flapping stays regular.
    pub fn check(&mut self, method: &str, path: &str) -> (Duration, Option<Refusal>) {
        let mut delay = Duration::ZERO;
        let mut refusal = None;
        for rule in self.rules.iter_mut().filter(|r| r.matches(method, path)) {
            let verdict = rule.apply(&mut delay);
            refusal = refusal.or(verdict);
        }
        (delay, refusal)
    }
}
