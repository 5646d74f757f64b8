//! Dialog submissions, clicks and lookups (SPEC §10.4): the signed state is checked before
//! anything else, a token that changes something is used once (`token_onetime`, taken back
//! when the dialog only had fields to fix), and only then does [`JiraOps`] act. A forged,
//! edited, expired, replayed or misdirected token never reaches Jira.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::jira_ops::{Caller, Interaction, JiraOps, Outcome, Surface};
use super::run::PUSH_ONLY;
use super::signed::SigningKey;
use crate::live_config::Settings;
use crate::store::{Store, StoreError};
use crate::utc::now_ms;

/// §3.3's answers to a token that does not check out.
pub const FORM_EXPIRED: &str = "This form has expired. Run the command again.";
pub const BUTTON_EXPIRED: &str = "This button has expired. Run the command again.";
/// §10.4's answer to a second use.
pub const ALREADY_DONE: &str = "This action was already done.";

/// What an interaction needs besides the request.
#[derive(Clone)]
pub struct InteractContext {
    pub store: Store,
    pub settings: Settings,
    pub key: SigningKey,
    pub jira: Arc<dyn JiraOps>,
    /// Seconds added to the clock tokens are checked against (tests of expiry; else 0).
    pub clock_ahead_secs: u64,
}

/// How an interaction ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    /// The token did not check out: nothing was done.
    Refused,
    /// Its nonce was used before: nothing was done.
    AlreadyDone,
    Outcome(Outcome),
}

/// Checks `token` for `caller` and, when it holds, carries the interaction out.
pub async fn interact(
    ctx: &InteractContext,
    caller: &Caller,
    surface: Surface,
    token: &str,
    values: Map<String, Value>,
) -> Result<Checked, StoreError> {
    let now_secs = now_ms() / 1000 + ctx.clock_ahead_secs;
    let state = match ctx.key.verify(token, &caller.user_id, &caller.channel_id, now_secs) {
        Ok(state) => state,
        Err(why) => {
            tracing::warn!(reason = %why, ?surface, user = %caller.user_id, "a signed dialog or button token was refused");
            return Ok(Checked::Refused);
        }
    };
    // Tokens are handed out only by commands that reach Jira, but a mode switch can come
    // between: in push-only mode nothing acts.
    if ctx.settings.current().jira.push_only {
        return Ok(Checked::Outcome(Outcome::Failed(PUSH_ONLY.into())));
    }
    // A lookup only reads: the form's nonce is left for its submission.
    if let Some(nonce) = state.n.clone().filter(|_| surface != Surface::Lookup) {
        let until_ms = state.exp.saturating_mul(1000);
        let key = nonce.clone();
        if !ctx.store.run(move |store| store.use_once(&key, until_ms, now_ms())).await? {
            return Ok(Checked::AlreadyDone);
        }
        let outcome = ctx.jira.interact(caller, Interaction { surface, state, values }).await;
        // Fields to fix, or a failure that did nothing: the form may be sent again.
        if matches!(outcome, Outcome::Invalid(_) | Outcome::Failed(_)) {
            ctx.store.run(move |store| store.release_once(&nonce)).await?;
        }
        return Ok(Checked::Outcome(outcome));
    }
    Ok(Checked::Outcome(ctx.jira.interact(caller, Interaction { surface, state, values }).await))
}

#[cfg(test)]
mod tests;
