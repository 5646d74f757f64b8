//! Reading a request body under a byte limit (413 by `Content-Length` or while streaming).

use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    TooLarge,
    Broken,
}

/// Reads the whole body, refusing it as soon as it passes `limit` bytes.
pub async fn read_limited(req: &HttpRequest, mut payload: web::Payload, limit: u64) -> Result<Vec<u8>, BodyError> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(limit) as usize);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| BodyError::Broken)?;
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
