//! Strangers and slow clients (SPEC §4.1): a wrong secret is refused before the body is
//! read, a body's memory follows the bytes received rather than `Content-Length`, and a body
//! slower than `server.body_read_timeout_secs` gets 408 and a closed connection.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::app::{spawn_app_with, CHANNEL, SECRET, TEAM};
use crate::support::commands::{free_port, serve_command, wait_until_serving};
use crate::support::fixtures::own;

const FOUR_MIB: usize = 4 * 1024 * 1024;

/// Opens a connection and sends a webhook's head declaring `declared` body bytes, then
/// `sent` of them.
async fn start_webhook(port: u16, secret: &str, declared: usize, sent: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST /webhook?secret={secret}&team={TEAM}&channel={CHANNEL} HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Content-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(sent).await.unwrap();
    stream
}

/// Reads what the server says until it closes the connection (or `within` passes).
async fn answer(stream: &mut TcpStream, within: Duration) -> String {
    let mut received = Vec::new();
    let _ = tokio::time::timeout(within, stream.read_to_end(&mut received)).await;
    String::from_utf8_lossy(&received).into_owned()
}

fn port_of(address: &str) -> u16 {
    address.rsplit(':').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_wrong_secret_is_refused_before_the_body_arrives() {
    let app = spawn_app_with(|_| {}).await;
    let mut stream = start_webhook(port_of(&app.address), "wrong", FOUR_MIB, b"{").await;
    let text = answer(&mut stream, Duration::from_secs(5)).await;
    assert!(text.starts_with("HTTP/1.1 401"), "answered without waiting for 4 MiB: {text:?}");
    app.shutdown().await;
}

#[tokio::test]
async fn a_body_slower_than_the_limit_gets_408_and_the_connection_closes() {
    let app = spawn_app_with(|c| c.server.body_read_timeout_secs = 1).await;
    let started = Instant::now();
    let mut stream = start_webhook(port_of(&app.address), SECRET, 1000, b"{\"webhookEvent\"").await;
    let text = answer(&mut stream, Duration::from_secs(10)).await;
    assert!(text.starts_with("HTTP/1.1 408"), "{text:?}");
    assert!(text.contains("request body not received in time"), "{text:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "closed after the limit, not later");
    // The console's forms have the same limit.
    let mut stream = TcpStream::connect(("127.0.0.1", port_of(&app.address))).await.unwrap();
    let head = "POST /admin/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nuser";
    stream.write_all(head.as_bytes()).await.unwrap();
    assert!(answer(&mut stream, Duration::from_secs(10)).await.starts_with("HTTP/1.1 408"));
    app.shutdown().await;
}

/// Lets this process open a few thousand sockets (CI's default limit can be 1 024).
fn raise_open_file_limit(wanted: u64) {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        if limit.rlim_cur < wanted {
            limit.rlim_cur = wanted;
            limit.rlim_max = limit.rlim_max.max(wanted);
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0, "cannot raise the open-file limit");
        }
    }
}

fn rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
}

fn serve(dir: &std::path::Path, port: u16) -> Child {
    serve_command(port).current_dir(dir).spawn().expect("binary starts")
}

/// The built binary, with 1 000 connections that each declare a 4 MiB body and send a few
/// bytes, half with the right secret: memory stays low, and a well-behaved client is served
/// meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_stalled_bodies_hold_no_memory_and_others_are_served() {
    raise_open_file_limit(4096);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = serve(dir.path(), port);
    wait_until_serving(port).await;
    let pid = child.id();
    let before = rss_mib(pid);

    let mut stalled = Vec::new();
    for i in 0..1000 {
        let secret = if i % 2 == 0 { SECRET } else { "not-the-secret" };
        stalled.push(start_webhook(port, secret, FOUR_MIB, b"{\"webhookEvent\":").await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let during = rss_mib(pid);

    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/webhook?secret={SECRET}&team={TEAM}&channel={CHANNEL}");
    for _ in 0..5 {
        let sent = Instant::now();
        let response = http.post(&url).body(own("cloud-issue-created.json")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(sent.elapsed() < Duration::from_secs(2), "answered while 1 000 bodies stall");
    }
    drop(stalled);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_mib(pid);
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let _ = child.wait();
    eprintln!("RSS before {before} MiB, with 1 000 stalled bodies {during} MiB, after they closed {after} MiB");
    assert!(during < 200, "RSS {during} MiB with 1 000 stalled 4 MiB bodies");
    // The allocator may keep a little; what the connections held must not stay.
    assert!(after < before + 40, "memory returns once they close: {after} MiB (started at {before})");
}

/// Sends `body` to `path` with `head_extra` headers in 16 pieces over about 1.6 s; answers
/// the server's reply.
async fn send_slowly(port: u16, path: &str, head_extra: &str, content_type: &str, body: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head_extra}Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for piece in body.chunks(body.len().div_ceil(16)) {
        if stream.write_all(piece).await.is_err() {
            break; // answered early (408) and closed
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    answer(&mut stream, Duration::from_secs(10)).await
}

/// The plugin import takes uploads of up to 256 MiB: over a link too slow for the body
/// deadline but still sending, it gets more time per MiB received and finishes; a webhook
/// sent at the same pace still gets 408.
#[tokio::test]
async fn a_large_import_over_a_slow_link_is_not_cut_off() {
    let app = spawn_app_with(|c| c.server.body_read_timeout_secs = 1).await;
    let port = port_of(&app.address);
    // About 1 MiB of plugin KV lines (keys the import lists as left over).
    let mut kv = String::new();
    for n in 0..20_000 {
        kv.push_str(&format!("{{\"key\":\"unknown_{n:06}\",\"value_b64\":\"AAAA\",\"expire_at\":0}}\n"));
    }
    let boundary = "jirabridge-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kv\"; filename=\"kv.jsonl\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n{kv}\r\n--{boundary}--\r\n"
    );
    assert!(body.len() > 1024 * 1024, "{}", body.len());
    let auth = format!("Authorization: Bearer {}\r\n", crate::support::app::ADMIN_TOKEN);
    let multipart = format!("multipart/form-data; boundary={boundary}");
    let started = Instant::now();
    let reply = send_slowly(port, "/api/v1/import/plugin?dry_run=true", &auth, &multipart, body.as_bytes()).await;
    assert!(started.elapsed() > Duration::from_millis(1500), "the upload outlasted the 1 s limit");
    assert!(reply.starts_with("HTTP/1.1 200"), "{}", &reply[..reply.len().min(300)]);

    let webhook = format!("/webhook?secret={SECRET}&team={TEAM}&channel={CHANNEL}");
    let padded = format!("{{\"webhookEvent\":\"jira:issue_created\",\"pad\":\"{}\"}}", "x".repeat(1024 * 1024));
    let reply = send_slowly(port, &webhook, "", "application/json", padded.as_bytes()).await;
    assert!(reply.starts_with("HTTP/1.1 408"), "{}", &reply[..reply.len().min(300)]);
    app.shutdown().await;
}
