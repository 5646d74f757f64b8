//! Interactions against a recording [`JiraOps`]: only a valid token reaches it, once when
//! it carries a nonce, again after a dialog that only had fields to fix.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::*;
use crate::commands::jira_ops::{JiraCall, OutcomeOf, Reply};
use crate::commands::signed::{SignedState, DIALOG_SECS};
use crate::config::LoadedConfig;
use crate::store::MasterKey;

/// Records interactions; answers `Invalid` while `invalid` is set.
#[derive(Default)]
struct Recording {
    seen: Mutex<Vec<Interaction>>,
    invalid: Mutex<bool>,
}

impl JiraOps for Recording {
    fn is_connected(&self, _: &str, _: Option<&str>) -> bool {
        true
    }

    fn connected_users(&self) -> usize {
        1
    }

    fn run<'a>(&'a self, _: &'a Caller, _: JiraCall) -> Reply<'a> {
        Box::pin(async { Default::default() })
    }

    fn interact<'a>(&'a self, _: &'a Caller, interaction: Interaction) -> OutcomeOf<'a> {
        self.seen.lock().unwrap().push(interaction);
        let invalid = *self.invalid.lock().unwrap();
        Box::pin(async move {
            if invalid {
                Outcome::Invalid(BTreeMap::from([("summary".to_string(), "Give a summary.".to_string())]))
            } else {
                Outcome::Done("done".into())
            }
        })
    }
}

struct World {
    _dir: tempfile::TempDir,
    ctx: InteractContext,
    jira: Arc<Recording>,
}

fn world(push_only: bool) -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &Default::default()).unwrap();
    let master = MasterKey::load_or_create(dir.path()).unwrap();
    let mut config = crate::config::Config::default();
    config.jira.push_only = push_only;
    let loaded = LoadedConfig { config, file: None, sources: Default::default() };
    let settings = Settings::load(loaded, store.clone(), master).unwrap();
    let jira = Arc::new(Recording::default());
    let ctx =
        InteractContext { store, settings, key: SigningKey::new([3; 32]), jira: jira.clone(), clock_ahead_secs: 0 };
    World { _dir: dir, ctx, jira }
}

fn caller() -> Caller {
    Caller { user_id: "u1".into(), channel_id: "c1".into(), ..Caller::default() }
}

fn token(world: &World, nonce: Option<&str>, exp: u64) -> String {
    let state = SignedState {
        op: "transition".into(),
        uid: Some("u1".into()),
        cid: "c1".into(),
        iid: None,
        key: Some("EXT-1".into()),
        exp,
        rurl: None,
        n: nonce.map(String::from),
        data: Map::new(),
    };
    world.ctx.key.sign(&state)
}

fn later() -> u64 {
    now_ms() / 1000 + DIALOG_SECS
}

#[tokio::test(flavor = "multi_thread")]
async fn a_valid_token_acts_once_and_a_replay_does_not() {
    let world = world(false);
    let token = token(&world, Some("n1"), later());
    let first = interact(&world.ctx, &caller(), Surface::Dialog, &token, Map::new()).await.unwrap();
    assert_eq!(first, Checked::Outcome(Outcome::Done("done".into())));
    let again = interact(&world.ctx, &caller(), Surface::Dialog, &token, Map::new()).await.unwrap();
    assert_eq!(again, Checked::AlreadyDone);
    assert_eq!(world.jira.seen.lock().unwrap().len(), 1, "the replay never reached Jira");
}

#[tokio::test(flavor = "multi_thread")]
async fn fields_to_fix_do_not_use_the_token_up() {
    let world = world(false);
    let token = token(&world, Some("n2"), later());
    *world.jira.invalid.lock().unwrap() = true;
    let invalid = interact(&world.ctx, &caller(), Surface::Dialog, &token, Map::new()).await.unwrap();
    assert!(matches!(invalid, Checked::Outcome(Outcome::Invalid(_))));
    *world.jira.invalid.lock().unwrap() = false;
    let fixed = interact(&world.ctx, &caller(), Surface::Dialog, &token, Map::new()).await.unwrap();
    assert_eq!(fixed, Checked::Outcome(Outcome::Done("done".into())));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_tokens_and_push_only_never_reach_jira() {
    let world = world(false);
    let expired = token(&world, None, now_ms() / 1000 - 1);
    let someone_else = Caller { user_id: "u2".into(), ..caller() };
    let elsewhere = Caller { channel_id: "c2".into(), ..caller() };
    let valid = token(&world, None, later());
    let forged = SigningKey::new([4; 32]).sign(&world.ctx.key.verify(&valid, "u1", "c1", 0).unwrap());
    for (who, token) in
        [(caller(), expired), (someone_else, valid.clone()), (elsewhere, valid.clone()), (caller(), forged)]
    {
        let checked = interact(&world.ctx, &who, Surface::Action, &token, Map::new()).await.unwrap();
        assert_eq!(checked, Checked::Refused);
    }
    let push_only = self::world(true);
    let token = self::token(&push_only, Some("n3"), later());
    let checked = interact(&push_only.ctx, &caller(), Surface::Action, &token, Map::new()).await.unwrap();
    assert_eq!(checked, Checked::Outcome(Outcome::Failed(PUSH_ONLY.into())));
    assert!(world.jira.seen.lock().unwrap().is_empty());
    assert!(push_only.jira.seen.lock().unwrap().is_empty());
}
