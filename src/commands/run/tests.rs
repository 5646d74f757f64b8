//! The gates in front of Jira, with a recording [`JiraOps`]: push-only mode never calls it,
//! the issue UI switch, no instance and no connection stop it, admin rows refuse others.

use std::sync::Mutex;

use super::*;
use crate::commands::jira_ops::Reply;
use crate::commands::parse::parse;
use crate::config::{Config, LoadedConfig};
use crate::store::records::{InstanceId, InstanceRecordV1, InstanceType};
use crate::store::MasterKey;

/// Records every call and answers "done by Jira"; `connected` says who is connected.
#[derive(Default)]
struct Recording {
    connected: bool,
    calls: Mutex<Vec<JiraCall>>,
}

impl JiraOps for Recording {
    fn is_connected(&self, _: &str, _: Option<&str>) -> bool {
        self.connected
    }

    fn connected_users(&self) -> usize {
        usize::from(self.connected)
    }

    fn run<'a>(&'a self, _: &'a Caller, call: JiraCall) -> Reply<'a> {
        self.calls.lock().unwrap().push(call);
        Box::pin(async { "done by Jira".into() })
    }

    fn interact<'a>(
        &'a self,
        _: &'a Caller,
        _: crate::commands::jira_ops::Interaction,
    ) -> crate::commands::jira_ops::OutcomeOf<'a> {
        Box::pin(async { crate::commands::jira_ops::Outcome::Failed("not in these tests".into()) })
    }
}

struct World {
    _dir: tempfile::TempDir,
    ctx: CommandContext,
    jira: Arc<Recording>,
}

fn world(connected: bool, adjust: impl FnOnce(&mut Config), with_instance: bool) -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &Default::default()).unwrap();
    let key = MasterKey::load_or_create(dir.path()).unwrap();
    let mut config = Config::default();
    adjust(&mut config);
    let loaded = LoadedConfig { config, file: None, sources: Default::default() };
    let settings = Settings::load(loaded, store.clone(), key).unwrap();
    if with_instance {
        let instance = InstanceRecordV1 {
            id: InstanceId::unchecked("https://jira.example.com"),
            instance_type: InstanceType::Server,
            alias: Some("prod".into()),
            is_default: true,
            is_v2_legacy: false,
            created_at_ms: 0,
        };
        store.put_instance(&instance).unwrap();
    }
    let jira = Arc::new(Recording { connected, ..Recording::default() });
    let ctx = CommandContext {
        store,
        settings,
        jira: jira.clone(),
        webhook_secret: "s3cret".into(),
        command_registered: true,
    };
    World { _dir: dir, ctx, jira }
}

fn caller(system_admin: bool) -> Caller {
    Caller { user_id: "u1".into(), user_name: "ann".into(), system_admin, ..Caller::default() }
}

async fn say(world: &World, line: &str, admin: bool) -> String {
    run(&world.ctx, &caller(admin), parse(line, &[]).unwrap()).await.unwrap().text
}

const NEEDS_JIRA: &[&str] = &[
    "/jira connect",
    "/jira disconnect",
    "/jira settings notifications on",
    "/jira instance default prod",
    "/jira install server https://j.example",
    "/jira install cloud-oauth https://acme.atlassian.net",
    "/jira subscribe",
    "/jira create A summary",
    "/jira attach EXT-1",
    "/jira view EXT-1",
    "/jira transition EXT-1 done",
    "/jira assign EXT-1 smith",
    "/jira unassign EXT-1",
];

/// Rows `JiraOps` answers from the store and Mattermost alone.
const OPS_WITHOUT_JIRA: &[&str] = &["/jira uninstall server https://jira.example.com", "/jira subscribe list"];

#[tokio::test(flavor = "multi_thread")]
async fn push_only_answers_every_jira_row_without_calling_jira() {
    let world = world(true, |c| c.jira.push_only = true, true);
    for line in NEEDS_JIRA {
        assert_eq!(say(&world, line, true).await, PUSH_ONLY, "{line}");
    }
    assert!(world.jira.calls.lock().unwrap().is_empty());
    for line in OPS_WITHOUT_JIRA {
        assert_eq!(say(&world, line, true).await, "done by Jira", "{line} is answered as usual");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connected_caller_reaches_jira_with_the_parsed_call() {
    let world = world(true, |_| {}, true);
    for line in NEEDS_JIRA.iter().chain(OPS_WITHOUT_JIRA) {
        assert_eq!(say(&world, line, true).await, "done by Jira", "{line}");
    }
    let calls = world.jira.calls.lock().unwrap();
    assert_eq!(calls.len(), NEEDS_JIRA.len() + OPS_WITHOUT_JIRA.len());
    let create = calls.iter().find(|c| matches!(c.command, Command::Create { .. })).unwrap();
    assert_eq!(create.command, Command::Create { text: "A summary".into() });
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gates_stop_what_should_not_reach_jira() {
    let not_connected = world(false, |_| {}, true);
    assert_eq!(say(&not_connected, "/jira view EXT-1", false).await, NOT_CONNECTED);
    assert_eq!(say(&not_connected, "/jira create x", false).await, NOT_CONNECTED);
    assert_eq!(say(&not_connected, "/jira connect", false).await, "done by Jira", "connecting needs no connection");
    let no_instance = world(true, |_| {}, false);
    assert_eq!(say(&no_instance, "/jira create x", false).await, NO_INSTANCE);
    let ui_off = world(true, |c| c.jira.enable_issue_ui = false, true);
    assert_eq!(say(&ui_off, "/jira create x", false).await, ISSUE_UI_OFF);
    assert_eq!(say(&ui_off, "/jira attach EXT-1", false).await, ISSUE_UI_OFF);
    let unknown = say(&not_connected, "/jira view EXT-1 --instance nowhere", false).await;
    assert!(unknown.starts_with("Failed to identify Jira instance nowhere. Error: "), "{unknown}");
    assert_eq!(not_connected.jira.calls.lock().unwrap().len(), 1, "only the connect call");
    assert!(no_instance.jira.calls.lock().unwrap().is_empty());
    assert!(ui_off.jira.calls.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_rows_refuse_others_and_answer_admins() {
    let world = world(false, |_| {}, true);
    assert_eq!(
        say(&world, "/jira instance list", false).await,
        "`/jira instance list` can only be run by a system administrator."
    );
    assert_eq!(
        say(&world, "/jira install server https://j.example", false).await,
        "`/jira install` can only be run by a Mattermost system administrator."
    );
    assert_eq!(
        say(&world, "/jira instance list", true).await,
        "| |Alias|URL|Type|\n|--|--|--|\n|1|prod|https://jira.example.com|server|\n"
    );
    assert_eq!(
        say(&world, "/jira instance alias https://jira.example.com staging", true).await,
        "You have successfully aliased instance https://jira.example.com to `staging`."
    );
    assert_eq!(
        say(&world, "/jira instance unalias staging", true).await,
        "You have successfully unaliased instance https://jira.example.com from `staging`."
    );
    assert_eq!(say(&world, "/jira instance alias", true).await, "Please specify both an instance and alias");
    assert_eq!(
        say(&world, "/jira instance v2 https://jira.example.com", true).await,
        "https://jira.example.com is set as the default Jira instance"
    );
    assert_eq!(say(&world, "/jira v2revert", true).await, "jirabridge has no v2 data model to revert to.");
    assert!(say(&world, "/jira install cloud https://acme.atlassian.net", true)
        .await
        .starts_with("Atlassian Connect installs are not supported"));
    assert!(world.jira.calls.lock().unwrap().is_empty());
}
