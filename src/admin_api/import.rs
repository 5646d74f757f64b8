//! `POST /api/v1/import/plugin` (SPEC §3.5, §13; issue 19): the plugin's export as the
//! multipart part `kv`, and optionally Mattermost's `config.json` as `mattermost_config`;
//! `?dry_run=true`, `?overwrite=true`. Answers the report. An unreadable export is 400
//! `validation_failed` naming the line (`kv[17]`), and nothing is written. An applied import
//! is audited with its counts (no values) and takes effect at once: the subscription index,
//! the connected users and the accepted webhook secrets are read again.

use actix_multipart::Multipart;
use actix_web::{web, HttpResponse};
use futures_util::TryStreamExt;
use serde::Deserialize;

use super::auth::AdminAuth;
use super::error::ApiError;
use crate::plugin_import::{self, Options};
use crate::store::records::AuditRecordV1;
use crate::utc::now_ms;
use crate::web::AppState;

/// The largest export taken (decided in issue 19).
const MOST_BYTES: usize = 256 * 1024 * 1024;

#[derive(Deserialize)]
pub struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    overwrite: bool,
}

/// The parts, each read whole within [`MOST_BYTES`] in all.
async fn parts(mut payload: Multipart) -> Result<(Option<Vec<u8>>, Option<Vec<u8>>), ApiError> {
    let (mut kv, mut config, mut total) = (None, None, 0usize);
    while let Some(mut field) =
        payload.try_next().await.map_err(|e| ApiError::BadRequest(format!("not a multipart body: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field
            .try_next()
            .await
            .map_err(|e| ApiError::BadRequest(format!("the part {name} could not be read: {e}")))?
        {
            total += chunk.len();
            if total > MOST_BYTES {
                return Err(ApiError::TooLarge("the import takes at most 256 MiB".into()));
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "kv" => kv = Some(bytes),
            "mattermost_config" => config = Some(bytes),
            _ => {}
        }
    }
    Ok((kv, config))
}

pub async fn plugin(
    _: AdminAuth,
    state: web::Data<AppState>,
    query: web::Query<ImportQuery>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let (kv, config) = parts(payload).await?;
    let kv = kv.ok_or_else(|| ApiError::field("kv", "the plugin's export is missing (multipart part kv)"))?;
    let options = Options { dry_run: query.dry_run, overwrite: query.overwrite, ..Options::default() };
    Ok(HttpResponse::Ok().json(import_files(&state, kv, config, options, "api").await?))
}

/// Imports the export `kv` (and Mattermost's `config`) into the running process, audited as
/// `actor`; the admin API and the control socket share it.
pub async fn import_files(
    state: &AppState,
    kv: Vec<u8>,
    config: Option<Vec<u8>>,
    options: Options,
    actor: &str,
) -> Result<plugin_import::report::Report, ApiError> {
    let text = String::from_utf8(kv).map_err(|_| ApiError::field("kv", "the export is not UTF-8 text"))?;
    let rows = plugin_import::kv::read(&text).map_err(|e| ApiError::field(&format!("kv[{}]", e.line), e.message))?;
    let settings = match config {
        Some(bytes) => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            Some(plugin_import::plugin_settings(&text).map_err(|e| ApiError::field("mattermost_config", e))?)
        }
        None => None,
    };
    let options = Options {
        secret_pinned: state.settings.source("webhook.secret").pins(),
        secret_grace_hours: state.settings.current().webhook.secret_grace_hours,
        ..options
    };
    let (key, live) = (state.master_key.clone(), state.settings.clone());
    let report = state
        .store
        .run(move |store| {
            let mut report = plugin_import::run(store, &key, &rows, settings.as_ref(), options, now_ms())?;
            if let Some(plugin) = &settings {
                plugin_import::settings::import(store, &key, &live, plugin, options, &mut report);
            }
            Ok::<_, crate::store::StoreError>(report)
        })
        .await?;
    let mut report = report;
    mark_missing_channels(state, &mut report, options.dry_run).await?;
    if !options.dry_run {
        take_effect(state).await?;
        let counts = serde_json::to_string(&report.kinds).unwrap_or_default();
        let entry = AuditRecordV1::new(actor, "import.plugin", "plugin", None, Some(counts), now_ms());
        state.store.run(move |store| store.audit(&entry)).await?;
    }
    Ok(report)
}

/// Subscriptions whose channel Mattermost reports gone are imported `broken`.
async fn mark_missing_channels(
    state: &AppState,
    report: &mut plugin_import::report::Report,
    dry_run: bool,
) -> Result<(), ApiError> {
    let missing = plugin_import::channels::missing(&state.mattermost, report, dry_run).await;
    if !dry_run && !missing.is_empty() {
        state.store.run(move |store| plugin_import::channels::mark_broken(store, &missing)).await?;
    }
    Ok(())
}

/// What the running process keeps in memory is read again from the store.
async fn take_effect(state: &AppState) -> Result<(), ApiError> {
    let (key, configured) = (state.master_key.clone(), state.config().webhook.secret.expose().to_string());
    let (index, secrets) = state
        .store
        .run(move |store| -> Result<_, crate::store::StoreError> {
            let index = crate::subscriptions::service::load_index(store)?;
            let (secrets, _) = crate::secrets::webhook::load_or_generate(&configured, store, &key, now_ms())?;
            Ok((index, secrets))
        })
        .await?;
    *state.subscriptions.write().unwrap_or_else(|p| p.into_inner()) = index;
    *state.secrets.write().unwrap_or_else(|p| p.into_inner()) = secrets;
    let connections = state.connections.clone();
    state.store.run(move |_| connections.reload_index()).await?;
    Ok(())
}
