//! Who is asking: the client's address (through trusted reverse proxies), and whether it
//! may reach the admin surfaces (`admin.allow_from`).

use std::net::IpAddr;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::future::{ready, LocalBoxFuture};
use futures_util::FutureExt;

use crate::config::Config;
use crate::web::AppState;

/// An address range (`10.0.0.0/8`, `::1`). Entries are checked when the config loads, so
/// one that does not parse here matches nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = text.split_once('/').map_or((text, None), |(a, p)| (a, Some(p)));
        let network: IpAddr = address.trim().parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.trim().parse::<u8>().ok().filter(|bits| *bits <= max)?,
            None => max,
        };
        Some(Cidr { network, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_matches(&net.octets(), &ip.octets(), self.prefix),
            (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_matches(&net.octets(), &ip.octets(), self.prefix),
            _ => false,
        }
    }
}

/// An IPv4 address seen through an IPv6 socket (`::ffff:10.0.0.1`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn prefix_matches(net: &[u8], ip: &[u8], prefix: u8) -> bool {
    let (whole, rest) = (usize::from(prefix / 8), prefix % 8);
    if net[..whole] != ip[..whole] {
        return false;
    }
    rest == 0 || (net[whole] ^ ip[whole]) >> (8 - rest) == 0
}

fn any_contains(ranges: &[String], ip: IpAddr) -> bool {
    ranges.iter().filter_map(|r| Cidr::parse(r)).any(|cidr| cidr.contains(ip))
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the nearest
/// untrusted address of `X-Forwarded-For` (the proxies' own entries are skipped).
pub fn client_ip(req: &HttpRequest, config: &Config) -> Option<IpAddr> {
    let peer = canonical(req.peer_addr()?.ip());
    if !any_contains(&config.server.trusted_proxies, peer) {
        return Some(peer);
    }
    let forwarded =
        req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
    // Walk from the nearest hop; a hop that is not a plain address ends the walk at the
    // peer, so a client-written entry can never be picked past one we cannot read.
    for hop in forwarded.split(',').rev() {
        let Ok(hop) = hop.trim().parse::<IpAddr>().map(canonical) else { return Some(peer) };
        if !any_contains(&config.server.trusted_proxies, hop) {
            return Some(hop);
        }
    }
    Some(peer)
}

/// Whether `req` may reach `/admin` and `/api/v1` under `admin.allow_from`.
pub fn admin_allowed(req: &HttpRequest, config: &Config) -> bool {
    config.admin.allow_from.is_empty()
        || client_ip(req, config).is_some_and(|ip| any_contains(&config.admin.allow_from, ip))
}

/// When `changes` (settings as key and JSON value) set `admin.allow_from` so that it would
/// shut out the client making them: the client's address, to say so. An admin cannot lock
/// themselves out by accident, from the console or the API.
pub fn changes_lock_out(req: &HttpRequest, config: &Config, changes: &[(String, serde_json::Value)]) -> Option<String> {
    let (_, proposed) = changes.iter().find(|(key, _)| key == "admin.allow_from")?;
    locks_out(req, config, proposed)
}

fn locks_out(req: &HttpRequest, config: &Config, proposed: &serde_json::Value) -> Option<String> {
    let ranges: Vec<String> = proposed.as_array()?.iter().filter_map(|v| v.as_str().map(String::from)).collect();
    // An empty list lets everyone in; an invalid one is refused by validation anyway.
    if ranges.is_empty() || ranges.iter().any(|r| Cidr::parse(r).is_none()) {
        return None;
    }
    let ip = client_ip(req, config)?;
    (!any_contains(&ranges, ip)).then(|| ip.to_string())
}

/// The message for [`locks_out`].
pub fn lockout_message(address: &str) -> String {
    format!("this would lock you out: your address {address} is not in the list; add it (or its range) first")
}

/// Middleware for the admin scopes: `refused` (each face answers in its own shape) before
/// any handler for addresses outside `admin.allow_from` (read per request, so a console
/// change applies at once).
pub fn restrict_to_admin_networks<S>(
    req: ServiceRequest,
    service: &S,
    refused: fn() -> HttpResponse,
) -> LocalBoxFuture<'static, Result<ServiceResponse, actix_web::Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = actix_web::Error>,
    S::Future: 'static,
{
    let allowed = match req.app_data::<web::Data<AppState>>() {
        Some(state) => admin_allowed(req.request(), &state.config()),
        None => true,
    };
    if allowed {
        return service.call(req).boxed_local();
    }
    tracing::warn!(peer = ?req.peer_addr(), path = req.path(), "admin request refused: address not in admin.allow_from");
    ready(Ok(req.into_response(refused()))).boxed_local()
}

/// The token of an `Authorization: Bearer <token>` header; the scheme's name is matched
/// without regard to case, as HTTP says.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let header = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = header.trim_start().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_contain_their_addresses_only() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let net = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(net.contains(ip("10.1.200.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(net.contains(ip("::ffff:10.1.0.9")), "IPv4 through an IPv6 socket");
        assert!(Cidr::parse("192.168.1.7").unwrap().contains(ip("192.168.1.7")));
        assert!(!Cidr::parse("192.168.1.7").unwrap().contains(ip("192.168.1.8")));
        assert!(Cidr::parse("10.0.0.0/9").unwrap().contains(ip("10.127.255.255")));
        assert!(!Cidr::parse("10.0.0.0/9").unwrap().contains(ip("10.128.0.0")));
        assert!(Cidr::parse("fd00::/8").unwrap().contains(ip("fd12::1")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
    }

    #[actix_web::test]
    async fn forwarded_addresses_count_only_through_trusted_proxies() {
        let mut config = Config::default();
        config.server.trusted_proxies = vec!["127.0.0.1".into(), "10.9.9.9".into()];
        let request = |forwarded: &str| {
            actix_web::test::TestRequest::default()
                .peer_addr("127.0.0.1:5000".parse().unwrap())
                .insert_header(("x-forwarded-for", forwarded))
                .to_http_request()
        };
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert_eq!(client_ip(&request("192.0.2.7"), &config), ip("192.0.2.7"));
        assert_eq!(client_ip(&request("198.51.100.1, 192.0.2.7, 10.9.9.9"), &config), ip("192.0.2.7"));
        assert_eq!(client_ip(&request("10.0.0.5, 192.0.2.7:4711"), &config), ip("127.0.0.1"), "unreadable hop");
        config.server.trusted_proxies.clear();
        assert_eq!(client_ip(&request("10.0.0.5"), &config), ip("127.0.0.1"), "no proxy is trusted");
    }
}
