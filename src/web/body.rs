//! Request bodies from strangers: a byte limit (413 by `Content-Length` or while streaming),
//! memory that grows only with the bytes received, and a time limit for the whole body
//! (`server.body_read_timeout_secs`, 408 and the connection closed). Routes that take large
//! uploads (the plugin import, up to 256 MiB) get more time for each MiB that arrives, so an
//! upload over a slow link still ends, while a body that stops arriving still times out.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::BoxBody;
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use futures_util::{Stream, StreamExt};
use tokio::time::{Instant, Sleep};

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    TooLarge,
    TimedOut,
    Broken,
}

/// Whether the request declares a body over `limit` (`Content-Length`), so it can be
/// refused before anything else is looked at.
pub fn declared_too_large(req: &HttpRequest, limit: u64) -> bool {
    let declared = req.headers().get(actix_web::http::header::CONTENT_LENGTH);
    declared.and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok()).is_some_and(|len| len > limit)
}

/// Reads the whole body, refusing it as soon as it passes `limit` bytes. The buffer grows
/// with what arrives: a `Content-Length` is a claim, and reserving it would let a client
/// that sends nothing hold that much memory.
pub async fn read_limited(req: &HttpRequest, mut payload: web::Payload, limit: u64) -> Result<Vec<u8>, BodyError> {
    if declared_too_large(req, limit) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => BodyError::TimedOut,
            _ => BodyError::Broken,
        })?;
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The answer to a body that took too long; the connection is closed with it.
pub fn timed_out() -> HttpResponse {
    HttpResponse::build(StatusCode::REQUEST_TIMEOUT)
        .force_close()
        .content_type("text/plain; charset=utf-8")
        .body("request body not received in time")
}

/// Time added to an upload route's deadline per MiB received: uploads must keep up
/// 512 KiB/s on average after the first `server.body_read_timeout_secs`.
const GRACE_PER_MIB: Duration = Duration::from_secs(2);

/// What the deadline middleware gives back for a request.
pub type Answer = Pin<Box<dyn Future<Output = Result<ServiceResponse<BoxBody>, actix_web::Error>>>>;

/// Middleware for every route: the request body fails with a timeout once `limit` has
/// passed since the request arrived (plus [`GRACE_PER_MIB`] per MiB received on the
/// `upload_paths`), and a request whose body timed out is answered 408, whatever the
/// handler made of the error.
pub fn with_deadline<S>(
    limit: Duration,
    upload_paths: &'static [&'static str],
) -> impl Fn(ServiceRequest, &S) -> Answer + Clone
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = actix_web::Error>,
    S::Future: 'static,
{
    move |mut req: ServiceRequest, service: &S| {
        let expired = Arc::new(AtomicBool::new(false));
        let grace_per_mib = if upload_paths.contains(&req.path()) { GRACE_PER_MIB } else { Duration::ZERO };
        let body = Deadline {
            inner: req.take_payload(),
            due: Instant::now() + limit,
            grace_per_mib,
            timer: None,
            expired: expired.clone(),
        };
        req.set_payload(Payload::Stream { payload: Box::pin(body) });
        let answer = service.call(req);
        Box::pin(async move {
            let response = answer.await?;
            if expired.load(Ordering::Relaxed) && response.status() != StatusCode::REQUEST_TIMEOUT {
                let request = response.request().clone();
                return Ok(ServiceResponse::new(request, timed_out()));
            }
            Ok(response)
        })
    }
}

/// A body stream that yields a `TimedOut` error once `due` has passed. The timer is only
/// made when the client keeps the body waiting: most webhooks arrive with their headers.
struct Deadline {
    inner: Payload,
    due: Instant,
    /// Added to `due` per MiB received (zero but on upload routes).
    grace_per_mib: Duration,
    timer: Option<Pin<Box<Sleep>>>,
    expired: Arc<AtomicBool>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.expired.load(Ordering::Relaxed) {
            return Poll::Ready(None);
        }
        if Instant::now() < this.due {
            if let Poll::Ready(item) = Pin::new(&mut this.inner).poll_next(cx) {
                if let (Some(Ok(bytes)), false) = (&item, this.grace_per_mib.is_zero()) {
                    this.due += this.grace_per_mib.mul_f64(bytes.len() as f64 / (1024.0 * 1024.0));
                    let due = this.due;
                    if let Some(timer) = this.timer.as_mut() {
                        timer.as_mut().reset(due);
                    }
                }
                return Poll::Ready(item);
            }
            let due = this.due;
            let timer = this.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(due)));
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
        this.expired.store(true, Ordering::Relaxed);
        let late = std::io::Error::new(std::io::ErrorKind::TimedOut, "request body not received in time");
        Poll::Ready(Some(Err(PayloadError::Io(late))))
    }
}
