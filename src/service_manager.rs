//! Telling systemd how the service is doing (the `sd_notify` protocol, `Type=notify`):
//! `READY=1` once jirabridge serves, `RELOADING=1` then `READY=1` around a SIGHUP reload,
//! `STOPPING=1` when it stops. So `systemctl start` returns only when webhooks are taken,
//! and a start that fails shows as failed. Without `NOTIFY_SOCKET` (not under systemd,
//! tests) nothing is sent.

use std::os::unix::net::UnixDatagram;

/// Sends one state line to systemd; a failure is logged, never fatal.
pub fn notify(state: &str) {
    let Some(socket) = std::env::var_os("NOTIFY_SOCKET") else { return };
    if let Err(e) = send(&socket, state) {
        tracing::warn!(error = %e, state, "could not tell systemd the service state");
    }
}

fn send(socket: &std::ffi::OsStr, state: &str) -> std::io::Result<usize> {
    let sender = UnixDatagram::unbound()?;
    let path = socket.as_encoded_bytes();
    // "@name" is a Linux abstract socket (systemd's default for NOTIFY_SOCKET in containers).
    #[cfg(target_os = "linux")]
    if let Some(name) = path.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt;
        let address = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
        return sender.send_to_addr(state.as_bytes(), &address);
    }
    let _ = path;
    sender.send_to(state.as_bytes(), socket)
}
