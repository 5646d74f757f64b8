//! Loading stories: the example config, overrides, secret files, and the errors an admin sees.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::schema::Schema;
use super::*;

const EXAMPLE: &str = include_str!("../../config.example.toml");
const PATH: &str = "/etc/jirabridge/config.toml";

fn load(file: &str, env: &[(&str, &str)]) -> Result<LoadedConfig, ConfigErrors> {
    let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    Config::from_sources(Some((Path::new(PATH), file)), env)
}

fn errors(file: &str, env: &[(&str, &str)]) -> Vec<String> {
    load(file, env).expect_err("the configuration should be rejected").0
}

/// A file in the temp directory that no other test uses.
fn temp_file(content: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("jirabridge-config-{}-{n}", std::process::id()));
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn example_config_is_the_defaults() {
    let loaded = load(EXAMPLE, &[]).unwrap();
    assert_eq!(loaded.config, Config::default());
    assert_eq!(loaded.file.as_deref(), Some(Path::new(PATH)));
}

#[test]
fn example_config_lists_every_key() {
    let loaded = load(EXAMPLE, &[]).unwrap();
    for key in Schema::new().keys() {
        assert_eq!(loaded.sources.get(&key), Some(&Source::File), "{key} missing from config.example.toml");
    }
}

#[test]
fn no_file_and_no_env_gives_defaults() {
    let loaded = Config::from_sources(None, Vec::new()).unwrap();
    assert_eq!(loaded.config, Config::default());
    assert_eq!(loaded.file, None);
    assert!(loaded.sources.values().all(|s| *s == Source::Default));
}

#[test]
fn unknown_key_suggests_the_nearest() {
    let found = errors("[mattermost]\nbot_tokn = \"x\"\n", &[]);
    let expected = format!("unknown key \"mattermost.bot_tokn\" in {PATH}; did you mean \"mattermost.bot_token\"?");
    assert_eq!(found, [expected]);
}

#[test]
fn key_in_the_wrong_place_suggests_its_section() {
    let found = errors("level = \"debug\"\n[server]\nformat = \"json\"\n", &[]);
    assert!(found[0].ends_with("did you mean \"log.level\"?"), "{found:?}");
    assert!(found[1].ends_with("did you mean \"log.format\"?"), "{found:?}");
}

#[test]
fn unknown_section_suggests_the_nearest() {
    let found = errors("[mattermst]\nurl = \"https://chat.example.com\"\n", &[]);
    assert_eq!(found, [format!("unknown section [mattermst] in {PATH}; did you mean \"mattermost\"?")]);
}

#[test]
fn environment_overrides_by_declared_type() {
    let env = [
        ("JIRABRIDGE_WEBHOOK__MAX_BODY_BYTES", "8192"),
        ("JIRABRIDGE_JIRA__PUSH_ONLY", "true"),
        ("JIRABRIDGE_STORE__PATH", "12345"),
        ("JIRABRIDGE_MATTERMOST__BOT_TOKEN", "12345"),
        ("PATH", "/usr/bin"),
        ("JIRABRIDGE_CONFIG", "/etc/other.toml"),
    ];
    let loaded = load("", &env).unwrap();
    let config = &loaded.config;
    assert_eq!(config.webhook.max_body_bytes, 8192);
    assert!(config.jira.push_only);
    assert_eq!(config.store.path, PathBuf::from("12345"));
    assert_eq!(config.mattermost.bot_token.expose(), "12345");
    assert_eq!(loaded.sources["jira.push_only"], Source::Env);
    assert_eq!(loaded.sources["log.level"], Source::Default);
}

#[test]
fn environment_beats_file_beats_default() {
    let file = "[log]\nlevel = \"debug\"\nformat = \"json\"\n";
    let loaded = load(file, &[("JIRABRIDGE_LOG__LEVEL", "warn")]).unwrap();
    assert_eq!(loaded.config.log.level, "warn");
    assert_eq!(loaded.config.log.format, LogFormat::Json);
    assert_eq!(loaded.sources["log.level"], Source::Env);
    assert_eq!(loaded.sources["log.format"], Source::File);
    assert_eq!(loaded.sources["server.listen"], Source::Default);
}

#[test]
fn bad_environment_values_say_what_is_expected() {
    let env = [("JIRABRIDGE_WEBHOOK__MAX_BODY_BYTES", "big"), ("JIRABRIDGE_JIRA__PUSH_ONLY", "yes")];
    let found = errors("", &env);
    assert_eq!(
        found,
        [
            "JIRABRIDGE_JIRA__PUSH_ONLY: expected true or false, got \"yes\"",
            "JIRABRIDGE_WEBHOOK__MAX_BODY_BYTES: expected a whole number, got \"big\"",
        ]
    );
}

#[test]
fn unknown_environment_variable_suggests_the_nearest() {
    let found = errors("", &[("JIRABRIDGE_MATTERMOST_URL", "https://chat.example.com")]);
    assert_eq!(
        found,
        ["unknown environment variable JIRABRIDGE_MATTERMOST_URL; did you mean \"JIRABRIDGE_MATTERMOST__URL\"?"]
    );
}

#[test]
fn file_values_of_the_wrong_type_are_named() {
    let found = errors("[webhook]\nmax_body_bytes = \"big\"\n[store]\nflush_interval_ms = -1\n", &[]);
    assert_eq!(
        found,
        [
            "store.flush_interval_ms: expected a whole number (0 or more), got -1",
            "webhook.max_body_bytes: expected a whole number, got \"big\"",
        ]
    );
}

#[test]
fn out_of_range_and_enum_values_are_rejected() {
    let file = "[mattermost]\nthreaded_comment_days = 5000000000\n[log]\nformat = \"xml\"\n";
    let found = errors(file, &[]);
    let expected = [
        r#"log.format = "xml": expected "text" or "json""#,
        "mattermost.threaded_comment_days = 5000000000: expected a whole number from 0 to 4294967295",
    ];
    assert_eq!(found, expected);
}

#[test]
fn secret_file_from_environment_loses_one_newline() {
    let path = temp_file("s3cret-token\n\n");
    let name = "JIRABRIDGE_MATTERMOST__BOT_TOKEN_FILE";
    let loaded = load("", &[(name, path.to_str().unwrap())]).unwrap();
    assert_eq!(loaded.config.mattermost.bot_token.expose(), "s3cret-token\n");
    assert_eq!(loaded.sources["mattermost.bot_token"], Source::Env);
    std::fs::remove_file(path).unwrap();
}

#[test]
fn secret_file_from_config_is_relative_to_it() {
    let path = temp_file("webhook-secret\r\n");
    let config_path = path.with_file_name("config.toml");
    let name = path.file_name().unwrap().to_str().unwrap();
    let file = format!("[webhook]\nsecret = \"\"\nsecret_file = \"{name}\"\n");
    let loaded = Config::from_sources(Some((&config_path, &file)), Vec::new()).unwrap();
    assert_eq!(loaded.config.webhook.secret.expose(), "webhook-secret");
    assert_eq!(loaded.sources["webhook.secret"], Source::File);
    std::fs::remove_file(path).unwrap();
}

#[test]
fn tls_files_in_the_config_are_relative_to_it() {
    let config_path = std::path::Path::new("/etc/jirabridge/config.toml");
    let file = "[server]\ntls_cert_file = \"tls/fullchain.pem\"\ntls_key_file = \"/srv/key.pem\"\n";
    let loaded = Config::from_sources(Some((config_path, file)), Vec::new()).unwrap();
    assert_eq!(loaded.config.server.tls_cert_file, "/etc/jirabridge/tls/fullchain.pem");
    assert_eq!(loaded.config.server.tls_key_file, "/srv/key.pem");
}

#[test]
fn an_http_public_url_with_tls_is_named() {
    let mut config = Config::default();
    config.server.tls_cert_file = "/etc/jirabridge/cert.pem".into();
    config.server.tls_key_file = "/etc/jirabridge/key.pem".into();
    assert_eq!(config.public_base_url(), "https://127.0.0.1:8080");
    config.server.public_url = "http://jirabridge.example.com".into();
    let hints = config.missing_settings();
    assert!(hints.iter().any(|h| h.starts_with("server.public_url starts with http://")), "{hints:?}");
    config.server.public_url = "https://jirabridge.example.com".into();
    assert!(!config.missing_settings().iter().any(|h| h.contains("starts with http://")));
}

#[test]
fn a_public_url_under_a_path_is_named_for_the_console() {
    let mut config = Config::default();
    let named = |config: &Config| {
        config.missing_settings().iter().any(|h| h.starts_with("server.public_url has a path (/jirabridge)"))
    };
    config.server.public_url = "https://tools.example.com/jirabridge/".into();
    assert!(named(&config), "{:?}", config.missing_settings());
    for root in ["https://jirabridge.example.com", "https://jirabridge.example.com/", ""] {
        config.server.public_url = root.into();
        assert!(!named(&config), "{root}");
    }
}

#[test]
fn webhook_bodies_hidden_by_the_level_is_named() {
    let mut config = Config::default();
    config.log.webhook_bodies = true;
    let named = |config: &Config| config.missing_settings().iter().any(|h| h.starts_with("log.webhook_bodies is on"));
    assert!(named(&config), "info hides debug");
    for shown in ["debug", "info,webhook_body=debug", "trace"] {
        config.log.level = shown.into();
        assert!(!named(&config), "{shown}");
    }
    config.log.level = "info,jirabridge=debug".into();
    assert!(named(&config), "another target's debug does not show it");
    config.log.webhook_bodies = false;
    config.log.level = "info".into();
    assert!(!named(&config));
}

#[test]
fn unreadable_secret_file_names_the_path() {
    let found = errors("[server]\nmetrics_token_file = \"/nonexistent/jirabridge/token\"\n", &[]);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].starts_with("server.metrics_token_file: cannot read /nonexistent/jirabridge/token: "),
        "{found:?}"
    );
}

#[test]
fn secret_set_twice_is_an_error() {
    let path = temp_file("from-file");
    let env = [
        ("JIRABRIDGE_WEBHOOK__SECRET", "from-environment"),
        ("JIRABRIDGE_WEBHOOK__SECRET_FILE", path.to_str().unwrap()),
    ];
    let found = errors("", &env);
    assert_eq!(found, ["JIRABRIDGE_WEBHOOK__SECRET and JIRABRIDGE_WEBHOOK__SECRET_FILE are both set; keep only one"]);
    std::fs::remove_file(path).unwrap();
}

#[test]
fn secrets_stay_out_of_debug_and_errors() {
    let env = [("JIRABRIDGE_MATTERMOST__BOT_TOKEN", "tok-very-secret"), ("JIRABRIDGE_WEBHOOK__SECRET", "s3c")];
    let file = "[server]\nmetrics_token = 12345678\n";
    let message = load(file, &env).unwrap_err().to_string();
    assert!(!message.contains("s3c") && !message.contains("12345678"), "{message}");

    let loaded = load("", &[("JIRABRIDGE_MATTERMOST__BOT_TOKEN", "tok-very-secret")]).unwrap();
    let debug = format!("{:?}", loaded.config);
    assert!(!debug.contains("tok-very-secret"), "{debug}");
    assert!(debug.contains("bot_token: ***") && debug.contains("secret: (not set)"), "{debug}");
}

#[test]
fn broken_toml_reports_position_without_quoting_the_line() {
    let found = errors("[mattermost]\nbot_token = \"tok-very-secret\n", &[]);
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with(&format!("{PATH} is not valid TOML at line 2, column ")), "{found:?}");
    assert!(!found[0].contains("tok-very-secret"), "{found:?}");
}

#[test]
fn all_errors_are_reported_together() {
    let file = "[server]\nlisten = \"abc\"\npublic_url = \"ftp://example.com\"\n\
                [log]\nformat = \"xml\"\nlevel = \"inof\"\n[webhook]\nmax_body_bytes = 10\nbogus = 1\n";
    let found = errors(file, &[("JIRABRIDGE_MATTERMOST__RETRY_INITIAL_MS", "0")]);
    let has = |start: &str| found.iter().any(|e| e.starts_with(start));
    assert!(has("server.listen = \"abc\": expected host:port"), "{found:?}");
    assert!(has("server.public_url = \"ftp://example.com\": expected an absolute http"), "{found:?}");
    assert!(has("log.format = \"xml\""), "{found:?}");
    assert!(has("log.level = \"inof\": expected one of off, error"), "{found:?}");
    assert!(has("webhook.max_body_bytes = 10: expected a whole number of at least 1024"), "{found:?}");
    assert!(has("unknown key \"webhook.bogus\""), "{found:?}");
    assert!(has("mattermost.retry_initial_ms = 0"), "{found:?}");
    assert_eq!(found.len(), 7, "{found:?}");
}

#[test]
fn urls_lose_their_trailing_slash() {
    let file = "[server]\npublic_url = \"https://bridge.example.com/jira/\"\n\
                [mattermost]\nurl = \"https://chat.example.com/\"\n";
    let config = load(file, &[]).unwrap().config;
    assert_eq!(config.server.public_url, "https://bridge.example.com/jira");
    assert_eq!(config.mattermost.url, "https://chat.example.com");
    assert_eq!(config.public_base_url(), "https://bridge.example.com/jira");
}

#[test]
fn log_filters_are_accepted() {
    let config = load("[log]\nlevel = \"info,jirabridge=debug\"\n", &[]).unwrap().config;
    assert_eq!(config.log.level, "info,jirabridge=debug");
}

#[test]
fn defaults_need_url_token_and_public_url() {
    let expected = [
        "mattermost.url is not set: set it to your Mattermost SiteURL \
         (mattermost.url or JIRABRIDGE_MATTERMOST__URL)",
        "mattermost.bot_token is not set: set mattermost.bot_token or \
         JIRABRIDGE_MATTERMOST__BOT_TOKEN; create a bot in System Console > \
         Integrations > Bot Accounts",
        "server.public_url is not set: webhook URLs will use http://127.0.0.1:8080; \
         set server.public_url to the address Jira uses to reach jirabridge",
    ];
    assert_eq!(Config::default().missing_settings(), expected);
}

#[test]
fn nothing_missing_when_all_is_set() {
    let mut config = Config::default();
    config.mattermost.url = "https://chat.example.com".into();
    config.mattermost.bot_token = Secret::new("token".into());
    config.server.public_url = "https://bridge.example.com".into();
    assert!(config.missing_settings().is_empty());
}

#[test]
fn addresses_come_from_listen_without_public_url() {
    let config = load("[server]\nlisten = \"0.0.0.0:9000\"\n", &[]).unwrap().config;
    assert_eq!(config.public_base_url(), "http://0.0.0.0:9000");
    assert_eq!(config.listen_addr(), "0.0.0.0:9000".parse().unwrap());
}

#[test]
fn secret_keys_exist() {
    let keys = Schema::new().keys();
    let secrets: Vec<_> = keys.iter().filter(|k| schema::is_secret(k)).collect();
    let expected = [
        "admin.api_token",
        "jira.admin_api_token",
        "mattermost.bot_token",
        "mattermost.command_tokens",
        "security.encryption_key",
        "server.metrics_token",
        "webhook.secret",
    ];
    assert_eq!(secrets, expected);
}

#[test]
fn the_catalogue_lists_every_key_once_in_order() {
    let catalogued: Vec<&str> = catalog::CATALOG.iter().map(|k| k.key).collect();
    let mut sorted = catalogued.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, Schema::new().keys(), "catalogue and Config differ");
    let sections: Vec<&str> = catalogued.iter().map(|k| k.split('.').next().unwrap()).collect();
    let mut grouped = sections.clone();
    grouped.dedup();
    assert_eq!(grouped, ["server", "store", "mattermost", "webhook", "jira", "security", "admin", "log"]);
}

#[test]
fn errors_display_one_per_line() {
    let errors = ConfigErrors(vec!["first".into(), "second".into()]);
    assert_eq!(errors.to_string(), "first\nsecond");
}

#[test]
fn every_bad_address_range_is_named_at_once() {
    let found = errors("[admin]\nallow_from = [\"10.0.0.0/8\", \"10.0.0.0/33\", \"foo\"]\n", &[]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains(r#""10.0.0.0/33", "foo" are not address ranges"#), "{found:?}");
    let one = errors("[server]\ntrusted_proxies = [\"proxy\"]\n", &[]);
    assert!(one[0].contains(r#""proxy" is not an address range"#), "{one:?}");
}

#[test]
fn attachment_sizes_read_as_the_plugin_wrote_them() {
    use super::parse_byte_size;
    let cases = [
        ("1000", Some(1000)),
        ("42b", Some(42)),
        ("2KB", Some(2048)),
        ("20MB", Some(20 << 20)),
        ("100MiB", Some(100 << 20)),
        ("1.5kb", Some(1536)),
        ("1,234b", Some(1234)),
        ("2tb", Some(2 << 40)),
        ("0", None),
        ("42 kb", None),
        ("big", None),
        ("-5kb", None),
        ("", None),
    ];
    for (text, bytes) in cases {
        assert_eq!(parse_byte_size(text), bytes, "{text:?}");
    }
}
