//! The running server's side of `jirabridge import-plugin` (issue 19): the control socket
//! hands the files to the admin API's import, so the process's indexes are read again too.

use actix_web::web;

use crate::web::AppState;

/// `jirabridge import-plugin` against the running server: the admin API's import, so the
/// process's indexes are read again too; audited as `cli`.
pub(super) struct StateImporter(pub(super) web::Data<AppState>);

impl crate::control::Importer for StateImporter {
    fn import(
        &self,
        kv: Vec<u8>,
        config: Option<Vec<u8>>,
        options: crate::plugin_import::Options,
        json: bool,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>> + Send + '_>> {
        Box::pin(async move {
            match crate::admin_api::import::import_files(&self.0, kv, config, options, "cli").await {
                Ok(report) if json => Ok(serde_json::to_string_pretty(&report).unwrap_or_default()),
                Ok(report) => Ok(report.text()),
                Err(crate::admin_api::error::ApiError::Validation(fields)) => {
                    Err(fields.into_iter().map(|(field, why)| format!("{field}: {why}")).collect::<Vec<_>>().join("; "))
                }
                Err(e) => Err(e.to_string()),
            }
        })
    }
}
