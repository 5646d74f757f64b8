//! Binding the loopback port and running the actix server in the background.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::thread;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::http::KeepAlive;
use actix_web::middleware::from_fn;
use actix_web::web::{Data, PayloadConfig};
use actix_web::{App, HttpServer};
use tokio::net::TcpSocket;

use super::gate::gate;
use super::routes;
use super::state::Shared;

/// Large enough for props of 800 000 multi-byte runes, so the props rule answers, not actix.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// SO_REUSEADDR lets `restart` take the port back while old connections sit in TIME_WAIT.
pub(super) async fn bind(port: u16) -> io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    socket.listen(1024)?.into_std()
}

/// Retries for a few seconds: the kernel may hold the port briefly after `stop`.
pub(super) async fn bind_again(port: u16) -> TcpListener {
    let mut attempts = 0;
    loop {
        match bind(port).await {
            Ok(listener) => return listener,
            Err(err) if attempts >= 100 => panic!("fake Mattermost cannot rebind {port}: {err}"),
            Err(_) => attempts += 1,
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Keep-alive is off unless `keep_alive` (benchmarks: Mattermost itself keeps connections
/// open), so that after `stop` no pooled connection can still reach a worker in a test.
/// The server's control loop gets its own thread: a test's runtime ends before the fake is
/// dropped, and the loop must outlive it to carry out the stop that `Drop` sends.
pub(super) fn serve(shared: Data<Shared>, listener: TcpListener, keep_alive: bool) -> ServerHandle {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .app_data(PayloadConfig::new(MAX_BODY_BYTES))
            .wrap(from_fn(gate))
            .configure(routes::configure)
    })
    .workers(1)
    .disable_signals()
    .keep_alive(if keep_alive { KeepAlive::Os } else { KeepAlive::Disabled })
    .shutdown_timeout(0)
    .listen(listener)
    .expect("fake Mattermost serves its listener")
    .run();
    let handle = server.handle();
    thread::Builder::new()
        .name("fake-mattermost".to_owned())
        .spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("fake Mattermost runtime");
            runtime.block_on(server)
        })
        .expect("fake Mattermost thread");
    handle
}
